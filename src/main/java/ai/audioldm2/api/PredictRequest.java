package ai.audioldm2.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A validated /predict request, with defaults filled in. Also the OpenAPI schema of the request body; the body
 * itself is parsed by {@link PredictRequestParser} so that every problem is reported FastAPI-style.
 *
 * @param seed null when the client left it to us; the resource then draws one and returns it
 */
@Schema(name = "PredictRequest", description = "Text-to-audio generation. Unknown fields are rejected with 422.")
public record PredictRequest(
        @Schema(required = true, minLength = 1, maxLength = 2000, description = "what the audio should sound like")
        String prompt,
        @JsonProperty("negative_prompt")
        @Schema(nullable = true, maxLength = 2000, description = "what to steer away from; default configurable")
        String negativePrompt,
        @Schema(defaultValue = "10.0", minimum = "1.0", maximum = "30.0", description = "seconds of audio")
        double duration,
        @JsonProperty("guidance_scale")
        @Schema(defaultValue = "3.5", minimum = "1.0", maximum = "20.0", description = "1.0 turns guidance off")
        double guidanceScale,
        @JsonProperty("num_inference_steps")
        @Schema(defaultValue = "200", minimum = "10", maximum = "500")
        int numInferenceSteps,
        @Schema(nullable = true, minimum = "0", maximum = "9223372036854775807",
                description = "random when absent; the seed used is always returned")
        Long seed,
        @Schema(defaultValue = "ddim", description = "one of the schedulers the loaded pipeline offers")
        String scheduler,
        @JsonProperty("audio_input_b64")
        @Schema(nullable = true, description = "audio-to-audio input, base64 of an audio file (not available yet)")
        String audioInputB64,
        @JsonProperty("client_job_id")
        @Schema(nullable = true, pattern = PredictRequestParser.CLIENT_JOB_ID_PATTERN,
                description = "caller's id, echoed in meta; also accepted as the query parameter client_job_id")
        String clientJobId) {
}
