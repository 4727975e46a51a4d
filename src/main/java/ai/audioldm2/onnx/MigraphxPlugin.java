package ai.audioldm2.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtEpDevice;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The MIGraphX route. ORT Java 1.29 has no {@code addMIGraphX}, so MIGraphX goes through the plugin-EP API: the
 * library named by {@link RuntimeOptions#providerLibrary()} (e.g. {@code libonnxruntime_providers_migraphx.so} of an
 * ORT &ge; 1.23 built with {@code --use_migraphx}, whose native core is loaded with
 * {@code -Donnxruntime.native.path}) is registered with {@link OrtEnvironment#registerExecutionProviderLibrary}, its
 * devices are taken from {@link OrtEnvironment#getEpDevices()} by EP name, and appended with
 * {@link SessionOptions#addExecutionProvider(List, Map)}.
 */
final class MigraphxPlugin {

    private static final String ORT_NAME = ExecutionProvider.MIGRAPHX.ortName();
    /** ORT refuses a second registration under the same name. */
    private static boolean registered;

    private MigraphxPlugin() {
    }

    /** The device {@link RuntimeOptions#deviceId()} of the plugin library, registered first if need be. */
    static ProviderCheck devices(RuntimeOptions options) {
        OrtEnvironment env = NativeRuntime.environment();
        String available = "ONNX Runtime " + env.getVersion() + " has " + NativeRuntime.availableProviders();
        Path library = options.providerLibrary();
        if (library == null) {
            return ProviderCheck.unavailable("execution provider 'migraphx' needs a provider library: ORT Java "
                    + env.getVersion() + " has no addMIGraphX, so MIGraphX is registered as a plugin EP from "
                    + "libonnxruntime_providers_migraphx.so (ONNX Runtime >= 1.23 built with --use_migraphx)"
                    + (ExecutionProvider.MIGRAPHX.isCompiledIn()
                    ? "; this ONNX Runtime has MIGraphX compiled in, so point the provider library "
                    + "at the provider .so of the same build" : "; " + available));
        }
        try {
            register(env, library);
            List<OrtEpDevice> devices = env.getEpDevices().stream()
                    .filter(d -> ORT_NAME.equals(d.getEpName())).toList();
            int index = options.deviceId();
            if (index < 0 || index >= devices.size()) {
                return ProviderCheck.unavailable("execution provider 'migraphx': library " + library
                        + " offers " + devices.size() + " " + ORT_NAME + " device(s), none with index " + index
                        + " (" + available + ")");
            }
            return ProviderCheck.ready(List.of(devices.get(index)));
        } catch (OrtException e) {
            return ProviderCheck.unavailable("execution provider 'migraphx': cannot register library " + library
                    + ": " + e.getMessage() + " (" + available + ")");
        }
    }

    static void append(SessionOptions so, RuntimeOptions options, List<OrtEpDevice> devices) throws OrtException {
        Map<String, String> epOptions = new HashMap<>();
        if (options.optimizedModelDir() != null) {
            // MIGraphX compiles each graph on first run (minutes for the UNet); its cache makes restarts fast
            epOptions.put("migraphx_model_cache_dir", options.optimizedModelDir().toString());
        }
        so.addExecutionProvider(devices, epOptions);
    }

    private static synchronized void register(OrtEnvironment env, Path library) throws OrtException {
        if (!registered) {
            env.registerExecutionProviderLibrary(ORT_NAME, library.toAbsolutePath().toString());
            registered = true;
        }
    }
}
