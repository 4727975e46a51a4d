package ai.audioldm2.onnx;

import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.bundle.ModelBundleException;
import ai.audioldm2.bundle.ModelBundle;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Execution-provider selection and session options, on the CPU-only ONNX Runtime jar the build uses. */
class SessionFactoryTest {

    @TempDir
    Path tmp;

    private static RuntimeOptions options(String provider, boolean fallback, Path cacheDir, Path library) {
        return RuntimeOptions.builder().executionProvider(provider).cpuFallback(fallback).intraOpThreads(1)
                .interOpThreads(1).optimizedModelDir(cacheDir).providerLibrary(library).build();
    }

    @Test
    void unknownProviderListsTheAllowedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SessionFactory.create(options("tpu", false, null, null)));
        assertTrue(e.getMessage().contains("cpu, cuda, migraphx, rocm"), e.getMessage());
    }

    @Test
    void unknownOptimizationLevel() {
        RuntimeOptions o = RuntimeOptions.builder().optimizationLevel("max").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SessionFactory.create(o));
        assertTrue(e.getMessage().contains("disable, basic, extended, all"), e.getMessage());
    }

    @Test
    void unavailableProviderNamesTheAvailableOnes() {
        ExecutionProviderException e = assertThrows(ExecutionProviderException.class,
                () -> SessionFactory.create(options("cuda", false, null, null)));
        assertTrue(e.getMessage().contains(SessionFactory.availableProviders().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("CPU fallback"), e.getMessage());
    }

    @Test
    void unavailableProviderFallsBackToCpuWhenAllowed() {
        assertEquals(ExecutionProvider.CPU, SessionFactory.create(options("cuda", true, null, null)).provider());
        assertEquals(ExecutionProvider.CPU, SessionFactory.create(options("rocm", true, null, null)).provider());
    }

    @Test
    void migraphxWithoutLibraryExplainsThePluginRoute() {
        ExecutionProviderException e = assertThrows(ExecutionProviderException.class,
                () -> SessionFactory.create(options("migraphx", false, null, null)));
        assertTrue(e.getMessage().contains("provider library") && e.getMessage().contains("addMIGraphX"),
                e.getMessage());
    }

    @Test
    void migraphxWithUnloadableLibraryFails() throws IOException {
        Path notALibrary = Files.writeString(tmp.resolve("libonnxruntime_providers_migraphx.so"), "not an ELF file");
        ExecutionProviderException e = assertThrows(ExecutionProviderException.class,
                () -> SessionFactory.create(options("migraphx", false, null, notALibrary)));
        assertTrue(e.getMessage().contains("cannot register library") && e.getMessage().contains("CPUExecutionProvider"),
                e.getMessage());
    }

    @Test
    void graphWithOtherInputsThanTheManifestIsRejectedAtLoad() throws IOException {
        Path dir = TinyBundle.copyTo(tmp.resolve("bundle"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(dir.resolve(ModelBundle.MANIFEST).toFile());
        ObjectNode graphs = (ObjectNode) manifest.get("graphs");
        // the vocoder entry now points at the VAE decoder's file, which has other inputs and outputs
        ((ObjectNode) graphs.get("vocoder")).put("file", graphs.get("vae_decoder").get("file").asText());
        json.writeValue(dir.resolve(ModelBundle.MANIFEST).toFile(), manifest);
        ModelBundle bundle = ModelBundle.open(dir);
        SessionFactory factory = SessionFactory.create(RuntimeOptions.cpuDefaults());
        ModelBundleException e = assertThrows(ModelBundleException.class, () -> factory.open(bundle, "vocoder"));
        assertTrue(e.getMessage().contains("does not match manifest.json"), e.getMessage());
    }

    @Test
    void openAllReturnsEverySessionInTheOrderGiven() {
        ModelBundle bundle = ModelBundle.open(TinyBundle.DIR);
        SessionFactory factory = SessionFactory.create(RuntimeOptions.cpuDefaults());
        List<String> graphs = List.of("vocoder", "clap_text", "unet", "projection");
        Map<String, OrtSession> sessions = factory.openAll(bundle, graphs);
        try {
            assertEquals(graphs, List.copyOf(sessions.keySet()));
            assertTrue(sessions.get("unet").getInputNames().contains("encoder_hidden_states_1"));
        } finally {
            sessions.values().forEach(SessionFactory::closeQuietly);
        }
    }

    /** Loads run concurrently and finish in any order; the error reported is still the first in the order given. */
    @Test
    void openAllThrowsTheFirstFailureInTheOrderGiven() throws IOException {
        Path dir = TinyBundle.copyTo(tmp.resolve("bundle"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(dir.resolve(ModelBundle.MANIFEST).toFile());
        for (String graph : List.of("clap_text", "vocoder")) {
            ((ObjectNode) manifest.get("graphs").get(graph).get("inputs").get(0)).put("name", "renamed_" + graph);
        }
        json.writeValue(dir.resolve(ModelBundle.MANIFEST).toFile(), manifest);
        ModelBundle bundle = ModelBundle.open(dir);
        SessionFactory factory = SessionFactory.create(RuntimeOptions.cpuDefaults());
        for (List<String> order : List.of(List.of("unet", "clap_text", "t5_encoder", "vocoder"),
                List.of("unet", "vocoder", "t5_encoder", "clap_text"))) {
            ModelBundleException e = assertThrows(ModelBundleException.class, () -> factory.openAll(bundle, order));
            String first = order.get(1);
            assertTrue(e.getMessage().contains("renamed_" + first), order + ": " + e.getMessage());
        }
    }

    @Test
    void cachedGraphNamesTheCpuTheyWereOptimizedFor() throws Exception {
        ModelBundle bundle = ModelBundle.open(TinyBundle.DIR);
        Path cache = tmp.resolve("cache");
        SessionFactory.create(options("cpu", false, cache, null)).open(bundle, "projection").close();
        try (var files = Files.list(cache)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".onnx")).toList();
            assertEquals(1, names.size(), names.toString());
            assertTrue(names.get(0).matches("projection-[0-9a-f]{16}-cpu-all_opt-ort[0-9.]+-cpu[0-9a-f]{8}\\.onnx"),
                    names.get(0));
        }
    }

    @Test
    void quantizedGraphsBypassTheOptimizedGraphCache() throws Exception {
        Path dir = TinyBundle.copyTo(tmp.resolve("bundle"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(dir.resolve(ModelBundle.MANIFEST).toFile());
        ((ObjectNode) manifest.get("graphs").get("projection")).put("precision", "int8");
        json.writeValue(dir.resolve(ModelBundle.MANIFEST).toFile(), manifest);
        ModelBundle bundle = ModelBundle.open(dir);
        Path cache = tmp.resolve("cache");
        SessionFactory factory = SessionFactory.create(options("cpu", false, cache, null));
        factory.open(bundle, "projection").close();
        factory.open(bundle, "vocoder").close();
        try (var files = Files.list(cache)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".onnx")).toList();
            assertEquals(1, names.size(), names.toString());
            assertTrue(names.get(0).startsWith("vocoder-"), names.toString());
        }
    }

    @Test
    void graphThatIsNotOnnxFailsWithABundleExceptionNotACrash() throws IOException {
        // a file the manifest vouches for (matching size and sha256) that ONNX Runtime cannot parse
        Path dir = TinyBundle.copyTo(tmp.resolve("bundle"));
        byte[] garbage = "this is not an ONNX protobuf".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Files.write(dir.resolve("vocoder.onnx"), garbage);
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(dir.resolve(ModelBundle.MANIFEST).toFile());
        ((ObjectNode) manifest.get("files").get("vocoder.onnx")).put("bytes", garbage.length)
                .put("sha256", ModelBundle.sha256(dir.resolve("vocoder.onnx")));
        json.writeValue(dir.resolve(ModelBundle.MANIFEST).toFile(), manifest);
        ModelBundle bundle = ModelBundle.open(dir);
        SessionFactory factory = SessionFactory.create(RuntimeOptions.cpuDefaults());
        ModelBundleException e = assertThrows(ModelBundleException.class, () -> factory.open(bundle, "vocoder"));
        assertTrue(e.getMessage().contains("cannot load graph") && e.getMessage().contains("vocoder.onnx"),
                e.getMessage());
    }

    @Test
    void optimizedGraphCacheIsWrittenThenReusedWithTheSameOutputs() throws Exception {
        ModelBundle bundle = ModelBundle.open(TinyBundle.DIR);
        Path cache = tmp.resolve("cache");
        SessionFactory factory = SessionFactory.create(options("cpu", false, cache, null));
        float[] first;
        try (OrtSession session = factory.open(bundle, "vocoder")) {
            first = runVocoder(factory.environment(), session, bundle);
        }
        try (var files = Files.list(cache)) {
            assertEquals(1, files.filter(p -> p.toString().endsWith(".onnx")).count());
        }
        try (OrtSession session = factory.open(bundle, "vocoder")) {
            assertArrayEquals(first, runVocoder(factory.environment(), session, bundle));
        }
    }

    private static float[] runVocoder(OrtEnvironment env, OrtSession session, ModelBundle bundle) {
        int frames = 8;
        int bins = bundle.config().melBins();
        float[] mel = new float[frames * bins];
        for (int i = 0; i < mel.length; i++) {
            mel[i] = (float) Math.sin(i * 0.37) - 3f;
        }
        try (GraphRun run = new GraphRun(env, session, "vocoder")) {
            return run.input("mel", new FloatTensor(mel, new long[] {1, frames, bins})).runFloat("waveform").data();
        }
    }

    @Test
    void providerNamesParse() {
        assertEquals(Map.of("cpu", ExecutionProvider.CPU, "migraphx", ExecutionProvider.MIGRAPHX),
                Map.of("cpu", ExecutionProvider.parse(" CPU "), "migraphx", ExecutionProvider.parse("migraphx")));
    }
}
