package ai.audioldm2.jobs;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonRawValue;

/**
 * What GET /jobs/{id} answers; {@code request}, {@code result} and {@code error} are JSON as stored.
 *
 * @param createdAt ISO-8601 UTC, as are {@code startedAt} and {@code finishedAt} (null until then)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record JobView(String id, String status, JobProgress progress,
                      @JsonProperty("created_at") String createdAt,
                      @JsonProperty("started_at") String startedAt,
                      @JsonProperty("finished_at") String finishedAt,
                      @JsonRawValue String request,
                      @JsonRawValue String result,
                      @JsonRawValue String error) {

    @JsonIgnore
    public boolean isFinished() {
        return JobStatus.parse(status).map(JobStatus::isFinished).orElse(false);
    }
}
