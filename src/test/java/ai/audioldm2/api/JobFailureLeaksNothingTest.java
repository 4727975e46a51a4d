package ai.audioldm2.api;

import ai.audioldm2.jobs.JobCodec;
import ai.audioldm2.onnx.InferenceException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A job that fails inside ONNX Runtime (the reliability suite's faulty vocoder: a Reshape that fails for some input
 * sizes) used to store {@code "the generation failed: ONNX Runtime failed running graph vocoder: ... /onnxruntime_src/
 * ...reshape_helper.h:84 ..."} as the job's error, under {@code statusCode} where docs/SERVICE.md says
 * {@code status_code}, while /predict answered the same fault with {@code internal error (trace id ...)}.
 */
class JobFailureLeaksNothingTest {

    private static final String ORT_MESSAGE = "ONNX Runtime failed running graph vocoder: Error code - ORT_FAIL - "
            + "message: Non-zero status code returned while running Reshape node. Name:'fault_reshape' Status "
            + "Message: /onnxruntime_src/onnxruntime/core/providers/cpu/tensor/reshape_helper.h:84";

    @Test
    void aRuntimeFaultIsA500NamingOnlyItsTraceId() throws Exception {
        JobCodec.Failure failure = new JobRequests().failure(
                new CompletionException(new InferenceException(ORT_MESSAGE, new IllegalStateException("ort"))),
                "4bf92f3577b34da6a3ce929d0e0e4736");
        assertEquals(500, failure.statusCode());
        assertEquals("internal error (trace id 4bf92f3577b34da6a3ce929d0e0e4736)", failure.detail());
        String json = new ObjectMapper().writeValueAsString(failure);
        assertTrue(json.contains("\"status_code\":500"), json);
        for (String internal : new String[] {"onnxruntime", "Reshape", "vocoder", "ORT_FAIL", "statusCode"}) {
            assertFalse(json.contains(internal), internal + " leaked: " + json);
        }
    }
}
