package ai.audioldm2.onnx;

import ai.audioldm2.bundle.ModelBundleException;

/**
 * The requested execution provider cannot run the bundle in this process. A {@link ModelBundleException} so that
 * callers that load a bundle handle every load failure in one place.
 */
public class ExecutionProviderException extends ModelBundleException {
    public ExecutionProviderException(String message) {
        super(message);
    }

    public ExecutionProviderException(String message, Throwable cause) {
        super(message, cause);
    }
}
