package ai.audioldm2.onnx;

import ai.audioldm2.device.DeviceMemoryProbe.Vendor;
import ai.onnxruntime.OrtEpDevice;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession.SessionOptions;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The execution providers the runtime can be configured with, by their configuration name. Each one says whether it
 * can run here, how it is appended to session options, and whose tools report its GPU's memory: a new provider is
 * one more constant.
 */
public enum ExecutionProvider {
    CPU("cpu", OrtProvider.CPU, null) {
        @Override
        ProviderCheck check(RuntimeOptions options) {
            return ProviderCheck.ready(List.of());
        }

        @Override
        void append(SessionOptions so, RuntimeOptions options, List<OrtEpDevice> devices) {
            // ONNX Runtime runs on CPU when no provider is appended
        }
    },
    CUDA("cuda", OrtProvider.CUDA, Vendor.NVIDIA, "CUDA needs the com.microsoft.onnxruntime:onnxruntime_gpu artifact") {
        @Override
        void append(SessionOptions so, RuntimeOptions options, List<OrtEpDevice> devices) throws OrtException {
            so.addCUDA(options.deviceId());
        }
    },
    /** AMD GPUs. The official ORT Java jar has no addMIGraphX; see {@link MigraphxPlugin} for the plugin-EP route. */
    MIGRAPHX("migraphx", OrtProvider.MI_GRAPH_X, Vendor.AMD) {
        @Override
        ProviderCheck check(RuntimeOptions options) {
            return MigraphxPlugin.devices(options);
        }

        @Override
        void append(SessionOptions so, RuntimeOptions options, List<OrtEpDevice> devices) throws OrtException {
            MigraphxPlugin.append(so, options, devices);
        }
    },
    /** Removed from ONNX Runtime in 1.23; kept for custom older builds that still ship it. */
    ROCM("rocm", OrtProvider.ROCM, Vendor.AMD, "ROCm was removed in ONNX Runtime 1.23; use migraphx") {
        @Override
        void append(SessionOptions so, RuntimeOptions options, List<OrtEpDevice> devices) throws OrtException {
            so.addROCM(options.deviceId());
        }
    };

    private final String configName;
    private final OrtProvider ortProvider;
    /** Null for the CPU, which has no device memory to check. */
    private final Vendor memoryVendor;
    /** For a provider compiled into ONNX Runtime, what to tell a user whose build lacks it. */
    private final String missingHint;

    /** A provider that overrides {@link #check}. */
    ExecutionProvider(String configName, OrtProvider ortProvider, Vendor memoryVendor) {
        this(configName, ortProvider, memoryVendor, null);
    }

    ExecutionProvider(String configName, OrtProvider ortProvider, Vendor memoryVendor, String missingHint) {
        this.configName = configName;
        this.ortProvider = ortProvider;
        this.memoryVendor = memoryVendor;
        this.missingHint = missingHint;
    }

    /**
     * Whether this provider can run in this process, and with which plugin devices. This check is the one of a
     * provider compiled into ONNX Runtime: appending it to throwaway options loads its library (e.g. the CUDA
     * provider and the CUDA/cuDNN libraries it links), so a host without them fails here, before any graph, and CPU
     * fallback can still apply.
     */
    ProviderCheck check(RuntimeOptions options) {
        if (!isCompiledIn()) {
            return ProviderCheck.unavailable("execution provider '" + this + "' (" + ortName()
                    + ") is not in this ONNX Runtime " + NativeRuntime.environment().getVersion() + "; it has "
                    + NativeRuntime.availableProviders() + " (" + missingHint + ")");
        }
        try (SessionOptions probe = new SessionOptions()) {
            append(probe, options, List.of());
            return ProviderCheck.ready(List.of());
        } catch (OrtException e) {
            return ProviderCheck.unavailable("execution provider '" + this + "' is in this ONNX Runtime but cannot "
                    + "start on this host (its libraries or device are missing: " + e.getMessage() + ")");
        }
    }

    /** Appends this provider to session options; {@code devices} are those its {@link #check} found. */
    abstract void append(SessionOptions so, RuntimeOptions options, List<OrtEpDevice> devices) throws OrtException;

    public String configName() {
        return configName;
    }

    /** ONNX Runtime's name, e.g. MIGraphXExecutionProvider. */
    public String ortName() {
        return ortProvider.getName();
    }

    /** The vendor whose tools report this provider's GPU memory; empty for cpu. */
    public Optional<Vendor> memoryVendor() {
        return Optional.ofNullable(memoryVendor);
    }

    /** Whether the loaded ONNX Runtime has this provider built in (MIGraphX may be, without a Java API). */
    boolean isCompiledIn() {
        return NativeRuntime.compiledProviders().contains(ortProvider);
    }

    public static ExecutionProvider parse(String name) {
        for (ExecutionProvider p : values()) {
            if (p.configName.equalsIgnoreCase(name == null ? "" : name.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown execution provider '" + name + "' (allowed: "
                + Arrays.stream(values()).map(p -> p.configName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return configName.toLowerCase(Locale.ROOT);
    }
}
