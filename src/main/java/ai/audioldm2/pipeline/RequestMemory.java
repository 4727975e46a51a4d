package ai.audioldm2.pipeline;

import ai.audioldm2.bundle.BundleManifest;
import ai.audioldm2.bundle.ModelConfig;
import ai.audioldm2.bundle.ModelGeometry;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The peak memory one request adds to the process, estimated from the bundle's geometry
 * ({@link ModelGeometry}), and the budget it must fit (docs/RELIABILITY.md "Per-request memory" gives the formula
 * and its calibration against measured peak RSS). The stages run one after another, so the estimate is the
 * largest of:
 * <ul>
 *   <li>the UNet, on B = rows x (2 with guidance): per level i (size h_i x w_i = latent / 2^i, c_i channels),
 *       B x c_i x h_i w_i activations times {@value #UNET_LIVE}, summed over the levels (skip connections stay
 *       alive), plus the largest self-attention score matrix, B x heads x N^2 x 4 bytes with N = h_i w_i tokens,
 *       {@value #ATTENTION_LIVE} of them alive at once (ONNX Runtime's CPU attention materialises them);</li>
 *   <li>the VAE decoder, on B = rows: its mid block's self-attention over the latent's N = rows x width tokens,
 *       and its largest level's activations (c_j channels at the latent size x 2^j) times {@value #VAE_LIVE};</li>
 *   <li>the vocoder, on B = rows: its largest stage (channels halved, length multiplied by each up-sampling rate)
 *       times {@value #VOCODER_LIVE}.</li>
 * </ul>
 * The estimate is {@value #ARENA_GROWTH} x that largest stage, since ONNX Runtime's CPU arena grows by powers of
 * two (arena_extend_strategy kNextPowerOfTwo) and keeps what it took, plus {@value #RUN_OVERHEAD_MB} MB for the
 * rest of a run (Java arrays, the JVM heap's growth). Measured on two geometries, it is 1.0-1.6x the peak RSS a
 * run adds (docs/RELIABILITY.md). Each term grows with the duration, the rows and guidance, so the largest duration
 * under a budget is found by bisection over the latent heights.
 *
 * @param config the bundle's constants
 * @param budget bytes one request may add to the process
 */
public record RequestMemory(ModelConfig config, long budget) {

    static final int FLOAT = Float.BYTES;
    /** Score matrices alive at once in one attention: QK^T and its softmax. */
    static final int ATTENTION_LIVE = 2;
    /** UNet activations alive per level, in units of its B x c x h x w (resnets, the transformer's 4x MLP, skips). */
    static final int UNET_LIVE = 12;
    /** VAE decoder activations alive at its largest level (resnet in/out, group norm, the up-sampled copy). */
    static final int VAE_LIVE = 6;
    /** Vocoder activations alive at its largest stage (input, each resblock's output and their sum). */
    static final int VOCODER_LIVE = 6;

    /** ONNX Runtime's arena may hold up to twice what is live (see the class comment). */
    static final int ARENA_GROWTH = 2;
    /** What a run adds besides the graphs' activations, in MB. */
    static final int RUN_OVERHEAD_MB = 256;

    /** The share of the machine's memory that requests may use by default, before the model's own footprint. */
    static final double DEFAULT_MEMORY_SHARE = 0.5;

    /**
     * The estimate for {@code manifest}'s bundle under {@link #budget}{@code (configured, manifest, fastLoaded)};
     * {@code fastLoaded}: the fast graphs' sessions are open beside the exact ones.
     */
    public static RequestMemory of(BundleManifest manifest, long configured, boolean fastLoaded) {
        return new RequestMemory(manifest.config(), budget(configured, manifest, fastLoaded));
    }

    /**
     * The budget of {@code audioldm2.limits.max-request-memory}: {@code configured} when positive, else half the
     * machine's physical memory (the container's limit where there is one) less the loaded model's files (the
     * weights ONNX Runtime holds), never below 0.
     */
    public static long budget(long configured, BundleManifest manifest, boolean fastLoaded) {
        if (configured > 0) {
            return configured;
        }
        long physical = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        return Math.max(0, (long) (physical * DEFAULT_MEMORY_SHARE) - modelBytes(manifest, fastLoaded));
    }

    /**
     * The bytes of the files that loading keeps in memory: every listed file but the reference outputs, and the
     * fast graphs' own files (a graph file and its external data, "file.*") only when they are loaded. Fast mode
     * runs one request on the same budget: its graphs have the exact ones' I/O shapes, so the per-request estimate
     * is unchanged (an upper bound: steps outside the guidance interval run half the UNet batch).
     */
    static long modelBytes(BundleManifest manifest, boolean fastLoaded) {
        Set<String> exactFiles = manifest.graphs().values().stream().map(BundleManifest.Graph::file)
                .collect(Collectors.toSet());
        List<String> fastFiles = fastLoaded || manifest.fast() == null ? List.of()
                : manifest.fast().graphs().values().stream().map(BundleManifest.Graph::file)
                .filter(file -> !exactFiles.contains(file)).toList();
        return manifest.files().entrySet().stream().filter(file -> !file.getKey().startsWith("reference/"))
                .filter(file -> fastFiles.stream().noneMatch(fast -> file.getKey().equals(fast)
                        || file.getKey().startsWith(fast + ".")))
                .mapToLong(file -> file.getValue().bytes()).sum();
    }

    /** Estimated peak bytes of a request of {@code rows} waveforms, with or without guidance, at this height. */
    public long estimate(long rows, boolean guided, int melFrames) {
        ModelGeometry geometry = config.geometryOrConservative();
        int scale = config.vaeScaleFactor();
        double height = Math.ceil((double) melFrames / scale);
        double width = (double) config.melBins() / scale;
        double unet = unet(geometry.unet(), rows * (guided ? 2.0 : 1.0), height, width);
        double vae = vae(geometry.vaeDecoder(), rows, height, width);
        double vocoder = vocoder(geometry.vocoder(), rows, melFrames);
        double peak = ARENA_GROWTH * Math.max(unet, Math.max(vae, vocoder)) + RUN_OVERHEAD_MB * (double) (1 << 20);
        return (long) Math.min(Long.MAX_VALUE, peak);
    }

    /** {@link #estimate(long, boolean, int)} of a planned request. */
    public long estimate(GenerationPlan plan) {
        return estimate(plan.latentShape()[0], plan.guided(), plan.melFrames(config));
    }

    private static double unet(ModelGeometry.Unet unet, double batch, double height, double width) {
        List<Integer> channels = unet.blockOutChannels();
        double activations = 0;
        double attention = 0;
        double h = height;
        double w = width;
        for (int level = 0; level < channels.size(); level++) {
            double tokens = h * w;
            activations += batch * channels.get(level) * tokens * UNET_LIVE * FLOAT;
            int heads = unet.selfAttentionHeads().get(level);
            if (level == channels.size() - 1) {
                heads = Math.max(heads, unet.midSelfAttentionHeads());
            }
            attention = Math.max(attention, batch * heads * tokens * tokens * ATTENTION_LIVE * FLOAT);
            h = Math.ceil(h / 2);
            w = Math.ceil(w / 2);
        }
        return activations + attention;
    }

    private static double vae(ModelGeometry.VaeDecoder vae, double batch, double height, double width) {
        List<Integer> channels = vae.blockOutChannels();
        double tokens = height * width;
        double attention = batch * vae.midSelfAttentionHeads() * tokens * tokens * ATTENTION_LIVE * FLOAT;
        double largest = 0;
        for (int level = 0; level < channels.size(); level++) {
            int upsampled = channels.size() - 1 - level;     // encoder level i is decoded at latent x 2^(L-1-i)
            double size = tokens * Math.pow(4, upsampled);
            largest = Math.max(largest, channels.get(level) * size);
        }
        return attention + batch * largest * VAE_LIVE * FLOAT;
    }

    private static double vocoder(ModelGeometry.Vocoder vocoder, double batch, int melFrames) {
        double channels = vocoder.upsampleInitialChannel();
        double length = melFrames;
        double largest = channels * length;
        for (int rate : vocoder.upsampleRates()) {
            channels = Math.max(1, channels / 2);
            length *= rate;
            largest = Math.max(largest, channels * length);
        }
        return batch * largest * VOCODER_LIVE * FLOAT;
    }

    /** How many rows of this height (at least 1, at most {@code most}) one run can hold within the budget. */
    int rowsThatFit(boolean guided, int melFrames, int most) {
        int rows = 1;
        while (rows < most && estimate(rows + 1, guided, melFrames) <= budget) {
            rows++;
        }
        return rows;
    }

    /**
     * Mel frames of the tallest request of {@code rows} waveforms that fits the budget, at most {@code maxFrames}
     * (a multiple of the VAE scale); 0 when not even one latent frame fits.
     */
    int maxMelFrames(long rows, boolean guided, long maxFrames) {
        int scale = config.vaeScaleFactor();
        long low = 0;                                  // in latent frames: low fits (0 trivially), high does not
        long high = maxFrames / scale + 1;
        while (high - low > 1) {
            long mid = (low + high) >>> 1;
            if (estimate(rows, guided, Math.toIntExact(mid * scale)) <= budget) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return Math.toIntExact(low * scale);
    }

    /**
     * The largest duration (floored to 0.01 s, or 0.0001 s below 0.01 s) whose request of {@code rows} waveforms
     * fits the budget; empty when none does. Capped where {@link GenerationPlan}'s array limit caps it.
     */
    public OptionalDouble maxDurationSeconds(long rows, boolean guided) {
        int frames = maxMelFrames(rows, guided, GenerationPlan.maxMelFrames(config, rows, guided));
        if (frames == 0) {
            return OptionalDouble.empty();
        }
        double exact = frames * config.secondsPerMelFrame();
        for (double step : new double[] {0.01, 0.0001}) {
            // the multiple of step nearest below, then moved to the last one diffusers' height keeps within frames
            double seconds = rounded(Math.floor(exact / step + 1e-6) * step);
            while (GenerationPlan.melFramesOf(rounded(seconds + step), config) <= frames) {
                seconds = rounded(seconds + step);
            }
            while (seconds >= config.minDurationSeconds() && GenerationPlan.melFramesOf(seconds, config) > frames) {
                seconds = rounded(seconds - step);
            }
            if (seconds >= config.minDurationSeconds()) {
                return OptionalDouble.of(seconds);
            }
        }
        return OptionalDouble.of(config.minDurationSeconds());
    }

    /** The double a JSON number with at most four decimals parses to. */
    private static double rounded(double seconds) {
        return Double.parseDouble(String.format(Locale.ROOT, "%.4f", seconds));
    }

    /**
     * The longest duration served for one prompt and one waveform: {@code configuredMax} (the API's limit) or, when
     * it is smaller, the largest the budget allows (0 when none does).
     */
    public double servedMaxDurationSeconds(double configuredMax, boolean guided) {
        return Math.min(configuredMax, maxDurationSeconds(1, guided).orElse(0));
    }

    /** Refuses (field "duration") a request whose estimate exceeds the budget, naming the largest that fits. */
    void check(double durationSeconds, long rows, boolean guided, int melFrames) {
        long needed = estimate(rows, guided, melFrames);
        if (needed <= budget) {
            return;
        }
        String settings = String.format(Locale.ROOT, "guidance %s, %d waveform(s)", guided ? "on" : "off", rows);
        OptionalDouble largest = maxDurationSeconds(rows, guided);
        String advice = largest.isPresent()
                ? String.format(Locale.ROOT, "the largest duration this model allows at these settings is %s s",
                        largest.getAsDouble())
                : "no duration fits at these settings: ask for fewer waveforms or turn guidance off";
        throw new InvalidGenerationRequestException("duration", String.format(Locale.ROOT,
                "duration %s s needs about %s of memory (%s), over the per-request budget of %s "
                        + "(audioldm2.limits.max-request-memory); %s",
                durationSeconds, megabytes(needed), settings, megabytes(budget), advice));
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%d MB", (bytes + (1 << 20) - 1) >> 20);
    }
}
