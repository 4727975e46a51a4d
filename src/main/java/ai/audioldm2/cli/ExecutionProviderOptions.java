package ai.audioldm2.cli;

import ai.audioldm2.onnx.RuntimeOptions;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The execution-provider options {@code generate} and {@code bench} share (a picocli mixin). */
final class ExecutionProviderOptions {

    @Option(names = "--provider", defaultValue = "cpu", paramLabel = "cpu|cuda|migraphx|rocm",
            description = "Execution provider (default: ${DEFAULT-VALUE}).")
    String provider;

    @Option(names = "--provider-library", paramLabel = "FILE",
            description = "Plugin execution provider library (MIGraphX route).")
    Path providerLibrary;

    /** Runtime options with these provider settings; each command adds its own. */
    RuntimeOptions.Builder runtimeOptions() {
        return RuntimeOptions.builder().executionProvider(provider).providerLibrary(providerLibrary);
    }
}
