package ai.audioldm2.cli;

import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.bundle.ModelBundleException;
import ai.audioldm2.config.RequestDefaults;
import ai.audioldm2.audio.AudioDecodeException;
import ai.audioldm2.audio.AudioDecoder;
import ai.audioldm2.audio.DecodeLimits;
import ai.audioldm2.audio.DecodedAudio;
import ai.audioldm2.audio.AudioEncoder;
import ai.audioldm2.audio.WavEncoder;
import ai.audioldm2.pipeline.AudioLdm2Pipeline;
import ai.audioldm2.pipeline.GenerationPlan;
import ai.audioldm2.pipeline.GenerationRequest;
import ai.audioldm2.pipeline.Mode;
import ai.audioldm2.pipeline.GenerationResult;
import ai.audioldm2.random.Seeds;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * One-shot generation from the command line, without the service:
 * {@code java -jar quarkus-run.jar generate --model-dir DIR --prompt TEXT --out FILE.wav [options]}, audio-to-audio
 * with {@code --input-audio FILE --strength S}, several candidates ranked by CLAP with {@code --waveforms N}.
 * Results go to stdout (file, seed), timings to stderr. Any bad input or bundle problem ends with exit code
 * {@value #EXIT_USAGE} (usage, request) or {@value #EXIT_BUNDLE} (bundle, provider) and one line on stderr.
 */
@Command(name = "generate", description = "Generate audio from a text prompt with an AudioLDM2 ONNX bundle, or "
        + "transform an input clip guided by the prompt (--input-audio).",
        sortOptions = false, mixinStandardHelpOptions = true)
public final class GenerateCommand implements Callable<Integer> {

    static final int EXIT_OK = CommandLines.EXIT_OK;
    static final int EXIT_FAILURE = CommandLines.EXIT_FAILURE;
    static final int EXIT_USAGE = CommandLines.EXIT_USAGE;
    static final int EXIT_BUNDLE = CommandLines.EXIT_BUNDLE;

    static final double DEFAULT_DURATION = Double.parseDouble(RequestDefaults.DURATION);

    private static final Map<String, AudioEncoder> SAMPLE_FORMATS = new LinkedHashMap<>();

    static {
        SAMPLE_FORMATS.put("pcm16", WavEncoder.PCM16);
        SAMPLE_FORMATS.put("f32", WavEncoder.FLOAT32);
    }

    @Option(names = "--model-dir", required = true, paramLabel = "DIR", description = "Model bundle directory.")
    Path modelDir;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptSource promptSource;

    /** The prompt on the command line, or in a file. */
    static final class PromptSource {
        @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "What the audio should contain.")
        String text;

        @Option(names = "--prompt-file", required = true, paramLabel = "FILE",
                description = "Read the prompt from a UTF-8 file.")
        Path file;

        String read() throws IOException {
            return text != null ? text : Files.readString(file).strip();
        }
    }

    @Option(names = "--negative-prompt", paramLabel = "TEXT", description = "What to steer away from (default: none).")
    String negativePrompt;

    @Option(names = "--steps", defaultValue = RequestDefaults.NUM_INFERENCE_STEPS, description = "Denoising steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--guidance", defaultValue = RequestDefaults.GUIDANCE_SCALE,
            description = "Classifier-free guidance scale; <= 1 turns it off (default: ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--duration", paramLabel = "SECONDS",
            description = "Seconds of audio (default: " + RequestDefaults.DURATION
                    + ", or the input's length with --input-audio).")
    Double duration;

    @Option(names = "--input-audio", paramLabel = "FILE",
            description = "Audio-to-audio: transform this clip (WAV, FLAC, OGG/Vorbis or MP3, any rate and channels).")
    Path inputAudio;

    @Option(names = "--strength", paramLabel = "S",
            description = "With --input-audio, in [0, 1]: 0 keeps the input, 1 re-runs the whole schedule "
                    + "(default: " + GenerationRequest.DEFAULT_STRENGTH + ").")
    Double strength;

    @Option(names = "--waveforms", defaultValue = "1", paramLabel = "N",
            description = "Candidates to generate; the best by CLAP score goes to --out (default: ${DEFAULT-VALUE}).")
    int waveforms;

    @Option(names = "--all-candidates",
            description = "With --waveforms > 1, also write every candidate, best first, as FILE-<rank>.wav.")
    boolean allCandidates;

    @Option(names = "--seed", description = "Seed of the torch-compatible generator (default: random, printed).")
    Long seed;

    @Option(names = "--scheduler", defaultValue = RequestDefaults.SCHEDULER, description = "Scheduler (default: ${DEFAULT-VALUE}).")
    String scheduler;

    @Option(names = "--eta", defaultValue = "0", description = "DDIM eta (default: ${DEFAULT-VALUE}).")
    double eta;

    @Option(names = "--mode", defaultValue = RequestDefaults.MODE, paramLabel = "exact|fast",
            converter = CommandLines.Modes.class,
            description = "exact (diffusers' pipeline) or fast (the bundle's fast graphs, loaded only then; "
                    + "default: ${DEFAULT-VALUE}).")
    Mode mode;

    @Option(names = "--sample-format", defaultValue = "pcm16", paramLabel = "pcm16|f32",
            description = "WAV sample format (default: ${DEFAULT-VALUE}).")
    String sampleFormat;

    @Option(names = "--threads", defaultValue = "0",
            description = "ONNX Runtime intra-op threads; 0 lets it choose (default: ${DEFAULT-VALUE}).")
    int threads;

    @Mixin
    ExecutionProviderOptions executionProvider;

    @Option(names = "--optimized-model-dir", paramLabel = "DIR",
            description = "Cache of optimized graphs: written on the first run, reused after (halves the load time).")
    Path optimizedModelDir;

    @Option(names = "--cpu-fallback", description = "Run on CPU when the provider is unavailable instead of failing.")
    boolean cpuFallback;

    @Option(names = "--max-request-memory", paramLabel = "SIZE", converter = MemorySizes.class,
            description = "Most memory the request may add, e.g. 6G; a heavier one is refused (default: half the "
                    + "machine's memory less the model's files).")
    long maxRequestMemory;

    @Option(names = "--out", required = true, paramLabel = "FILE.wav", description = "Output WAV file.")
    Path out;

    @Spec
    CommandSpec spec;

    /** Entry point without the service jar's Main (e.g. {@code java -cp ... ai.audioldm2.cli.GenerateCommand}). */
    public static void main(String... args) {
        System.exit(run(args));
    }

    /** Runs the command and returns its exit code; never throws and never calls System.exit. */
    public static int run(String... args) {
        return CommandLines.execute(new GenerateCommand(), args);
    }

    @Override
    public Integer call() {
        PrintWriter stderr = spec.commandLine().getErr();
        try {
            AudioEncoder format = encoder();
            GenerationRequest request = request(prompt(), inputAudio());
            RuntimeOptions options = executionProvider.runtimeOptions().cpuFallback(cpuFallback).intraOpThreads(threads)
                    .optimizedModelDir(optimizedModelDir).maxRequestMemory(maxRequestMemory)
                    .fastMode(mode == Mode.FAST).build();
            return generate(request, options, format);
        } catch (UsageException e) {
            stderr.println("error: " + e.getMessage());
            return EXIT_USAGE;
        }
    }

    /** Quarkus' memory sizes (64M, 6G, plain bytes), as audioldm2.limits.max-request-memory takes them. */
    static final class MemorySizes implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return new MemorySizeConverter().convert(value).asLongValue();
        }
    }

    /** Bad command-line input found before the model is loaded; its message is the one line printed. */
    private static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    private AudioEncoder encoder() {
        AudioEncoder format = SAMPLE_FORMATS.get(sampleFormat);
        if (format == null) {
            throw new UsageException("unknown sample format '" + sampleFormat + "' (allowed: "
                    + String.join(", ", SAMPLE_FORMATS.keySet()) + ")");
        }
        return format;
    }

    private String prompt() {
        try {
            return promptSource.read();
        } catch (IOException e) {
            throw new UsageException("cannot read --prompt-file " + promptSource.file + ": " + CommandLines.oneLine(e));
        }
    }

    /** The decoded --input-audio, or null for text-to-audio. */
    private DecodedAudio inputAudio() {
        if (strength != null && inputAudio == null) {
            throw new UsageException("--strength applies to audio-to-audio only; give --input-audio too");
        }
        if (inputAudio == null) {
            return null;
        }
        try {
            return AudioDecoder.decode(Files.readAllBytes(inputAudio), DecodeLimits.DEFAULT);
        } catch (IOException e) {
            throw new UsageException("cannot read --input-audio " + inputAudio + ": " + CommandLines.oneLine(e));
        } catch (AudioDecodeException e) {
            throw new UsageException("--input-audio " + inputAudio + ": " + CommandLines.oneLine(e));
        }
    }

    /** The options as a request: the service's defaults for what is left out, the input's length by default. */
    private GenerationRequest request(String prompt, DecodedAudio input) {
        double seconds = duration != null ? duration : input != null ? input.durationSeconds() : DEFAULT_DURATION;
        GenerationRequest request = new GenerationRequest(List.of(prompt),
                negativePrompt == null ? null : List.of(negativePrompt), seconds, steps, guidance,
                Seeds.orRandom(seed), scheduler, eta, waveforms).withMode(mode);
        return input == null ? request
                : request.withInputAudio(input, strength != null ? strength : GenerationRequest.DEFAULT_STRENGTH);
    }

    /** Loads the bundle, plans and runs the request, and writes the result; the exit code. */
    private int generate(GenerationRequest request, RuntimeOptions options, AudioEncoder format) {
        PrintWriter stderr = spec.commandLine().getErr();
        long loadStart = System.nanoTime();
        try (AudioLdm2Pipeline pipeline = AudioLdm2Pipeline.load(modelDir, options)) {
            GenerationPlan plan = pipeline.plan(request);
            stderr.printf(Locale.ROOT, "load %d ms (%s, %s, %s mode)%n", (System.nanoTime() - loadStart) / 1_000_000,
                    pipeline.info().name(), pipeline.info().executionProvider(), mode.wireName());
            stderr.printf(Locale.ROOT, "memory estimate %d MB (budget %d MB)%n",
                    pipeline.memory().estimate(plan) >> 20, pipeline.memory().budget() >> 20);
            writeResult(pipeline.generate(plan, new ProgressDisplay(stderr, System.console() != null)), format);
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

    /** The best waveform to --out and, with --all-candidates, every candidate; each file named on stdout. */
    private void writeResult(GenerationResult result, AudioEncoder format) throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        write(out, result.waveforms()[0], result, format);
        stdout.printf(Locale.ROOT, "wrote %s (%d samples at %d Hz, %s) seed %d%s%n", out,
                result.waveforms()[0].length, result.sampleRate(), sampleFormat, result.seed(), score(result, 0));
        for (int k = 0; allCandidates && k < result.waveforms().length; k++) {
            Path candidate = candidatePath(out, k + 1);
            write(candidate, result.waveforms()[k], result, format);
            stdout.printf(Locale.ROOT, "wrote %s (candidate %d)%s%n", candidate, k + 1, score(result, k));
        }
    }

    private static void write(Path file, float[] waveform, GenerationResult result, AudioEncoder format)
            throws IOException {
        try (OutputStream stream = new BufferedOutputStream(Files.newOutputStream(file))) {
            format.encode(waveform, result.sampleRate(), stream);
        }
    }

    private static String score(GenerationResult result, int index) {
        return result.scores() == null ? "" : String.format(Locale.ROOT, " clap score %.4f", result.scores()[index]);
    }

    /** FILE.wav → FILE-rank.wav (the rank appended when there is no extension). */
    static Path candidatePath(Path out, int rank) {
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String candidate = dot > 0 ? name.substring(0, dot) + "-" + rank + name.substring(dot) : name + "-" + rank;
        return out.resolveSibling(candidate);
    }
}
