package ai.audioldm2.api;

/** The body cannot be read at all (not JSON, bad base64); answered with 400 {"detail": message}. */
public class MalformedRequestException extends RuntimeException {
    public MalformedRequestException(String message) {
        super(message);
    }
}
