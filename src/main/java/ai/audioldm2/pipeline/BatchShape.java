package ai.audioldm2.pipeline;

import java.util.Optional;

/**
 * What requests must share to run through the same UNet calls ({@link AudioLdm2Pipeline#generateBatch}): one
 * scheduler run (name, steps, eta), one latent shape (duration), the same guidance batch layout (on or off) and
 * one mode (the graphs and guidance interval the UNet calls run with).
 * Prompts, negative prompts, seeds and guidance scales may differ.
 */
public record BatchShape(double durationSeconds, int numInferenceSteps, String scheduler, double eta,
                         boolean guided, Mode mode) {

    /**
     * The shape of a request that can join a batch: text-to-audio, one prompt and one waveform. Empty for the
     * others, which run alone (several prompts or waveforms are a batch of their own; audio-to-audio starts from
     * its own step).
     */
    public static Optional<BatchShape> of(GenerationRequest request) {
        if (request.prompts().size() != 1 || request.waveformsPerPrompt() != 1 || request.isAudioToAudio()) {
            return Optional.empty();
        }
        return Optional.of(new BatchShape(request.durationSeconds(), request.numInferenceSteps(), request.scheduler(),
                request.eta(), request.guidanceScale() > 1.0, request.mode()));
    }
}
