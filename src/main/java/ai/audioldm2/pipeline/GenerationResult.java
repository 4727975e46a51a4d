package ai.audioldm2.pipeline;

import java.util.Map;

/**
 * Audio produced by one request.
 *
 * @param waveforms  [prompt * waveformsPerPrompt + k][sample], mono float in [-1, 1], trimmed to the duration;
 *                   candidates of one prompt are ordered best first when they were ranked
 * @param scores     CLAP scores aligned with {@code waveforms}, or null when not ranked
 * @param sampleRate samples per second
 * @param seed       the seed that was used
 * @param stageNanos wall time per stage
 */
public record GenerationResult(float[][] waveforms, float[] scores, int sampleRate, long seed,
                               Map<Stage, Long> stageNanos) {
}
