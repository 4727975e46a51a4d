package ai.audioldm2.onnx;

import java.nio.file.Path;

/**
 * How the ONNX sessions run.
 *
 * @param executionProvider  cpu, cuda, migraphx or rocm
 * @param cpuFallback        when the provider is unavailable: fall back to CPU (true) or fail (false)
 * @param deviceId           GPU index for GPU providers
 * @param intraOpThreads     0 lets ONNX Runtime choose
 * @param interOpThreads     0 lets ONNX Runtime choose
 * @param optimizationLevel  disable, basic, extended or all
 * @param optimizedModelDir  where optimized graphs are cached between starts; null to skip
 * @param providerLibrary    plugin EP library to register (MIGraphX route), null if none
 */
public record RuntimeOptions(
        String executionProvider,
        boolean cpuFallback,
        int deviceId,
        int intraOpThreads,
        int interOpThreads,
        String optimizationLevel,
        Path optimizedModelDir,
        Path providerLibrary) {

    public static RuntimeOptions cpuDefaults() {
        return new RuntimeOptions("cpu", false, 0, 0, 0, "all", null, null);
    }
}
