package ai.audioldm2.pipeline;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batched generation on the tiny bundle: every item's waveform equals the same request run alone. Items differ in
 * prompt (and so T5 length), negative prompt, seed and guidance scale; the stochastic schedulers check that each
 * item's scheduler noise comes from its own generator.
 */
@ExtendWith(TinyPipeline.class)
class BatchedGenerationTest {

    /**
     * Batching can change only the float summation order inside ONNX Runtime's kernels. Measured here (CPU, ORT
     * 1.30): 0, bit-identical, for every case below ({@link #maxError} prints it). 1e-6 leaves room for kernels
     * that tile by batch size, far below 16-bit PCM's step (3e-5), and still catches a batch that applies one
     * item's guidance scale to another: on this bundle (peak 0.18) that moves the waveform by 5e-6 to 1e-5
     * (measured by breaking the per-row scale on purpose).
     */
    private static final float WAVEFORM_TOLERANCE = 1e-6f;

    private static AudioLdm2Pipeline pipeline;
    private static double duration;

    @BeforeAll
    static void load(AudioLdm2Pipeline shared) {
        pipeline = shared;
        duration = pipeline.info().minDurationSeconds() * 3;
    }

    private static GenerationRequest request(String prompt, String negative, double guidance, long seed,
                                             String scheduler, double eta) {
        return new GenerationRequest(List.of(prompt), negative == null ? null : List.of(negative), duration, 4,
                guidance, seed, scheduler, eta, 1);
    }

    private static List<GenerationRequest> mixedItems(String scheduler, double eta, double... guidance) {
        String[] prompts = {"A dog barks.", "rain on a tin roof, then thunder far away over the hills", "Birds."};
        String[] negatives = {null, "low quality", "noise, hiss and hum"};
        return java.util.stream.IntStream.range(0, guidance.length).mapToObj(i -> request(prompts[i % 3],
                negatives[i % 3], guidance[i], 1000L * i + 7, scheduler, eta)).toList();
    }

    /** Runs the batch and each item alone; returns the largest |batched - alone| over all samples. */
    private static float maxError(List<GenerationRequest> items) {
        List<GenerationResult> batched = pipeline.generateBatch(items.stream().map(pipeline::plan).toList(),
                GenerationObserver.NONE);
        assertEquals(items.size(), batched.size());
        float worst = 0;
        for (int i = 0; i < items.size(); i++) {
            float[] alone = pipeline.generate(items.get(i), GenerationObserver.NONE).waveforms()[0];
            float[] together = batched.get(i).waveforms()[0];
            assertEquals(alone.length, together.length);
            assertEquals(items.get(i).seed(), batched.get(i).seed());
            for (int s = 0; s < alone.length; s++) {
                worst = Math.max(worst, Math.abs(alone[s] - together[s]));
            }
        }
        System.out.printf("batched vs alone, %s: max |error| %.3g%n", items.get(0).scheduler(), worst);
        return worst;
    }

    @Test
    void guidedItemsWithTheirOwnPromptsSeedsAndScalesEqualTheirLoneRuns() {
        assertTrue(maxError(mixedItems("ddim", 0.0, 2.5, 7.0, 3.5)) <= WAVEFORM_TOLERANCE);
    }

    @Test
    void unguidedItemsEqualTheirLoneRuns() {
        assertTrue(maxError(mixedItems("dpm++2m", 0.0, 1.0, 1.0)) <= WAVEFORM_TOLERANCE);
    }

    @Test
    void schedulerNoiseComesFromEachItemsOwnGenerator() {
        assertTrue(maxError(mixedItems("euler-ancestral", 0.0, 2.5, 4.0, 3.0)) <= WAVEFORM_TOLERANCE);
        assertTrue(maxError(mixedItems("ddim", 1.0, 2.5, 4.0)) <= WAVEFORM_TOLERANCE);
    }

    @Test
    void theItemsReallyDiffer() {
        // guards the equality tests against a batch that ignores per-item inputs: same prompt, different seeds
        List<GenerationResult> batched = pipeline.generateBatch(Stream.of(
                request("A dog barks.", null, 2.5, 1, "ddim", 0), request("A dog barks.", null, 2.5, 2, "ddim", 0))
                .map(pipeline::plan).toList(), GenerationObserver.NONE);
        assertNotEquals(batched.get(0).waveforms()[0][100], batched.get(1).waveforms()[0][100]);
    }

    @Test
    void refusesRequestsOfDifferentShapes() {
        InvalidGenerationRequestException e = assertThrows(InvalidGenerationRequestException.class,
                () -> pipeline.generateBatch(Stream.of(request("a", null, 2.5, 1, "ddim", 0),
                        request("b", null, 1.0, 1, "ddim", 0)).map(pipeline::plan).toList(), GenerationObserver.NONE));
        assertEquals("requests", e.field());
    }
}
