package ai.audioldm2.jobs;

import ai.audioldm2.pipeline.GenerationRequest;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * How the API's requests and answers are written into the store and read back: implemented where the API's
 * formats live, so that a job is answered exactly as /predict answers the same request.
 */
public interface JobCodec {

    /** A stored request read back for a run. */
    record Work(GenerationRequest request, String clientJobId) {
    }

    /** A job's error: {@code status_code} and {@code detail}, as /predict would have answered. */
    record Failure(@JsonProperty("status_code") int statusCode, Object detail) {
    }

    /**
     * Validates a stored request again (the limits may have changed since it was stored).
     *
     * @throws RuntimeException the API's validation exception when it no longer passes
     */
    Work read(String storedRequest);

    /** The job view's result: /predict's JSON answer without the audio, with the job's audio URLs. */
    String result(String id, String storedRequest, TracedResult generated);

    /** Each candidate's WAV, best first, byte for byte what /predict answers with {@code Accept: audio/wav}. */
    List<byte[]> audio(TracedResult generated);

    /**
     * What /predict would have answered for this failure: the request's fault (422, 400, 413) as /predict words
     * it, anything else a 500 that names only {@code traceId} (the failure itself goes to the log, never to the
     * client: it may hold file paths and runtime internals).
     */
    Failure failure(Throwable failure, String traceId);
}
