package ai.audioldm2.api;

import java.util.List;

/** The request is well-formed JSON but breaks the schema; answered with 422 and every problem found. */
public class RequestValidationException extends RuntimeException {
    private final List<ValidationError> errors;

    public RequestValidationException(List<ValidationError> errors) {
        super(errors.toString());
        this.errors = List.copyOf(errors);
    }

    public List<ValidationError> errors() {
        return errors;
    }
}
