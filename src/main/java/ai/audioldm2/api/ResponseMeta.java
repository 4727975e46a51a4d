package ai.audioldm2.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The fleet's response metadata; every key is always present, null when unknown. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ResponseMeta(
        @Schema(nullable = true) @JsonProperty("client_job_id") String clientJobId,
        @Schema(nullable = true) @JsonProperty("trace_id") String traceId,
        @Schema(nullable = true) @JsonProperty("span_id") String spanId) {
}
