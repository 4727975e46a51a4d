package ai.audioldm2.api;

import ai.audioldm2.audio.AudioDecodeException;
import ai.audioldm2.pipeline.InvalidGenerationRequestException;
import ai.audioldm2.telemetry.ServiceMetrics.FailureKind;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What /predict answers for a request at fault, as a status and FastAPI's detail: 422 with a list of
 * {@link ValidationError}, 400 or 413 with a message. /predict sends it as {@code {"detail": ...}} with that status;
 * /predict/batch puts it in the request's slot as {@code {"status_code": ..., "detail": ...}}.
 */
@Schema(name = "BatchItemError", description = "the answer /predict would give this request: status and detail")
public record ItemError(@JsonProperty("status_code") int statusCode,
                        @Schema(description = "a message, or for 422 a list of {loc, msg, type}") Object detail)
        implements BatchSlot {

    /**
     * The request's fault, or empty when {@code failure} is not one.
     *
     * @param location where the request sits in the body (["body"], or ["body", "requests", i] in a batch)
     */
    static Optional<ItemError> of(RuntimeException failure, List<Object> location) {
        if (failure instanceof RequestValidationException e) {
            return Optional.of(new ItemError(422, e.errors()));
        }
        if (failure instanceof InvalidGenerationRequestException e) {
            return Optional.of(new ItemError(422, List.of(refusal(e, location, null))));
        }
        if (failure instanceof MalformedRequestException e) {
            return Optional.of(new ItemError(400, e.getMessage()));
        }
        if (failure instanceof AudioDecodeException e) {
            return Optional.of(new ItemError(e.problem() == AudioDecodeException.Problem.TOO_LARGE ? 413 : 400,
                    "audio_input_b64: " + e.getMessage()));
        }
        return Optional.empty();
    }

    /**
     * The pipeline's refusal of a request as pydantic reports a validator's: a value_error at the field, with the
     * value the client sent ({@code body}: the request's JSON object, null when not at hand).
     */
    static ValidationError refusal(InvalidGenerationRequestException e, List<Object> location, JsonNode body) {
        String field = apiField(e.field());
        List<Object> loc = new ArrayList<>(location);
        loc.add(field);
        JsonNode input = body == null ? null : body.get(field);
        return new ValidationError(loc, "Value error, " + e.getMessage(), "value_error", input, null);
    }

    /** The pipeline names its audio input audio_input; the API's field is audio_input_b64. */
    private static String apiField(String pipelineField) {
        return pipelineField.equals("audio_input") ? "audio_input_b64" : pipelineField;
    }

    @JsonIgnore
    FailureKind kind() {
        return switch (statusCode) {
            case 413 -> FailureKind.TOO_LARGE;
            case 400 -> FailureKind.BAD_REQUEST;
            default -> FailureKind.VALIDATION;
        };
    }
}
