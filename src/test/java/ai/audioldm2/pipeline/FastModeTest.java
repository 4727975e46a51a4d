package ai.audioldm2.pipeline;

import ai.audioldm2.audio.DecodedAudio;
import ai.audioldm2.bundle.ModelBundleException;
import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.onnx.RuntimeOptions;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mode contract on the pipeline: which modes a load serves, the 422 of each missing piece, determinism, and
 * exact mode untouched by fast graphs beside it. The fast bundle here is a test fixture whose fast UNet is the
 * exact one (TinyBundle#fp32Fast), so fast mode differs by the guidance interval alone.
 */
@ExtendWith(TinyPipeline.class)
class FastModeTest {

    private static final RuntimeOptions FAST = RuntimeOptions.builder().fastMode(true).build();

    @TempDir
    static Path dir;

    private static AudioLdm2Pipeline fast;

    @BeforeAll
    static void loadFastFixture() {
        fast = AudioLdm2Pipeline.load(TinyBundle.copyWithFast(dir.resolve("fast"), TinyBundle.fp32Fast(200, 800)),
                FAST);
    }

    @AfterAll
    static void close() {
        fast.close();
    }

    static GenerationRequest request(Mode mode) {
        return GenerationRequest.of("A dog barks.", "noise", 0.5, 10, 3.5, 7, "ddim").withMode(mode);
    }

    @Test
    void defaultsToExact() {
        assertEquals(Mode.EXACT, GenerationRequest.of("a", null, 0.5, 2, 2.5, 1, "ddim").mode());
    }

    @Test
    void aBundleWithoutFastGraphsServesExactAndNamesTheExportFlag() {
        try (AudioLdm2Pipeline exactOnly = AudioLdm2Pipeline.load(TinyBundle.copyWithFast(dir.resolve("none"), null),
                FAST)) {
            assertEquals(List.of("exact"), exactOnly.info().modes());
            InvalidGenerationRequestException refused = assertThrows(InvalidGenerationRequestException.class,
                    () -> exactOnly.plan(request(Mode.FAST)));
            assertEquals("mode", refused.field());
            assertTrue(refused.getMessage().contains("scripts/export_onnx.py ... --fast"), refused.getMessage());
        }
    }

    @Test
    void fastGraphsLoadOnlyWhenFastModeIsEnabled() {
        try (AudioLdm2Pipeline off = AudioLdm2Pipeline.load(dir.resolve("fast"), RuntimeOptions.cpuDefaults())) {
            assertEquals(List.of("exact"), off.info().modes());
            InvalidGenerationRequestException refused = assertThrows(InvalidGenerationRequestException.class,
                    () -> off.plan(request(Mode.FAST)));
            assertEquals("mode", refused.field());
            assertTrue(refused.getMessage().contains("audioldm2.runtime.modes"), refused.getMessage());
        }
        assertEquals(List.of("exact", "fast"), fast.info().modes());
    }

    @Test
    void aFastGraphIsCheckedAgainstTheManifestLikeAnExactOne() {
        ObjectNode wrongFile = TinyBundle.fp32Fast(200, 800);
        ((ObjectNode) wrongFile.get("graphs").get("unet")).put("file", "vocoder.onnx");
        Path bundle = TinyBundle.copyWithFast(dir.resolve("wrong"), wrongFile);
        ModelBundleException e = assertThrows(ModelBundleException.class, () -> AudioLdm2Pipeline.load(bundle, FAST));
        assertTrue(e.getMessage().contains("vocoder.onnx does not match manifest.json"), e.getMessage());
    }

    @Test
    void fastModeIsSeededAndDeterministic() {
        float[] first = fast.generate(request(Mode.FAST), GenerationObserver.NONE).waveforms()[0];
        float[] second = fast.generate(request(Mode.FAST), GenerationObserver.NONE).waveforms()[0];
        assertArrayEquals(first, second);
        float[] exact = fast.generate(request(Mode.EXACT), GenerationObserver.NONE).waveforms()[0];
        assertFalse(Arrays.equals(first, exact), "the guidance interval changed nothing");
    }

    @Test
    void audioToAudioRunsInFastModeDeterministically() {
        float[] tone = new float[8000];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / 16000.0));
        }
        GenerationRequest request = request(Mode.FAST).withInputAudio(new DecodedAudio(new float[][] {tone}, 16000),
                0.8);
        float[] first = fast.generate(request, GenerationObserver.NONE).waveforms()[0];
        assertArrayEquals(first, fast.generate(request, GenerationObserver.NONE).waveforms()[0]);
        assertFalse(Arrays.equals(first, fast.generate(request.withMode(Mode.EXACT),
                GenerationObserver.NONE).waveforms()[0]), "the guidance interval changed nothing");
    }

    @Test
    void exactModeIsUntouchedByFastGraphsBesideIt(AudioLdm2Pipeline exactOnly) {
        assertArrayEquals(exactOnly.generate(request(Mode.EXACT), GenerationObserver.NONE).waveforms()[0],
                fast.generate(request(Mode.EXACT), GenerationObserver.NONE).waveforms()[0]);
    }

    @Test
    void aBatchRunsOneMode() {
        List<GenerationPlan> mixed = List.of(fast.plan(request(Mode.EXACT)), fast.plan(request(Mode.FAST)));
        assertThrows(InvalidGenerationRequestException.class, () -> fast.generateBatch(mixed, GenerationObserver.NONE));
        GenerationResult batched = fast.generateBatch(List.of(fast.plan(request(Mode.FAST))), GenerationObserver.NONE)
                .get(0);
        assertArrayEquals(fast.generate(request(Mode.FAST), GenerationObserver.NONE).waveforms()[0],
                batched.waveforms()[0]);
    }
}
