package ai.audioldm2.onnx;

import ai.audioldm2.bundle.ModelBundle;
import ai.audioldm2.bundle.TinyBundle;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache's file names, and what a session load leaves in the cache directory. */
class OptimizedGraphCacheTest {

    @TempDir
    Path tmp;

    @Test
    void fileNameHoldsEverythingTheOptimizedGraphDependsOn() {
        OptimizedGraphCache cache = new OptimizedGraphCache(tmp, ExecutionProvider.CUDA, OptLevel.EXTENDED_OPT, "1.29.0");
        assertEquals("unet-0123456789abcdef-cuda-extended_opt-ort1.29.0-" + OptimizedGraphCache.cpuFingerprint()
                + ".onnx", cache.fileName("unet", "0123456789abcdef" + "e".repeat(48)));
    }

    @Test
    void cpuFingerprintIsShortAndStable() {
        assertTrue(OptimizedGraphCache.cpuFingerprint().matches("cpu[0-9a-f]{8}"), OptimizedGraphCache.cpuFingerprint());
        assertEquals(OptimizedGraphCache.cpuFingerprint(), OptimizedGraphCache.cpuFingerprint());
    }

    @Test
    void aLoadCommitsItsEntryAndLeavesNoPartialFile() throws Exception {
        ModelBundle bundle = ModelBundle.open(TinyBundle.DIR);
        Path dir = tmp.resolve("cache");
        SessionFactory.create(RuntimeOptions.builder().optimizedModelDir(dir).build()).open(bundle, "projection").close();
        OptimizedGraphCache cache = new OptimizedGraphCache(dir, ExecutionProvider.CPU, OptLevel.ALL_OPT,
                NativeRuntime.environment().getVersion());
        assertTrue(cache.entry(bundle, "projection").present());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".partial")).toList());
        }
    }
}
