package ai.audioldm2.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opening the bundle: the committed one passes, each kind of damage gives a ModelBundleException naming it. */
class ModelBundleTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void committedBundleOpens() {
        ModelBundle bundle = ModelBundle.open(TinyBundle.DIR);
        assertEquals(ModelBundle.FORMAT_VERSION, bundle.manifest().formatVersion());
        for (String graph : ModelBundle.GENERATION_GRAPHS) {
            assertTrue(Files.isRegularFile(bundle.graphFile(graph)), graph);
        }
    }

    @Test
    void aFastBlockIsReadAndItsGraphsAreKnownByTheirFastNames() {
        ModelBundle bundle = ModelBundle.open(TinyBundle.copyWithFast(tmp, TinyBundle.fp32Fast(200, 800)));
        assertEquals(List.of("unet"), bundle.fastGraphs());
        assertEquals(List.of(200L, 800L), bundle.manifest().fast().guidanceTimesteps());
        assertEquals(bundle.graphFile("unet"), bundle.graphFile(ModelBundle.fastName("unet")));
        ModelBundleException e = assertThrows(ModelBundleException.class,
                () -> bundle.graph(ModelBundle.fastName("vocoder")));
        assertTrue(e.getMessage().contains("no graph 'fast_vocoder'"), e.getMessage());
    }

    @Test
    void aFastGraphMustBeListedUnderFiles() {
        ObjectNode fast = TinyBundle.fp32Fast(200, 800);
        ((ObjectNode) fast.get("graphs").get("unet")).put("file", "fast/unlisted.onnx");
        assertMessage(TinyBundle.copyWithFast(tmp, fast), "fast graph 'unet' uses fast/unlisted.onnx, which is not listed");
    }

    @Test
    void aFastGraphMustReplaceASwappableOne() {
        ObjectNode fast = TinyBundle.fp32Fast(200, 800);
        ((ObjectNode) fast.get("graphs")).set("gpt2", fast.get("graphs").get("unet"));
        assertMessage(TinyBundle.copyWithFast(tmp, fast), "fast graph 'gpt2' replaces no graph");
    }

    @Test
    void theGuidanceWindowIsLoToHi() {
        assertMessage(TinyBundle.copyWithFast(tmp, TinyBundle.fp32Fast(800, 200)), "lo <= hi");
    }

    @Test
    void missingDirectory() {
        ModelBundleException e = assertThrows(ModelBundleException.class,
                () -> ModelBundle.open(tmp.resolve("nowhere")));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void missingManifest() throws IOException {
        Path dir = TinyBundle.copyTo(tmp);
        Files.delete(dir.resolve(ModelBundle.MANIFEST));
        assertMessage(dir, "has no manifest.json");
    }

    @Test
    void manifestNotJson() throws IOException {
        Path dir = TinyBundle.copyTo(tmp);
        Files.writeString(dir.resolve(ModelBundle.MANIFEST), "{ not json");
        assertMessage(dir, "not a valid bundle manifest");
    }

    @Test
    void otherFormatVersion() throws IOException {
        Path dir = TinyBundle.copyTo(tmp);
        editManifest(dir, m -> m.put("format_version", 99));
        assertMessage(dir, "format_version 99");
    }

    @Test
    void missingConfigField() throws IOException {
        Path dir = TinyBundle.copyTo(tmp);
        editManifest(dir, m -> ((ObjectNode) m.get("config")).remove("vocoder_hop"));
        assertMessage(dir, "vocoder_hop");
    }

    @Test
    void truncatedGraph() throws IOException {
        Path dir = TinyBundle.copyTo(tmp);
        Path unet = ModelBundle.open(dir).graphFile("unet");
        try (RandomAccessFile f = new RandomAccessFile(unet.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        assertMessage(dir, "truncated");
    }

    @Test
    void corruptedGraphSameSize() throws IOException {
        Path dir = TinyBundle.copyTo(tmp);
        Path vocoder = ModelBundle.open(dir).graphFile("vocoder");
        try (RandomAccessFile f = new RandomAccessFile(vocoder.toFile(), "rw")) {
            long middle = f.length() / 2;
            f.seek(middle);
            int b = f.read();
            f.seek(middle);
            f.write(b ^ 0xFF);
        }
        assertMessage(dir, "sha256");
    }

    @Test
    void missingGraphFile() throws IOException {
        Path dir = TinyBundle.copyTo(tmp);
        Files.delete(ModelBundle.open(dir).graphFile("gpt2"));
        assertMessage(dir, "missing");
    }

    @Test
    void missingTokenizer() throws IOException {
        Path dir = TinyBundle.copyTo(tmp);
        Files.delete(dir.resolve(ModelBundle.T5_TOKENIZER));
        assertMessage(dir, ModelBundle.T5_TOKENIZER);
    }

    @Test
    void undeclaredGraph() throws IOException {
        Path dir = TinyBundle.copyTo(tmp);
        editManifest(dir, m -> ((ObjectNode) m.get("graphs")).remove("vae_decoder"));
        assertMessage(dir, "vae_decoder");
    }

    @Test
    void graphIoDifferentFromManifest() {
        ModelBundle bundle = ModelBundle.open(TinyBundle.DIR);
        ModelBundleException e = assertThrows(ModelBundleException.class, () ->
                bundle.checkGraphIo("vocoder", Map.of("spectrogram", "float32"), Map.of("waveform", "float32")));
        assertTrue(e.getMessage().contains("spectrogram") && e.getMessage().contains("does not match"),
                e.getMessage());
    }

    @Test
    void graphDtypeDifferentFromManifest() {
        ModelBundle bundle = ModelBundle.open(TinyBundle.DIR);
        ModelBundleException differs = assertThrows(ModelBundleException.class, () ->
                bundle.checkGraphIo("vocoder", Map.of("mel", "float16"), Map.of("waveform", "float32")));
        assertTrue(differs.getMessage().contains("mel is float16, manifest.json says float32"), differs.getMessage());
    }

    @Test
    void fp16GraphInputsAreRefusedWithAReason() throws IOException {
        Path dir = TinyBundle.copyTo(tmp);
        editManifest(dir, m -> ((ObjectNode) m.get("graphs").get("vocoder").get("inputs").get(0))
                .put("dtype", "float16"));
        ModelBundle bundle = ModelBundle.open(dir);
        ModelBundleException e = assertThrows(ModelBundleException.class, () ->
                bundle.checkGraphIo("vocoder", Map.of("mel", "float16"), Map.of("waveform", "float32")));
        assertTrue(e.getMessage().contains("fp16 bundle must keep float32 graph inputs"), e.getMessage());
    }

    private static void assertMessage(Path dir, String expected) {
        ModelBundleException e = assertThrows(ModelBundleException.class, () -> ModelBundle.open(dir));
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }

    private static void editManifest(Path dir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path file = dir.resolve(ModelBundle.MANIFEST);
        ObjectNode manifest = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(manifest);
        JSON.writeValue(file.toFile(), manifest);
    }
}
