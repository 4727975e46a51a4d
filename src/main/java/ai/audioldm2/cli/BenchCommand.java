package ai.audioldm2.cli;

import ai.audioldm2.bundle.ModelBundleException;
import ai.audioldm2.config.RequestDefaults;
import ai.audioldm2.onnx.OrtRunClock;
import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.pipeline.AudioLdm2Pipeline;
import ai.audioldm2.pipeline.GenerationObserver;
import ai.audioldm2.pipeline.GenerationRequest;
import ai.audioldm2.pipeline.GenerationResult;
import ai.audioldm2.pipeline.Mode;
import ai.audioldm2.pipeline.Stage;
import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The Java side of the PyTorch comparison (scripts/bench/run): one process, one model load, a warm-up generation,
 * then timed generations. Prints one JSON object on stdout in the shape scripts/bench/torch_side.py prints: seconds
 * per stage (one list entry per timed run), the median denoising step, the time outside {@code OrtSession.run} per
 * stage, the load time and the process's peak RSS.
 * {@code java -jar quarkus-run.jar bench --model-dir DIR [options]}, or {@code java -cp ... BenchCommand} directly.
 */
@Command(name = "bench", description = "Time text-to-audio generations per stage (benchmark against PyTorch).",
        sortOptions = false, mixinStandardHelpOptions = true)
public final class BenchCommand implements Callable<Integer> {

    private static final double NANOS_PER_SECOND = 1e9;

    @Option(names = "--model-dir", required = true, paramLabel = "DIR", description = "Model bundle directory.")
    Path modelDir;

    @Option(names = "--prompt", defaultValue = "Techno music with a strong, upbeat tempo and high melodic riffs",
            description = "Prompt (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(names = "--negative-prompt", defaultValue = "Low quality, average quality.",
            description = "Negative prompt (default: ${DEFAULT-VALUE}).")
    String negativePrompt;

    @Option(names = "--duration", defaultValue = "10.24", description = "Seconds of audio (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--guidance", defaultValue = "3.5", description = "Guidance scale (default: ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--case", defaultValue = "ddim:10", split = ",", paramLabel = "SCHEDULER:STEPS",
            description = "Timed generations, in order, each --runs times (default: ${DEFAULT-VALUE}).")
    List<String> cases;

    @Option(names = "--mode", defaultValue = RequestDefaults.MODE, paramLabel = "exact|fast",
            converter = CommandLines.Modes.class,
            description = "exact or fast (the bundle's fast graphs, loaded only then; default: ${DEFAULT-VALUE}).")
    Mode mode;

    @Option(names = "--runs", defaultValue = "1", description = "Timed runs per case (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup-steps", defaultValue = "2",
            description = "Steps of the untimed warm-up generation, 0 for none (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "2", description = "ONNX Runtime intra-op threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--optimization-level", defaultValue = "all", paramLabel = "disable|basic|extended|all",
            description = "ONNX Runtime graph optimization level (default: ${DEFAULT-VALUE}).")
    String optimizationLevel;

    @Option(names = "--optimized-model-dir", paramLabel = "DIR",
            description = "Cache of optimized graphs, written on the first load and reused after (default: none).")
    Path optimizedModelDir;

    @Option(names = "--save-audio", paramLabel = "DIR",
            description = "Write each case's last waveform to DIR/<case>.f32 (float32 little-endian), for the "
                    + "benchmark's quality columns (default: none).")
    Path saveAudio;

    @Mixin
    ExecutionProviderOptions executionProvider;

    @Spec
    CommandSpec spec;

    public static void main(String... args) {
        System.exit(run(args));
    }

    /** Runs the command and returns its exit code; never throws and never calls System.exit. */
    public static int run(String... args) {
        return CommandLines.execute(new BenchCommand(), args);
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        RuntimeOptions options = executionProvider.runtimeOptions().intraOpThreads(threads).interOpThreads(1)
                .optimizationLevel(optimizationLevel).optimizedModelDir(optimizedModelDir)
                .fastMode(mode == Mode.FAST).build();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("side", "java");
        report.put("threads", threads);
        report.put("mode", mode.wireName());
        long loadStart = System.nanoTime();
        try (AudioLdm2Pipeline pipeline = AudioLdm2Pipeline.load(modelDir, options)) {
            report.put("load_s", seconds(System.nanoTime() - loadStart));
            report.put("provider", pipeline.info().executionProvider());
            report.put("precision", pipeline.info().precision());
            List<GenerationRequest> timed = new ArrayList<>();
            for (String c : cases) {
                timed.add(request(c));
            }
            timed.forEach(pipeline::plan);     // a bad case fails before any run; each run plans anew
            if (warmupSteps > 0) {     // first-run allocations, arena growth and JIT out of the timed runs
                GenerationRequest first = timed.get(0);
                pipeline.generate(GenerationRequest.of(prompt, negativePrompt, duration, warmupSteps, guidance, seed,
                        first.scheduler()).withMode(mode), GenerationObserver.NONE);
            }
            Map<String, Object> results = new LinkedHashMap<>();
            int samples = 0;
            for (int i = 0; i < timed.size(); i++) {
                CaseTimes times = new CaseTimes();
                float[] waveform = null;
                for (int r = 0; r < runs; r++) {
                    stderr.printf("bench: %s run %d of %d%n", cases.get(i), r + 1, runs);
                    stderr.flush();
                    waveform = times.time(pipeline, timed.get(i));
                }
                samples = waveform.length;
                results.put(cases.get(i), times.asMap());
                if (saveAudio != null) {
                    writeFloats(saveAudio.resolve(cases.get(i) + ".f32"), waveform);
                }
            }
            report.put("peak_rss_mb", peakRssMb());
            report.put("cases", results);
            report.put("samples", samples);
            report.put("ort_version", OrtEnvironment.getEnvironment().getVersion());
            report.put("java_version", Runtime.version().toString());
            report.put("ort_run_s_per_graph", secondsPerGraph());
        } catch (IllegalArgumentException e) {      // InvalidGenerationRequestException and bad option values
            stderr.println("error: " + CommandLines.oneLine(e));
            return CommandLines.EXIT_USAGE;
        } catch (ModelBundleException e) {
            stderr.println("error: " + CommandLines.oneLine(e));
            return CommandLines.EXIT_BUNDLE;
        }
        stdout.println(new ObjectMapper().writeValueAsString(report));
        return CommandLines.EXIT_OK;
    }

    private GenerationRequest request(String spec) {
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--case '" + spec + "' is not SCHEDULER:STEPS (e.g. ddim:10)");
        }
        int steps;
        try {
            steps = Integer.parseInt(spec.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--case '" + spec + "': steps is not an integer");
        }
        return GenerationRequest.of(prompt, negativePrompt, duration, steps, guidance, seed, spec.substring(0, colon))
                .withMode(mode);
    }

    /** Per-run timings of one case: stage wall times, the time outside ORT runs, and the median step. */
    private static final class CaseTimes implements GenerationObserver {
        private final Map<String, List<Double>> stages = new LinkedHashMap<>();
        private final Map<String, List<Double>> outsideOrt = new LinkedHashMap<>();
        private final Map<Stage, Long> ortAtStageStart = new EnumMap<>(Stage.class);
        private final List<Long> stepEnds = new ArrayList<>();

        float[] time(AudioLdm2Pipeline pipeline, GenerationRequest request) {
            stepEnds.clear();
            long ortStart = OrtRunClock.totalNanos();
            long start = System.nanoTime();
            GenerationResult result = pipeline.generate(request, this);
            long wall = System.nanoTime() - start;
            add(stages, "end_to_end", wall);
            add(outsideOrt, "end_to_end", wall - (OrtRunClock.totalNanos() - ortStart));
            // step = time between consecutive step ends: the same definition as the PyTorch side's callback
            List<Long> steps = new ArrayList<>();
            for (int i = 1; i < stepEnds.size(); i++) {
                steps.add(stepEnds.get(i) - stepEnds.get(i - 1));
            }
            if (!steps.isEmpty()) {
                steps.sort(null);
                add(stages, "denoise_step", steps.get(steps.size() / 2));
            }
            return result.waveforms()[0];
        }

        @Override
        public void stageStarted(Stage stage) {
            ortAtStageStart.put(stage, OrtRunClock.totalNanos());
        }

        @Override
        public void stageFinished(Stage stage, long nanos) {
            add(stages, stage.label(), nanos);
            add(outsideOrt, stage.label(), nanos - (OrtRunClock.totalNanos() - ortAtStageStart.get(stage)));
        }

        @Override
        public void stepFinished(int step, int totalSteps) {
            stepEnds.add(System.nanoTime());
        }

        private static void add(Map<String, List<Double>> into, String key, long nanos) {
            into.computeIfAbsent(key, k -> new ArrayList<>()).add(seconds(nanos));
        }

        Map<String, Object> asMap() {
            Map<String, Object> out = new LinkedHashMap<>(stages);
            out.put("outside_ort", outsideOrt);
            return out;
        }
    }

    private static void writeFloats(Path file, float[] values) throws IOException {
        Files.createDirectories(file.getParent());
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        Files.write(file, bytes.array());
    }

    private static Map<String, Double> secondsPerGraph() {
        Map<String, Double> out = new LinkedHashMap<>();
        OrtRunClock.perGraphNanos().forEach((graph, nanos) -> out.put(graph, seconds(nanos)));
        return out;
    }

    private static double seconds(long nanos) {
        return nanos / NANOS_PER_SECOND;
    }

    /** VmHWM of /proc/self/status (Linux), the peak resident set; null where there is no /proc. */
    private static Double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return null;
    }
}
