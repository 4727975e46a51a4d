package ai.audioldm2.bundle;

/** The model bundle cannot be used: missing, truncated or corrupted files, a graph that does not match its manifest. */
public class ModelBundleException extends RuntimeException {
    public ModelBundleException(String message) {
        super(message);
    }

    public ModelBundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
