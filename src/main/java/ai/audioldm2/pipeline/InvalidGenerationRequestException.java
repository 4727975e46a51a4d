package ai.audioldm2.pipeline;

/** The request cannot be run as asked (empty prompt, duration out of range, unknown scheduler, ...). */
public class InvalidGenerationRequestException extends IllegalArgumentException {
    private final String field;

    public InvalidGenerationRequestException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The request field at fault, in the REST API's snake_case naming. */
    public String field() {
        return field;
    }
}
