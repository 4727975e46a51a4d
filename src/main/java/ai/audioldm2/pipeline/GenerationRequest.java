package ai.audioldm2.pipeline;

import java.util.List;

/**
 * One text-to-audio generation, in diffusers' terms.
 *
 * @param prompts            one or more prompts, generated in one batch
 * @param negativePrompts    null (empty negative prompt), or one per prompt, or a single one for all
 * @param durationSeconds    requested audio length; the waveform is trimmed to int(duration * sampling_rate)
 * @param numInferenceSteps  scheduler steps
 * @param guidanceScale      classifier-free guidance; values <= 1 turn guidance off
 * @param seed               seed of the torch-compatible generator
 * @param scheduler          scheduler name, see {@code Schedulers}
 * @param eta                DDIM eta; > 0 draws variance noise from the same generator
 * @param waveformsPerPrompt candidates per prompt
 */
public record GenerationRequest(
        List<String> prompts,
        List<String> negativePrompts,
        double durationSeconds,
        int numInferenceSteps,
        double guidanceScale,
        long seed,
        String scheduler,
        double eta,
        int waveformsPerPrompt) {

    public GenerationRequest {
        prompts = List.copyOf(prompts);
        negativePrompts = negativePrompts == null ? null : List.copyOf(negativePrompts);
    }

    public static GenerationRequest of(String prompt, String negativePrompt, double durationSeconds,
                                       int steps, double guidanceScale, long seed, String scheduler) {
        return new GenerationRequest(List.of(prompt), negativePrompt == null ? null : List.of(negativePrompt),
                durationSeconds, steps, guidanceScale, seed, scheduler, 0.0, 1);
    }
}
