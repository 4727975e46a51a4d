package ai.audioldm2.jobs;

import ai.audioldm2.pipeline.AudioLdm2Pipeline;
import ai.audioldm2.pipeline.GenerationPlan;

/**
 * A request the loaded pipeline has planned, ready to queue with {@link GenerationService#submit} or
 * {@link GenerationService#submitBatch}. Opaque to callers: the plan runs on the pipeline that made it, and only
 * the service opens it.
 */
public final class PlannedGeneration {

    final AudioLdm2Pipeline pipeline;
    final GenerationPlan plan;
    final String clientJobId;

    PlannedGeneration(AudioLdm2Pipeline pipeline, GenerationPlan plan, String clientJobId) {
        this.pipeline = pipeline;
        this.plan = plan;
        this.clientJobId = clientJobId;
    }
}
