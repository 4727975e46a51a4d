package ai.audioldm2.pipeline;

import ai.audioldm2.audio.DecodedAudio;

import java.util.List;

/**
 * One generation, in diffusers' terms: text-to-audio, or audio-to-audio when {@code inputAudio} is given.
 *
 * @param prompts            one or more prompts, generated in one batch
 * @param negativePrompts    null (empty negative prompt), or one per prompt, or a single one for all
 * @param durationSeconds    requested audio length; the waveform is trimmed to int(duration * sampling_rate). For
 *                           audio-to-audio the caller passes the input's duration unless the user asked for another
 *                           ({@link DecodedAudio#durationSeconds()})
 * @param numInferenceSteps  scheduler steps (audio-to-audio runs the last int(steps * strength) of them)
 * @param guidanceScale      classifier-free guidance; values <= 1 turn guidance off
 * @param seed               seed of the torch-compatible generator
 * @param scheduler          scheduler name, see {@code Schedulers}
 * @param eta                DDIM eta; > 0 draws variance noise from the same generator
 * @param waveformsPerPrompt candidates per prompt; more than one are ranked by CLAP, best first
 * @param inputAudio         audio-to-audio input (any rate, any channel count), or null for text-to-audio
 * @param strength           audio-to-audio only, in [0, 1]: how much of the schedule is re-run (0 keeps the input,
 *                           1 starts from the first timestep); {@link #DEFAULT_STRENGTH} is the usual choice
 * @param mode               exact (diffusers' pipeline) or fast (the bundle's fast graphs and guidance interval)
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
        int waveformsPerPrompt,
        DecodedAudio inputAudio,
        double strength,
        Mode mode) {

    /** AudioLDM's default transfer strength. */
    public static final double DEFAULT_STRENGTH = 0.5;

    public GenerationRequest {
        prompts = List.copyOf(prompts);
        negativePrompts = negativePrompts == null ? null : List.copyOf(negativePrompts);
        if (mode == null) {
            throw new IllegalArgumentException("mode is required");
        }
    }

    /** An exact-mode text-to-audio request. */
    public GenerationRequest(List<String> prompts, List<String> negativePrompts, double durationSeconds,
                             int numInferenceSteps, double guidanceScale, long seed, String scheduler, double eta,
                             int waveformsPerPrompt) {
        this(prompts, negativePrompts, durationSeconds, numInferenceSteps, guidanceScale, seed, scheduler, eta,
                waveformsPerPrompt, null, DEFAULT_STRENGTH, Mode.EXACT);
    }

    public static GenerationRequest of(String prompt, String negativePrompt, double durationSeconds,
                                       int steps, double guidanceScale, long seed, String scheduler) {
        return new GenerationRequest(List.of(prompt), negativePrompt == null ? null : List.of(negativePrompt),
                durationSeconds, steps, guidanceScale, seed, scheduler, 0.0, 1);
    }

    /** This request as audio-to-audio from {@code audio} at {@code strength}. */
    public GenerationRequest withInputAudio(DecodedAudio audio, double strength) {
        return new GenerationRequest(prompts, negativePrompts, durationSeconds, numInferenceSteps, guidanceScale,
                seed, scheduler, eta, waveformsPerPrompt, audio, strength, mode);
    }

    /** This request in {@code runAs} mode. */
    public GenerationRequest withMode(Mode runAs) {
        return new GenerationRequest(prompts, negativePrompts, durationSeconds, numInferenceSteps, guidanceScale,
                seed, scheduler, eta, waveformsPerPrompt, inputAudio, strength, runAs);
    }

    public boolean isAudioToAudio() {
        return inputAudio != null;
    }
}
