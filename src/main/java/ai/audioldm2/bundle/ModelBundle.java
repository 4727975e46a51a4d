package ai.audioldm2.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A model bundle directory (docs/BUNDLE.md), checked on open: the manifest parses and has this runtime's format
 * version, every graph the pipeline needs is declared, and every file the manifest lists is present with the listed
 * size and, up to {@link #SHA256_MAX_BYTES}, the listed sha256. Large files (UNet weights) are only size-checked:
 * hashing gigabytes would add seconds to every start, and a truncated copy, the usual accident, changes the size.
 */
public final class ModelBundle {

    public static final int FORMAT_VERSION = 1;
    public static final long SHA256_MAX_BYTES = 64L * 1024 * 1024;
    public static final String MANIFEST = "manifest.json";
    public static final String CLAP_TOKENIZER = "tokenizer/tokenizer.json";
    public static final String T5_TOKENIZER = "tokenizer_2/tokenizer.json";
    public static final String SCHEDULER_CONFIG = "scheduler_config.json";

    /** Graphs text-to-audio generation runs; vae_encoder and clap_audio serve later features and are optional. */
    public static final List<String> GENERATION_GRAPHS =
            List.of("clap_text", "t5_encoder", "projection", "gpt2", "unet", "vae_decoder", "vocoder");

    /** Graphs a manifest's {@code fast} block may replace: the per-step and per-sample heavy ones. */
    public static final List<String> FAST_GRAPHS = List.of("unet", "vae_decoder", "vocoder");

    /**
     * Prefix of a fast graph's name here ({@code fast_unet}): one name space for sessions, I/O checks and the
     * optimized-graph cache (whose file names start with the graph name, so no slash).
     */
    public static final String FAST_PREFIX = "fast_";

    /** Fields marked required fail when missing; unknown fields are ignored (the exporter may add more). */
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path dir;
    private final BundleManifest manifest;

    private ModelBundle(Path dir, BundleManifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    /** Opens and verifies the bundle in {@code dir}; throws {@link ModelBundleException} naming the first problem. */
    public static ModelBundle open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelBundleException("model bundle directory not found: " + dir);
        }
        BundleManifest manifest = readManifest(dir.resolve(MANIFEST));
        ModelBundle bundle = new ModelBundle(dir, manifest);
        bundle.verifyDeclarations();
        bundle.verifyFiles();
        return bundle;
    }

    public BundleManifest manifest() {
        return manifest;
    }

    public ModelConfig config() {
        return manifest.config();
    }

    public Path graphFile(String graph) {
        return dir.resolve(graph(graph).file());
    }

    /** A declared graph: an exact one by its name, a fast one as {@link #fastName}. */
    public BundleManifest.Graph graph(String graph) {
        boolean fast = graph.startsWith(FAST_PREFIX) && manifest.fast() != null;
        Map<String, BundleManifest.Graph> declared = fast ? manifest.fast().graphs() : manifest.graphs();
        BundleManifest.Graph g = declared.get(fast ? graph.substring(FAST_PREFIX.length()) : graph);
        if (g == null) {
            throw new ModelBundleException("manifest.json declares no graph '" + graph + "' (declared: "
                    + new TreeSet<>(declared.keySet()) + (fast ? " under \"fast\"" : "") + ")");
        }
        return g;
    }

    /** The name under which {@link #graph} and the session factory know the fast twin of {@code graph}. */
    public static String fastName(String graph) {
        return FAST_PREFIX + graph;
    }

    /** Whether the manifest has a {@code fast} block (graphs exported with scripts/export_onnx.py --fast). */
    public boolean hasFast() {
        return manifest.fast() != null;
    }

    /** The exact graphs that have a fast twin, in {@link #FAST_GRAPHS} order; empty without a fast block. */
    public List<String> fastGraphs() {
        return hasFast() ? FAST_GRAPHS.stream().filter(manifest.fast().graphs()::containsKey).toList() : List.of();
    }

    /** Path of a bundle file that must exist (tokenizers, scheduler config). */
    public Path requiredFile(String relative) {
        Path p = dir.resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new ModelBundleException("model bundle " + dir + " is missing " + relative);
        }
        return p;
    }

    /** The sha256 the manifest lists for a graph's file; identifies its contents, e.g. for caches. */
    public String graphSha256(String graph) {
        return manifest.files().get(graph(graph).file()).sha256();
    }

    /** Element types the pipeline feeds and reads; anything else in a graph's I/O is refused at load. */
    public static final Set<String> SUPPORTED_DTYPES = Set.of("float32", "int64");

    /**
     * Checks a loaded graph's inputs and outputs (name → element type, numpy naming) against the manifest, so that a
     * graph from another export fails at load with a message instead of at the first run.
     */
    public void checkGraphIo(String graph, Map<String, String> inputs, Map<String, String> outputs) {
        BundleManifest.Graph g = graph(graph);
        Map<String, String> declaredIn = dtypes(g.inputs());
        Map<String, String> declaredOut = dtypes(g.outputs());
        if (!declaredIn.keySet().equals(inputs.keySet()) || !declaredOut.keySet().equals(outputs.keySet())) {
            throw new ModelBundleException("graph " + g.file() + " does not match manifest.json: it has inputs "
                    + new TreeSet<>(inputs.keySet()) + " and outputs " + new TreeSet<>(outputs.keySet())
                    + ", the manifest declares " + declaredIn.keySet() + " and " + declaredOut.keySet());
        }
        Map<String, String> actual = new TreeMap<>(inputs);
        actual.putAll(outputs);
        Map<String, String> declared = new TreeMap<>(declaredIn);
        declared.putAll(declaredOut);
        for (var io : actual.entrySet()) {
            String expected = declared.get(io.getKey());
            if (expected != null && !expected.equals(io.getValue())) {
                throw new ModelBundleException("graph " + g.file() + ": " + io.getKey() + " is " + io.getValue()
                        + ", manifest.json says " + expected);
            }
            if (!SUPPORTED_DTYPES.contains(io.getValue())) {
                throw new ModelBundleException("graph " + g.file() + ": " + io.getKey() + " is " + io.getValue()
                        + "; this runtime exchanges only " + new TreeSet<>(SUPPORTED_DTYPES)
                        + " with graphs (an fp16 bundle must keep float32 graph inputs and outputs)");
            }
        }
    }

    private static Map<String, String> dtypes(List<BundleManifest.TensorSpec> specs) {
        Map<String, String> dtypes = new TreeMap<>();
        specs.forEach(s -> dtypes.put(s.name(), s.dtype()));
        return dtypes;
    }

    /**
     * The checked manifest of the bundle in {@code dir}, without verifying its files: for what is known before the
     * model loads (the OpenAPI document's limits). Throws {@link ModelBundleException} as {@link #open} does.
     */
    public static BundleManifest manifestOf(Path dir) {
        return readManifest(dir.resolve(MANIFEST));
    }

    private static BundleManifest readManifest(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelBundleException("not a model bundle: " + file.getParent() + " has no " + MANIFEST);
        }
        BundleManifest manifest;
        try {
            manifest = JSON.readValue(file.toFile(), BundleManifest.class);
        } catch (JsonProcessingException e) {
            throw new ModelBundleException(file + " is not a valid bundle manifest: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelBundleException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (manifest.formatVersion() != FORMAT_VERSION) {
            throw new ModelBundleException(file + " has format_version " + manifest.formatVersion()
                    + "; this runtime reads format_version " + FORMAT_VERSION);
        }
        manifest.config().validate();
        return manifest;
    }

    private void verifyDeclarations() {
        for (String name : GENERATION_GRAPHS) {
            String file = graph(name).file();
            if (!manifest.files().containsKey(file)) {
                throw new ModelBundleException("manifest.json: graph '" + name + "' uses " + file
                        + ", which is not listed under \"files\"");
            }
        }
        if (hasFast()) {
            verifyFastDeclarations(manifest.fast());
        }
        requiredFile(CLAP_TOKENIZER);
        requiredFile(T5_TOKENIZER);
        requiredFile(SCHEDULER_CONFIG);
    }

    private void verifyFastDeclarations(BundleManifest.Fast fast) {
        if (fast.graphs().isEmpty()) {
            throw new ModelBundleException("manifest.json: the \"fast\" block lists no graphs");
        }
        for (var entry : fast.graphs().entrySet()) {
            if (!FAST_GRAPHS.contains(entry.getKey())) {
                throw new ModelBundleException("manifest.json: fast graph '" + entry.getKey() + "' replaces no graph "
                        + "this runtime can swap (" + String.join(", ", FAST_GRAPHS) + ")");
            }
            if (!manifest.files().containsKey(entry.getValue().file())) {
                throw new ModelBundleException("manifest.json: fast graph '" + entry.getKey() + "' uses "
                        + entry.getValue().file() + ", which is not listed under \"files\"");
            }
        }
        List<Long> window = fast.guidanceTimesteps();
        if (window != null && (window.size() != 2 || window.get(0) > window.get(1))) {
            throw new ModelBundleException("manifest.json: fast.guidance_timesteps must be [lo, hi] with lo <= hi, got "
                    + window);
        }
    }

    private void verifyFiles() {
        for (var entry : manifest.files().entrySet()) {
            Path file = dir.resolve(entry.getKey()).normalize();
            if (!file.startsWith(dir.normalize())) {
                throw new ModelBundleException("manifest.json lists a file outside the bundle: " + entry.getKey());
            }
            verifyFile(entry.getKey(), file, entry.getValue());
        }
    }

    private static void verifyFile(String name, Path file, BundleManifest.FileEntry expected) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new ModelBundleException("model bundle file missing or unreadable: " + file, e);
        }
        if (size != expected.bytes()) {
            throw new ModelBundleException("model bundle file " + name + " has " + size + " bytes, manifest.json says "
                    + expected.bytes() + " (truncated or replaced; re-export or re-copy the bundle)");
        }
        if (size <= SHA256_MAX_BYTES) {
            String actual = sha256(file);
            if (!actual.equalsIgnoreCase(expected.sha256())) {
                throw new ModelBundleException("model bundle file " + name + " is corrupted: sha256 " + actual
                        + ", manifest.json says " + expected.sha256());
            }
        }
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] chunk = new byte[1 << 16];
            for (int n; (n = in.read(chunk)) > 0; ) {
                digest.update(chunk, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new ModelBundleException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-256", e);
        }
    }
}
