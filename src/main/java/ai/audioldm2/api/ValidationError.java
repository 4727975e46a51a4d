package ai.audioldm2.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;
import java.util.Map;

/**
 * One entry of a FastAPI/pydantic v2 422 answer, keys in pydantic's order:
 * {@code {"type": "less_than_equal", "loc": ["body", "duration"], "msg": "...", "input": 31, "ctx": {"le": 30.0}}}.
 * The types and messages are pydantic's, so clients that switch on them keep working; scripts/service_tests
 * compares them with pydantic itself.
 *
 * @param input the offending value as the client sent it (JSON), the whole object for a missing field; JSON null
 *              when there was none
 * @param ctx   the limit pydantic reports with the error ({@code {"le": 30.0}}), or null (then left out)
 */
@JsonPropertyOrder({"type", "loc", "msg", "input", "ctx"})
public record ValidationError(List<Object> loc, String msg, String type,
                              @JsonInclude(JsonInclude.Include.ALWAYS) Object input,
                              @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Object> ctx) {

    static ValidationError body(String field, String msg, String type, Object input) {
        return new ValidationError(List.of("body", field), msg, type, input, null);
    }
}
