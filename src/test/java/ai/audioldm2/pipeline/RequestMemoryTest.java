package ai.audioldm2.pipeline;

import ai.audioldm2.bundle.BundleManifest;
import ai.audioldm2.bundle.ModelBundle;
import ai.audioldm2.bundle.ModelConfig;
import ai.audioldm2.bundle.TinyBundle;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-request memory estimate of issue 14, defect 2, on the tiny bundle and on diffusers' test geometry. */
class RequestMemoryTest {

    private static final long GB = 1L << 30;
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private static final BundleManifest TINY_MANIFEST = ModelBundle.manifestOf(TinyBundle.DIR);
    private static final ModelConfig TINY = TINY_MANIFEST.config();

    /** diffusers' test pipeline as `--random-weights diffusers-tests` exports it: 4 samples per mel frame. */
    private static final ModelConfig DIFFUSERS_TESTS = config("""
            {"sampling_rate": 16000, "vocoder_hop": 4, "mel_bins": 8, "vae_scale_factor": 2,
             "vae_scaling_factor": 0.18215, "latent_channels": 4, "max_new_tokens": 8,
             "gpt2": {"layers": 1, "heads": 1, "head_dim": 16, "hidden": 16}, "clap_max_length": 77,
             "t5_max_length": 77, "clap_pad_id": 1, "t5_pad_id": 0, "t5_eos_id": 1,
             "geometry": {"unet": {"block_out_channels": [8, 16], "self_attention_heads": [0, 8],
                                   "mid_self_attention_heads": 8},
                          "vae_decoder": {"block_out_channels": [8, 16], "mid_self_attention_heads": 1},
                          "vocoder": {"upsample_initial_channel": 16, "upsample_rates": [2, 2]}}}""");

    private static ModelConfig config(String json) {
        try {
            return JSON.readValue(json, ModelConfig.class);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static int frames(ModelConfig config, double seconds) {
        return GenerationPlan.melFramesOf(seconds, config);
    }

    @Test
    void growsWithDurationRowsAndGuidance() {
        for (ModelConfig config : List.of(TINY, DIFFUSERS_TESTS)) {
            RequestMemory memory = new RequestMemory(config, Long.MAX_VALUE);
            long previous = 0;
            for (int frames = config.vaeScaleFactor(); frames <= 20_000; frames += config.vaeScaleFactor()) {
                long estimate = memory.estimate(1, true, frames);
                assertTrue(estimate >= previous, frames + " frames: " + estimate + " < " + previous);
                previous = estimate;
                if (frames % 1000 == 0) {
                    assertTrue(memory.estimate(2, true, frames) > estimate, frames + " frames: 2 rows");
                    assertTrue(memory.estimate(1, false, frames) <= estimate, frames + " frames: guidance");
                }
            }
        }
    }

    @Test
    void diffusersTestGeometryAtFiveSecondsIsFarOverAFewGigabytes() {
        RequestMemory memory = new RequestMemory(DIFFUSERS_TESTS, 4 * GB);
        assertEquals(20_000, frames(DIFFUSERS_TESTS, 5.0));    // 10,000 latent rows
        long estimate = memory.estimate(1, true, frames(DIFFUSERS_TESTS, 5.0));
        // the issue saw the JVM reach 21 GB before the kernel killed it
        assertTrue(estimate > 21 * GB, estimate + " bytes");
        assertTrue(memory.estimate(1, false, frames(DIFFUSERS_TESTS, 5.0)) < estimate, "guidance doubles the UNet's batch");
        InvalidGenerationRequestException refused = assertThrows(InvalidGenerationRequestException.class,
                () -> memory.check(5.0, 1, true, frames(DIFFUSERS_TESTS, 5.0)));
        assertEquals("duration", refused.field());
        assertTrue(refused.getMessage().contains("the largest duration this model allows at these settings is 1.97 s"),
                refused.getMessage());
    }

    @Test
    void theLargestDurationFitsAndTheNextHundredthDoesNot() {
        for (ModelConfig config : List.of(TINY, DIFFUSERS_TESTS)) {
            for (long budget : new long[] {300L << 20, GB, 4 * GB}) {
                RequestMemory memory = new RequestMemory(config, budget);
                for (long rows : new long[] {1, 3}) {
                    for (boolean guided : new boolean[] {true, false}) {
                        double largest = memory.maxDurationSeconds(rows, guided).orElseThrow();
                        String at = config.vocoderHop() + " hop, " + budget + " B, " + rows + " rows, " + guided;
                        assertTrue(memory.estimate(rows, guided, frames(config, largest)) <= budget, at);
                        // the double that JSON's next hundredth parses to
                        double next = new BigDecimal(String.valueOf(largest)).add(new BigDecimal("0.01")).doubleValue();
                        assertTrue(memory.estimate(rows, guided, frames(config, next)) > budget, at);
                    }
                }
            }
        }
    }

    @Test
    void noDurationFitsABudgetBelowOneLatentFrame() {
        RequestMemory memory = new RequestMemory(TINY, 1 << 20);
        assertTrue(memory.maxDurationSeconds(1, true).isEmpty());
        assertEquals(0.0, memory.servedMaxDurationSeconds(30.0, true));
        InvalidGenerationRequestException refused = assertThrows(InvalidGenerationRequestException.class,
                () -> memory.check(1.0, 1, true, frames(TINY, 1.0)));
        assertTrue(refused.getMessage().contains("no duration fits at these settings"), refused.getMessage());
    }

    @Test
    void aManifestWithoutGeometryGetsAConservativeEstimate() throws IOException {
        ObjectNode tree = (ObjectNode) JSON.valueToTree(TINY);
        tree.remove("geometry");
        ModelConfig older = JSON.treeToValue(tree, ModelConfig.class);
        assertNull(older.geometry());
        RequestMemory withGeometry = new RequestMemory(TINY, Long.MAX_VALUE);
        RequestMemory conservative = new RequestMemory(older, Long.MAX_VALUE);
        for (double seconds : new double[] {0.1, 1, 10, 30}) {
            assertTrue(conservative.estimate(1, true, frames(TINY, seconds))
                    > withGeometry.estimate(1, true, frames(TINY, seconds)), seconds + " s");
        }
    }

    @Test
    void aConfiguredBudgetWinsAndTheDefaultLeavesRoomForTheModel() {
        assertEquals(64L << 20, RequestMemory.budget(64L << 20, TINY_MANIFEST, false));
        long physical = ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        assertEquals(Math.max(0, physical / 2 - RequestMemory.modelBytes(TINY_MANIFEST, false)),
                RequestMemory.budget(0, TINY_MANIFEST, false), (double) (1 << 20));
    }
}
