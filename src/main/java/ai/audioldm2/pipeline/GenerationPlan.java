package ai.audioldm2.pipeline;

import ai.audioldm2.bundle.ModelConfig;
import ai.audioldm2.audio.DecodedAudio;
import ai.audioldm2.scheduler.Scheduler;
import ai.audioldm2.scheduler.Schedulers;
import ai.audioldm2.text.PromptText;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A validated request with the sizes diffusers derives from it, made by {@link AudioLdm2Pipeline#plan} and run by
 * its {@code generate}. Every check names the request field (REST naming) and the allowed range; the pipeline
 * accepts any duration the bundle can represent (the REST API is stricter). A plan is one run: its scheduler
 * carries that run's state, so a request runs again from a new plan.
 *
 * @param request         what the plan was made from (its seed seeds the run)
 * @param prompts         positive prompts (B)
 * @param negativePrompts one negative prompt per positive prompt ("" by default)
 * @param guided          classifier-free guidance on (diffusers: guidance_scale &gt; 1)
 * @param latentShape     (B * n, C, height / vae_scale, mel_bins / vae_scale)
 * @param waveformSamples int(duration * sampling_rate), where the waveform is cut (it may be shorter, as in diffusers)
 * @param inputAudio      audio-to-audio input, or null
 * @param firstStep       index of the first denoising step: 0 for text-to-audio, diffusers' img2img
 *                        {@code t_start * order} for audio-to-audio (= the number of timesteps when strength is 0)
 */
public record GenerationPlan(GenerationRequest request, List<String> prompts, List<String> negativePrompts,
                             int waveformsPerPrompt, boolean guided, float guidanceScale, long[] latentShape,
                             int waveformSamples, Scheduler scheduler, DecodedAudio inputAudio, int firstStep) {

    /** Builds the scheduler of one run; throws IllegalArgumentException for settings it cannot run. */
    @FunctionalInterface
    interface SchedulerFactory {
        Scheduler create(String name, int steps, double eta);
    }

    /** Headroom under Integer.MAX_VALUE for the vocoder's extra samples and array headers. */
    private static final long ARRAY_LIMIT = Integer.MAX_VALUE - (1 << 16);

    static GenerationPlan of(GenerationRequest request, RequestMemory memory, List<String> schedulerNames,
                             SchedulerFactory schedulers) {
        ModelConfig config = memory.config();
        List<String> prompts = checkedPrompts(request.prompts());
        List<String> negatives = checkedNegatives(request.negativePrompts(), prompts.size());
        if (request.waveformsPerPrompt() < 1) {
            throw new InvalidGenerationRequestException("num_waveforms_per_prompt",
                    "num_waveforms_per_prompt must be at least 1, got " + request.waveformsPerPrompt());
        }
        if (!Double.isFinite(request.guidanceScale())) {
            throw new InvalidGenerationRequestException("guidance_scale",
                    "guidance_scale must be a finite number (values <= 1 turn guidance off), got "
                            + request.guidanceScale());
        }
        if (!Double.isFinite(request.eta()) || request.eta() < 0) {
            throw new InvalidGenerationRequestException("eta", "eta must be a finite number >= 0, got " + request.eta());
        }
        long rows = (long) prompts.size() * request.waveformsPerPrompt();
        boolean guided = request.guidanceScale() > 1.0;
        int height = melFrames(request.durationSeconds(), config, rows, guided);
        memory.check(request.durationSeconds(), rows, guided, height);
        long[] latentShape = {rows, config.latentChannels(), height / config.vaeScaleFactor(),
                config.melBins() / config.vaeScaleFactor()};
        int samples = (int) (request.durationSeconds() * config.samplingRate());
        Scheduler scheduler = checkedScheduler(request, schedulerNames, schedulers);
        int firstStep = request.isAudioToAudio()
                ? Schedulers.beginIndex(scheduler, request.numInferenceSteps(), checkedAudioInput(request)) : 0;
        return new GenerationPlan(request, prompts, negatives, request.waveformsPerPrompt(), guided,
                (float) request.guidanceScale(), latentShape, samples, scheduler, request.inputAudio(), firstStep);
    }

    /** Mel frames (the text-to-audio height for the duration), the audio-to-audio VAE input's length. */
    int melFrames(ModelConfig config) {
        return Math.toIntExact(latentShape[2]) * config.vaeScaleFactor();
    }

    /** Checks the input audio and returns the strength. */
    private static double checkedAudioInput(GenerationRequest request) {
        DecodedAudio audio = request.inputAudio();
        if (audio.sampleRate() <= 0) {
            throw new InvalidGenerationRequestException("audio_input",
                    "the input audio's sample rate must be positive, got " + audio.sampleRate());
        }
        if (audio.frames() == 0) {
            throw new InvalidGenerationRequestException("audio_input", "the input audio has no samples");
        }
        double strength = request.strength();
        if (!(strength >= 0 && strength <= 1)) {
            throw new InvalidGenerationRequestException("strength", "strength must be a number in [0, 1] "
                    + "(0 keeps the input, 1 re-runs the whole schedule), got " + strength);
        }
        return strength;
    }

    private static List<String> checkedPrompts(List<String> prompts) {
        if (prompts == null || prompts.isEmpty()) {
            throw new InvalidGenerationRequestException("prompt", "prompt is required");
        }
        for (String prompt : prompts) {
            if (prompt == null || prompt.isBlank()) {
                throw new InvalidGenerationRequestException("prompt", "prompt must not be empty or blank");
            }
            checkText("prompt", prompt);
        }
        return prompts;
    }

    /** null → "" for every prompt (diffusers' default); one → the same for every prompt; else one per prompt. */
    private static List<String> checkedNegatives(List<String> negatives, int promptCount) {
        if (negatives == null || negatives.isEmpty()) {
            return Collections.nCopies(promptCount, "");
        }
        if (negatives.size() != 1 && negatives.size() != promptCount) {
            throw new InvalidGenerationRequestException("negative_prompt", "give one negative prompt or one per prompt ("
                    + promptCount + "), got " + negatives.size());
        }
        List<String> expanded = negatives.size() == 1 ? Collections.nCopies(promptCount, negatives.get(0)) : negatives;
        return expanded.stream().map(n -> {
            String text = n == null ? "" : n;
            checkText("negative_prompt", text);
            return text;
        }).toList();
    }

    private static void checkText(String field, String text) {
        Optional<String> problem = PromptText.problem(text);
        if (problem.isPresent()) {
            throw new InvalidGenerationRequestException(field, field + " " + problem.get());
        }
    }

    /**
     * diffusers: height = int(duration / vocoder_upsample_factor), rounded up to a multiple of vae_scale_factor,
     * in float64 like numpy.
     */
    private static int melFrames(double duration, ModelConfig config, long rows, boolean guided) {
        double minimum = config.minDurationSeconds();
        if (!Double.isFinite(duration) || duration < minimum) {
            throw new InvalidGenerationRequestException("duration", String.format(Locale.ROOT,
                    "duration must be a number of seconds >= %s for this model (one latent frame), got %s",
                    minimum, duration));
        }
        double secondsPerFrame = config.secondsPerMelFrame();
        int scale = config.vaeScaleFactor();
        double maxFrames = arrayLimitFrames(config, rows, guided);
        if (maxFrames < scale) {
            throw new InvalidGenerationRequestException("num_waveforms_per_prompt", "too many waveforms in one "
                    + "request: " + rows + " (prompts x num_waveforms_per_prompt) do not fit one batch");
        }
        if (duration / secondsPerFrame > maxFrames) {
            throw new InvalidGenerationRequestException("duration", String.format(Locale.ROOT,
                    "duration must be at most %.1f s for %d waveform(s) in one request (Java array limit), got %s",
                    maxFrames * secondsPerFrame, rows, duration));
        }
        int height = melFramesOf(duration, config);
        if (height < scale) {
            throw new InvalidGenerationRequestException("duration", "duration must be at least " + minimum
                    + " s for this model (one latent frame), got " + duration);
        }
        return height;
    }

    /** diffusers' height for a duration the array limit admits: int(duration / seconds per frame), rounded up. */
    static int melFramesOf(double duration, ModelConfig config) {
        int scale = config.vaeScaleFactor();
        int height = (int) (duration / config.secondsPerMelFrame());
        if (height % scale != 0) {
            height = (int) Math.ceil((double) height / scale) * scale;
        }
        return height;
    }

    /** The most mel frames whose arrays fit Java's: waveforms (hop samples per frame), mel, or the UNet's batch. */
    private static double arrayLimitFrames(ModelConfig config, long rows, boolean guided) {
        int scale = config.vaeScaleFactor();
        double elementsPerFrame = Math.max(Math.max(config.vocoderHop(), config.melBins()),
                (guided ? 2.0 : 1.0) * config.latentChannels() * config.melBins() / ((double) scale * scale));
        return ARRAY_LIMIT / (rows * elementsPerFrame) - scale;
    }

    /** {@link #arrayLimitFrames} as a whole number of latent frames (0 when not even one fits). */
    static long maxMelFrames(ModelConfig config, long rows, boolean guided) {
        int scale = config.vaeScaleFactor();
        return Math.max(0, (long) Math.floor(arrayLimitFrames(config, rows, guided) / scale) * scale);
    }

    private static boolean acceptsWithoutEta(GenerationRequest request, SchedulerFactory schedulers) {
        try {
            schedulers.create(request.scheduler(), request.numInferenceSteps(), 0.0);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Scheduler checkedScheduler(GenerationRequest request, List<String> names,
                                              SchedulerFactory schedulers) {
        if (request.scheduler() == null || !names.contains(request.scheduler())) {
            throw new InvalidGenerationRequestException("scheduler", "unknown scheduler '" + request.scheduler()
                    + "' (available: " + String.join(", ", names) + ")");
        }
        if (request.numInferenceSteps() < 1) {
            throw new InvalidGenerationRequestException("num_inference_steps",
                    "num_inference_steps must be at least 1, got " + request.numInferenceSteps());
        }
        try {
            return schedulers.create(request.scheduler(), request.numInferenceSteps(), request.eta());
        } catch (IllegalArgumentException e) {
            // name the field at fault: eta when the same request without it is accepted (only ddim takes an eta)
            String field = request.eta() != 0 && acceptsWithoutEta(request, schedulers) ? "eta" : "num_inference_steps";
            throw new InvalidGenerationRequestException(field, e.getMessage());
        }
    }
}
