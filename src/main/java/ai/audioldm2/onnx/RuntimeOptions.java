package ai.audioldm2.onnx;

import java.nio.file.Path;

/**
 * How the ONNX sessions run. Build it with {@link #builder()}: ten positional values of five types are easy to
 * swap by mistake, and the builder holds the one set of defaults.
 *
 * @param executionProvider  cpu, cuda, migraphx or rocm
 * @param cpuFallback        when the provider is unavailable: fall back to CPU (true) or fail (false)
 * @param deviceId           GPU index for GPU providers
 * @param intraOpThreads     0 lets ONNX Runtime choose
 * @param interOpThreads     0 lets ONNX Runtime choose
 * @param optimizationLevel  disable, basic, extended or all
 * @param optimizedModelDir  where optimized graphs are cached between starts; null to skip
 * @param providerLibrary    plugin EP library to register (MIGraphX route), null if none
 * @param maxRequestMemory   bytes one request may add to the process; 0 derives it from the machine
 *                           (ai.audioldm2.pipeline.RequestMemory#budget)
 * @param fastMode           also open the bundle's fast graphs, when it has them (audioldm2.runtime.modes has fast)
 */
public record RuntimeOptions(
        String executionProvider,
        boolean cpuFallback,
        int deviceId,
        int intraOpThreads,
        int interOpThreads,
        String optimizationLevel,
        Path optimizedModelDir,
        Path providerLibrary,
        long maxRequestMemory,
        boolean fastMode) {

    public static Builder builder() {
        return new Builder();
    }

    /** Every default: CPU, no fallback, threads chosen by ONNX Runtime, all optimizations, no cache. */
    public static RuntimeOptions cpuDefaults() {
        return builder().build();
    }

    /** Named construction of {@link RuntimeOptions}; each value starts at its default. */
    public static final class Builder {
        private String executionProvider = "cpu";
        private boolean cpuFallback;
        private int deviceId;
        private int intraOpThreads;
        private int interOpThreads;
        private String optimizationLevel = "all";
        private Path optimizedModelDir;
        private Path providerLibrary;
        private long maxRequestMemory;
        private boolean fastMode;

        private Builder() {
        }

        public Builder executionProvider(String name) {
            this.executionProvider = name;
            return this;
        }

        public Builder cpuFallback(boolean fallback) {
            this.cpuFallback = fallback;
            return this;
        }

        public Builder deviceId(int id) {
            this.deviceId = id;
            return this;
        }

        public Builder intraOpThreads(int threads) {
            this.intraOpThreads = threads;
            return this;
        }

        public Builder interOpThreads(int threads) {
            this.interOpThreads = threads;
            return this;
        }

        public Builder optimizationLevel(String level) {
            this.optimizationLevel = level;
            return this;
        }

        public Builder optimizedModelDir(Path dir) {
            this.optimizedModelDir = dir;
            return this;
        }

        public Builder providerLibrary(Path library) {
            this.providerLibrary = library;
            return this;
        }

        public Builder maxRequestMemory(long bytes) {
            this.maxRequestMemory = bytes;
            return this;
        }

        public Builder fastMode(boolean enabled) {
            this.fastMode = enabled;
            return this;
        }

        public RuntimeOptions build() {
            return new RuntimeOptions(executionProvider, cpuFallback, deviceId, intraOpThreads, interOpThreads,
                    optimizationLevel, optimizedModelDir, providerLibrary, maxRequestMemory, fastMode);
        }
    }
}
