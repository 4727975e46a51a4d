package ai.audioldm2.onnx;

import ai.audioldm2.bundle.ModelBundle;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Graphs as ONNX Runtime optimized them, kept between starts so that a restart skips the optimisation. A file's name
 * holds everything its content depends on: the graph (name and sha256), the provider, the optimization level, the
 * ONNX Runtime version and the CPU.
 */
final class OptimizedGraphCache {

    private static final String CPU_FINGERPRINT = cpuFingerprint();

    private final Path dir;
    /** The name's part shared by every graph of one factory. */
    private final String suffix;

    OptimizedGraphCache(Path dir, ExecutionProvider provider, OptLevel level, String ortVersion) {
        this.dir = dir;
        this.suffix = String.join("-", provider.configName(), level.name().toLowerCase(Locale.ROOT),
                "ort" + ortVersion, CPU_FINGERPRINT);
    }

    /** The entry of one of the bundle's graphs, present or not; creates the cache directory. */
    Entry entry(ModelBundle bundle, String graph) throws IOException {
        Files.createDirectories(dir);
        return new Entry(dir.resolve(fileName(graph, bundle.graphSha256(graph))));
    }

    String fileName(String graph, String sha256) {
        return String.join("-", graph, sha256.substring(0, 16), suffix) + ".onnx";
    }

    /**
     * Identifies the CPU a cached graph was optimized on. At level ALL, ORT rewrites convolutions into the NCHWc
     * layout with the block size of this CPU's vector unit (16 floats on AVX-512, 8 on AVX2), so a cache shared
     * between hosts (a network home, a copied volume) must not hand one CPU's graphs to another.
     */
    static String cpuFingerprint() {
        String identity = System.getProperty("os.arch");
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            identity += lines.filter(l -> l.startsWith("model name") || l.startsWith("flags")).distinct()
                    .collect(Collectors.joining("\n"));
        } catch (IOException | UncheckedIOException e) {
            identity += System.getProperty("os.name");      // not Linux: the architecture is all we can tell
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return "cpu" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** One graph's optimized file. */
    record Entry(Path file) {

        boolean present() {
            return Files.isRegularFile(file);
        }

        /**
         * Has the session created with these options write its optimized graph, to a partial file that
         * {@link #commit} moves into place: a load that dies half-way leaves no truncated entry behind.
         */
        void writeWith(SessionOptions so) throws OrtException {
            so.setOptimizedModelFilePath(partial().toString());
            // weights beside the graph keep the cache usable for graphs over protobuf's 2 GB limit
            so.addConfigEntry("session.optimized_model_external_initializers_file_name", file.getFileName() + ".data");
        }

        void commit() throws IOException {
            Files.move(partial(), file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        private Path partial() {
            return file.resolveSibling(file.getFileName() + ".partial");
        }
    }
}
