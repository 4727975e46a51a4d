package ai.audioldm2.onnx;

import ai.onnxruntime.OrtProvider;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The execution providers the runtime can be configured with, by their configuration name. */
public enum ExecutionProvider {
    CPU("cpu", OrtProvider.CPU),
    CUDA("cuda", OrtProvider.CUDA),
    /** AMD GPUs. The official ORT Java jar has no addMIGraphX; see {@link SessionFactory} for the plugin-EP route. */
    MIGRAPHX("migraphx", OrtProvider.MI_GRAPH_X),
    /** Removed from ONNX Runtime in 1.23; kept for custom older builds that still ship it. */
    ROCM("rocm", OrtProvider.ROCM);

    private final String configName;
    private final OrtProvider ortProvider;

    ExecutionProvider(String configName, OrtProvider ortProvider) {
        this.configName = configName;
        this.ortProvider = ortProvider;
    }

    public String configName() {
        return configName;
    }

    /** ONNX Runtime's name, e.g. MIGraphXExecutionProvider. */
    public String ortName() {
        return ortProvider.getName();
    }

    OrtProvider ortProvider() {
        return ortProvider;
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
