package ai.audioldm2.api;

/** FastAPI's HTTPException body: {@code {"detail": "..."}} (a string) or, for 422, a list of {@link ValidationError}. */
public record ErrorDetail(Object detail) {
}
