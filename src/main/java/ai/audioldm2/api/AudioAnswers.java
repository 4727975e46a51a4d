package ai.audioldm2.api;

import ai.audioldm2.audio.AudioEncoder;
import ai.audioldm2.audio.WavEncoder;
import ai.audioldm2.jobs.TracedResult;
import ai.audioldm2.pipeline.GenerationResult;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * How a finished generation is answered, for every resource that hands out generated audio: the JSON
 * {@link PredictResponse}, or the audio file itself with the metadata in X- headers.
 */
@ApplicationScoped
public class AudioAnswers {

    static final String WAV = WavEncoder.MEDIA_TYPE;

    /** 16-bit PCM mono WAV, converted as soundfile's PCM_16. */
    private final AudioEncoder encoder = WavEncoder.PCM16;

    /** True when the client ranks audio/wav (or audio/*) above JSON; *&#47;* means JSON, the default. */
    public static boolean prefersWav(List<MediaType> acceptable) {
        for (MediaType type : acceptable) {
            if (!type.isWildcardType() && type.isCompatible(MediaType.valueOf(WAV))) {
                return true;
            }
            if (type.isCompatible(MediaType.APPLICATION_JSON_TYPE)) {
                return false;
            }
        }
        return false;
    }

    /** The answer to {@code request}: the WAV when the client {@link #prefersWav prefers it}, else the JSON. */
    public Response answer(PredictRequest request, TracedResult generated, boolean wav) {
        return wav ? wav(request, generated)
                : Response.ok(json(request, generated), MediaType.APPLICATION_JSON_TYPE).build();
    }

    /** The JSON answer: the best waveform, and every candidate with its score when there are several. */
    public PredictResponse json(PredictRequest request, TracedResult generated) {
        GenerationResult result = generated.result();
        float[] best = result.waveforms()[0];
        List<PredictResponse.Candidate> candidates = null;
        if (result.waveforms().length > 1) {
            candidates = new ArrayList<>();
            for (int k = 0; k < result.waveforms().length; k++) {
                candidates.add(new PredictResponse.Candidate(base64(result.waveforms()[k], result.sampleRate()),
                        result.scores() == null ? null : result.scores()[k]));
            }
        }
        return new PredictResponse(candidates == null ? base64(best, result.sampleRate())
                : candidates.get(0).audioB64(), result.sampleRate(), (double) best.length / result.sampleRate(),
                best.length, 1, request.prompt(), result.seed(), request.scheduler(), request.numInferenceSteps(),
                request.guidanceScale(), request.strength(), request.numWaveformsPerPrompt(), request.mode(),
                candidates,
                new ResponseMeta(request.clientJobId(), generated.traceId(), generated.spanId()));
    }

    /** Each candidate's WAV, best first: the first is the body {@link #wav} answers. */
    public List<byte[]> wavs(TracedResult generated) {
        GenerationResult result = generated.result();
        return Arrays.stream(result.waveforms()).map(samples -> encoder.toBytes(samples, result.sampleRate())).toList();
    }

    /** The best waveform's WAV, the metadata in X- headers. */
    public Response wav(PredictRequest request, TracedResult generated) {
        float[] samples = generated.result().waveforms()[0];
        int sampleRate = generated.result().sampleRate();
        Response.ResponseBuilder response = Response.ok(encoder.toBytes(samples, sampleRate), encoder.mediaType())
                .header("X-Seed", generated.result().seed())
                .header("X-Sample-Rate", sampleRate)
                .header("X-Duration", (double) samples.length / sampleRate)
                .header("X-Num-Samples", samples.length)
                .header("X-Channels", 1)
                .header("X-Scheduler", request.scheduler())
                .header("X-Num-Inference-Steps", request.numInferenceSteps())
                .header("X-Guidance-Scale", request.guidanceScale())
                .header("X-Num-Waveforms-Per-Prompt", request.numWaveformsPerPrompt())
                .header("X-Mode", request.mode());
        if (request.strength() != null) {
            response.header("X-Strength", request.strength());
        }
        if (generated.result().scores() != null) {
            response.header("X-Clap-Score", generated.result().scores()[0]); // of this, the best candidate
        }
        // Absent rather than empty when unknown; the client job id already matched a header-safe pattern.
        if (request.clientJobId() != null) {
            response.header("X-Client-Job-Id", request.clientJobId());
        }
        if (generated.traceId() != null) {
            response.header("X-Trace-Id", generated.traceId()).header("X-Span-Id", generated.spanId());
        }
        return response.build();
    }

    private String base64(float[] samples, int sampleRate) {
        return Base64.getEncoder().encodeToString(encoder.toBytes(samples, sampleRate));
    }
}
