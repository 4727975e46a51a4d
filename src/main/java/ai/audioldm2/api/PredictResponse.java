package ai.audioldm2.api;

import ai.audioldm2.jobs.TracedResult;
import ai.audioldm2.audio.WavWriter;
import ai.audioldm2.pipeline.GenerationResult;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The JSON answer of /predict.
 *
 * @param audioB64   standard padded base64 of a 16-bit PCM mono WAV; the best candidate when there are several
 * @param duration   seconds, num_samples / sample_rate
 * @param strength   audio-to-audio strength, null for text-to-audio
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
        Double strength,
        @JsonProperty("num_waveforms_per_prompt") int numWaveformsPerPrompt,
        List<Candidate> candidates,
        ResponseMeta meta) implements BatchSlot {

    /** One generated waveform and its CLAP score against the prompt (null when not ranked). */
    @Schema(name = "Candidate")
    public record Candidate(@JsonProperty("audio_b64") String audioB64, Float score) {
    }

    static PredictResponse of(PredictRequest request, TracedResult generated) {
        GenerationResult result = generated.result();
        float[] best = result.waveforms()[0];
        List<Candidate> candidates = null;
        if (result.waveforms().length > 1) {
            candidates = new ArrayList<>();
            for (int k = 0; k < result.waveforms().length; k++) {
                candidates.add(new Candidate(wavBase64(result.waveforms()[k], result.sampleRate()),
                        result.scores() == null ? null : result.scores()[k]));
            }
        }
        return new PredictResponse(candidates == null ? wavBase64(best, result.sampleRate())
                : candidates.get(0).audioB64(), result.sampleRate(), (double) best.length / result.sampleRate(),
                best.length, 1, request.prompt(), result.seed(), request.scheduler(), request.numInferenceSteps(),
                request.guidanceScale(), request.strength(), request.numWaveformsPerPrompt(), candidates,
                new ResponseMeta(request.clientJobId(), generated.traceId(), generated.spanId()));
    }

    private static String wavBase64(float[] samples, int sampleRate) {
        return Base64.getEncoder().encodeToString(WavWriter.toBytes(samples, sampleRate, WavWriter.SampleFormat.PCM16));
    }
}
