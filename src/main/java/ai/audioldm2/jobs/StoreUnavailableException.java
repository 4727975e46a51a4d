package ai.audioldm2.jobs;

/** The jobs store cannot be read or written (down, full, read-only); answered 503 with Retry-After. */
public class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
