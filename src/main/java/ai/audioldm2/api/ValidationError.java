package ai.audioldm2.api;

import java.util.List;

/**
 * One entry of a FastAPI/pydantic 422 answer: {@code {"loc": ["body", "duration"], "msg": "...", "type": "..."}}.
 * The types are pydantic v2's names, so clients that switch on them keep working.
 */
public record ValidationError(List<Object> loc, String msg, String type) {

    static ValidationError body(String field, String msg, String type) {
        return new ValidationError(List.of("body", field), msg, type);
    }
}
