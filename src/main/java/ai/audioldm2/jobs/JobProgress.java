package ai.audioldm2.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How far a job is. {@code fraction} spans the whole job: the stages before denoising count for the first 5 %,
 * denoising up to 90 %, decoding and ranking the rest. {@code eta_seconds} extrapolates the denoising steps
 * measured so far and is null before the first step.
 *
 * @param stage null while queued
 * @param totalSteps null until denoising starts
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record JobProgress(String stage, int step, @JsonProperty("total_steps") Integer totalSteps,
                          double fraction, @JsonProperty("eta_seconds") Double etaSeconds) {

    public static final JobProgress NONE = new JobProgress(null, 0, null, 0.0, null);

    /** Progress of a job that finished: a succeeded job is complete, the others keep where they stopped. */
    JobProgress finished(boolean succeeded) {
        return succeeded ? new JobProgress(stage, step, totalSteps, 1.0, 0.0)
                : new JobProgress(stage, step, totalSteps, fraction, null);
    }
}
