package ai.audioldm2.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The JSON answer of /predict.
 *
 * @param audioB64 standard padded base64 of a 16-bit PCM mono WAV
 * @param duration seconds, num_samples / sample_rate
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
        ResponseMeta meta) {
}
