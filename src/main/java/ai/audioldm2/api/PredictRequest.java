package ai.audioldm2.api;

import ai.audioldm2.audio.DecodedAudio;
import ai.audioldm2.pipeline.GenerationRequest;
import ai.audioldm2.pipeline.Mode;
import ai.audioldm2.random.Seeds;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/**
 * A validated /predict request, with defaults filled in. Also the OpenAPI schema of the request body, whose
 * configured limits and defaults {@link ConfiguredSchemaFilter} fills in; the body itself is parsed by
 * {@link PredictRequestParser} so that every problem is reported FastAPI-style.
 *
 * @param seed       null when the client left it to us; {@link #toGeneration} then draws one, which is returned
 * @param audioInput the decoded audio_input_b64, or null for text-to-audio
 * @param strength   audio-to-audio strength, null for text-to-audio
 */
@Schema(name = "PredictRequest", description = "Text-to-audio, or audio-to-audio with audio_input_b64. "
        + "Unknown fields are rejected with 422.")
public record PredictRequest(
        @Schema(required = true, minLength = 1, description = "what the audio should sound like")
        String prompt,
        @JsonProperty("negative_prompt")
        @Schema(nullable = true, description = "what to steer away from; default configurable")
        String negativePrompt,
        @Schema(description = "seconds of audio; with audio_input_b64 the input's duration (within the limits) by default")
        double duration,
        @JsonProperty("guidance_scale")
        @Schema(description = "1.0 turns guidance off")
        double guidanceScale,
        @JsonProperty("num_inference_steps")
        @Schema(description = "scheduler steps; audio-to-audio runs the last int(steps * strength) of them")
        int numInferenceSteps,
        @Schema(nullable = true, minimum = "0", maximum = "9223372036854775807",
                description = "random when absent; the seed used is always returned")
        Long seed,
        @Schema(description = "the sampler, see the README's scheduler table")
        String scheduler,
        @JsonProperty("audio_input_b64")
        @Schema(type = SchemaType.STRING, format = "byte", nullable = true, implementation = String.class,
                description = "audio-to-audio input: standard base64 of a WAV (PCM 8/16/24/32-bit or float), FLAC, "
                        + "OGG/Vorbis or MP3 file, any rate, 1 to 8 channels, at most the configured duration and "
                        + "size. Bad base64 or audio: 400; too many bytes: 413")
        DecodedAudio audioInput,
        @Schema(nullable = true, minimum = "0.0", maximum = "1.0",
                description = "audio-to-audio only (422 without audio_input_b64): 0 keeps the input, 1 re-runs the "
                        + "whole schedule")
        Double strength,
        @JsonProperty("num_waveforms_per_prompt")
        @Schema(defaultValue = "1", minimum = "1",
                description = "candidates generated in one batch and ranked by CLAP; audio_b64 is the best")
        int numWaveformsPerPrompt,
        @JsonProperty("client_job_id")
        @Schema(nullable = true, pattern = PredictRequestParser.CLIENT_JOB_ID_PATTERN,
                description = "caller's id, echoed in meta; also accepted as the query parameter client_job_id")
        String clientJobId,
        @Schema(description = "exact: diffusers' pipeline; fast: the bundle's fast graphs and guidance interval "
                + "(422 when the service has none). The enum lists the modes this service runs")
        String mode) {

    /** This request with its seed chosen, as a stored job keeps it. */
    PredictRequest withSeed(long chosen) {
        return new PredictRequest(prompt, negativePrompt, duration, guidanceScale, numInferenceSteps, chosen, scheduler,
                audioInput, strength, numWaveformsPerPrompt, clientJobId, mode);
    }

    /** The pipeline's request for this one, with a random seed when the client gave none. */
    GenerationRequest toGeneration() {
        GenerationRequest request = new GenerationRequest(List.of(prompt),
                negativePrompt == null ? null : List.of(negativePrompt), duration, numInferenceSteps, guidanceScale,
                Seeds.orRandom(seed), scheduler, 0.0, numWaveformsPerPrompt)
                .withMode(Mode.parse(mode).orElseThrow());
        return audioInput == null ? request : request.withInputAudio(audioInput, strength);
    }
}
