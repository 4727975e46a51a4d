package ai.audioldm2.onnx;

import ai.onnxruntime.OrtEpDevice;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;

import java.util.List;
import java.util.logging.Logger;

/** The provider sessions run on once the requested one is checked (CPU after a fallback), with its plugin devices. */
record ResolvedProvider(ExecutionProvider provider, List<OrtEpDevice> devices) {

    /** JUL, as in {@link SessionFactory}: the one-shot CLI logs before Quarkus has set up logging. */
    private static final Logger LOG = Logger.getLogger(ResolvedProvider.class.getName());

    /**
     * @throws ExecutionProviderException when the provider is unavailable and CPU fallback is off
     * @throws IllegalArgumentException   for an unknown provider name
     */
    static ResolvedProvider resolve(RuntimeOptions options) {
        ExecutionProvider requested = ExecutionProvider.parse(options.executionProvider());
        ProviderCheck check = requested.check(options);
        if (check.problem() == null) {
            return new ResolvedProvider(requested, check.devices());
        }
        if (!options.cpuFallback()) {
            throw new ExecutionProviderException(check.problem() + ". Enable CPU fallback to run on CPU instead.");
        }
        LOG.warning(check.problem() + "; falling back to CPU");
        return new ResolvedProvider(ExecutionProvider.CPU, List.of());
    }

    void appendTo(SessionOptions so, RuntimeOptions options) throws OrtException {
        provider.append(so, options, devices);
    }
}
