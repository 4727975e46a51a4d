package ai.audioldm2.onnx;

/** ONNX Runtime failed while running a graph of a bundle that loaded fine (out of memory, a provider error). */
public class InferenceException extends RuntimeException {
    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
