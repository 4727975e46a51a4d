package ai.audioldm2.cli;

import ai.audioldm2.audio.WavWriter;
import ai.audioldm2.onnx.ModelBundleException;
import ai.audioldm2.pipeline.AudioLdm2Pipeline;
import ai.audioldm2.pipeline.GenerationObserver;
import ai.audioldm2.pipeline.GenerationRequest;
import ai.audioldm2.pipeline.GenerationResult;
import ai.audioldm2.pipeline.RuntimeOptions;
import ai.audioldm2.pipeline.Stage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * One-shot generation from the command line, without the service:
 * {@code java -jar quarkus-run.jar generate --model-dir DIR --prompt TEXT --out FILE.wav [options]}.
 * Results go to stdout (file, seed), timings to stderr. Any bad input or bundle problem ends with exit code
 * {@value #EXIT_USAGE} (usage, request) or {@value #EXIT_BUNDLE} (bundle, provider) and one line on stderr.
 */
@Command(name = "generate", description = "Generate audio from a text prompt with an AudioLDM2 ONNX bundle.",
        sortOptions = false, mixinStandardHelpOptions = true)
public final class GenerateCommand implements Callable<Integer> {

    static final int EXIT_OK = CommandLines.EXIT_OK;
    static final int EXIT_FAILURE = CommandLines.EXIT_FAILURE;
    static final int EXIT_USAGE = CommandLines.EXIT_USAGE;
    static final int EXIT_BUNDLE = CommandLines.EXIT_BUNDLE;

    private static final Map<String, WavWriter.SampleFormat> SAMPLE_FORMATS = new LinkedHashMap<>();

    static {
        SAMPLE_FORMATS.put("pcm16", WavWriter.SampleFormat.PCM16);
        SAMPLE_FORMATS.put("f32", WavWriter.SampleFormat.FLOAT32);
    }

    @Option(names = "--model-dir", required = true, paramLabel = "DIR", description = "Model bundle directory.")
    Path modelDir;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "What the audio should contain.")
    String prompt;

    @Option(names = "--negative-prompt", paramLabel = "TEXT", description = "What to steer away from (default: none).")
    String negativePrompt;

    @Option(names = "--steps", defaultValue = "200", description = "Denoising steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--guidance", defaultValue = "3.5",
            description = "Classifier-free guidance scale; <= 1 turns it off (default: ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--duration", defaultValue = "10", description = "Seconds of audio (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--seed", description = "Seed of the torch-compatible generator (default: random, printed).")
    Long seed;

    @Option(names = "--scheduler", defaultValue = "ddim", description = "Scheduler (default: ${DEFAULT-VALUE}).")
    String scheduler;

    @Option(names = "--eta", defaultValue = "0", description = "DDIM eta (default: ${DEFAULT-VALUE}).")
    double eta;

    @Option(names = "--sample-format", defaultValue = "pcm16", paramLabel = "pcm16|f32",
            description = "WAV sample format (default: ${DEFAULT-VALUE}).")
    String sampleFormat;

    @Option(names = "--threads", defaultValue = "0",
            description = "ONNX Runtime intra-op threads; 0 lets it choose (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--provider", defaultValue = "cpu", paramLabel = "cpu|cuda|migraphx|rocm",
            description = "Execution provider (default: ${DEFAULT-VALUE}).")
    String provider;

    @Option(names = "--provider-library", paramLabel = "FILE",
            description = "Plugin execution provider library (MIGraphX route).")
    Path providerLibrary;

    @Option(names = "--cpu-fallback", description = "Run on CPU when the provider is unavailable instead of failing.")
    boolean cpuFallback;

    @Option(names = "--out", required = true, paramLabel = "FILE.wav", description = "Output WAV file.")
    Path out;

    @Spec
    CommandSpec spec;

    /** Runs the command and returns its exit code; never throws and never calls System.exit. */
    public static int run(String... args) {
        return CommandLines.execute(new GenerateCommand(), args);
    }

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        WavWriter.SampleFormat format = SAMPLE_FORMATS.get(sampleFormat);
        if (format == null) {
            stderr.println("error: unknown sample format '" + sampleFormat + "' (allowed: "
                    + String.join(", ", SAMPLE_FORMATS.keySet()) + ")");
            return EXIT_USAGE;
        }
        long usedSeed = seed != null ? seed : new SecureRandom().nextLong() & Long.MAX_VALUE;
        RuntimeOptions options = new RuntimeOptions(provider, cpuFallback, 0, threads, 0, "all", null,
                providerLibrary);
        GenerationRequest request = new GenerationRequest(List.of(prompt),
                negativePrompt == null ? null : List.of(negativePrompt), duration, steps, guidance, usedSeed,
                scheduler, eta, 1);
        long loadStart = System.nanoTime();
        try (AudioLdm2Pipeline pipeline = AudioLdm2Pipeline.load(modelDir, options)) {
            pipeline.validate(request);
            stderr.printf(Locale.ROOT, "load %d ms (%s, %s)%n", (System.nanoTime() - loadStart) / 1_000_000,
                    pipeline.info().name(), pipeline.info().executionProvider());
            GenerationResult result = pipeline.generate(request, new StageLog(stderr));
            try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(out))) {
                WavWriter.write(result.waveforms()[0], result.sampleRate(), format, file);
            }
            stdout.printf(Locale.ROOT, "wrote %s (%d samples at %d Hz, %s) seed %d%n", out,
                    result.waveforms()[0].length, result.sampleRate(), sampleFormat, usedSeed);
            return EXIT_OK;
        } catch (IllegalArgumentException e) {      // InvalidGenerationRequestException and bad option values
            stderr.println("error: " + CommandLines.oneLine(e));
            return EXIT_USAGE;
        } catch (ModelBundleException e) {
            stderr.println("error: " + CommandLines.oneLine(e));
            return EXIT_BUNDLE;
        } catch (IOException e) {
            stderr.println("error: cannot write " + out + ": " + CommandLines.oneLine(e));
            return EXIT_FAILURE;
        }
    }

    /** Per-stage wall times on stderr. */
    private record StageLog(PrintWriter err) implements GenerationObserver {
        @Override
        public void stageFinished(Stage stage, long nanos) {
            err.printf(Locale.ROOT, "%s %d ms%n", stage.label(), nanos / 1_000_000);
            err.flush();
        }
    }
}
