package ai.audioldm2.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The fleet's response metadata; every key is always present, null when unknown. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ResponseMeta(
        @JsonProperty("client_job_id") String clientJobId,
        @JsonProperty("trace_id") String traceId,
        @JsonProperty("span_id") String spanId) {
}
