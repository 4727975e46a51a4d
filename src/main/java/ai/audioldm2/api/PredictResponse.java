package ai.audioldm2.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/**
 * The JSON answer of /predict, built by {@link AudioAnswers#json}.
 *
 * @param audioB64   standard padded base64 of a 16-bit PCM mono WAV; the best candidate when there are several
 * @param duration   seconds, num_samples / sample_rate
 * @param strength   audio-to-audio strength, null for text-to-audio
 * @param mode       the mode that ran: exact or fast
 * @param candidates with num_waveforms_per_prompt &gt; 1, every waveform best first with its CLAP score (null
 *                   scores when the bundle cannot rank); null otherwise
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record PredictResponse(
        @JsonProperty("audio_b64") String audioB64,
        @JsonProperty("sample_rate") int sampleRate,
        double duration,
        @JsonProperty("num_samples") int numSamples,
        int channels,
        String prompt,
        long seed,
        String scheduler,
        @JsonProperty("num_inference_steps") int numInferenceSteps,
        @JsonProperty("guidance_scale") double guidanceScale,
        @Schema(nullable = true) Double strength,
        @JsonProperty("num_waveforms_per_prompt") int numWaveformsPerPrompt,
        String mode,
        @Schema(nullable = true) List<Candidate> candidates,
        ResponseMeta meta) implements BatchSlot {

    /** One generated waveform and its CLAP score against the prompt (null when not ranked). */
    @Schema(name = "Candidate")
    public record Candidate(@JsonProperty("audio_b64") String audioB64, @Schema(nullable = true) Float score) {
    }
}
