package ai.audioldm2.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/**
 * The OpenAPI schema of a /predict/batch body; the body itself is read by
 * {@link PredictRequestParser#batchItems} and {@link PredictRequestParser#parseItem}.
 */
@Schema(name = "BatchRequest", description = "Several /predict requests. Unknown fields are rejected with 422.")
public record BatchRequest(
        @Schema(required = true, minItems = 1,
                description = "1 to audioldm2.limits.max-batch-items /predict request bodies; the "
                        + "query parameter client_job_id does not apply, give it per request")
        List<PredictRequest> requests) {
}
