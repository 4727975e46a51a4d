package ai.audioldm2.pipeline;

import ai.audioldm2.bundle.ModelBundle;
import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.LongTensor;
import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.onnx.SessionFactory;
import ai.audioldm2.pipeline.Denoiser.GuidanceWindow;
import ai.audioldm2.random.TorchGenerator;
import ai.audioldm2.scheduler.NoiseSource;
import ai.audioldm2.scheduler.Scheduler;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The Denoiser's guidance interval on the tiny UNet: a step outside the window must be the UNet on the positive
 * rows alone with its prediction as the noise, which is exactly an unguided run on the positive conditioning; a
 * step inside must be today's guided step.
 */
class GuidanceIntervalTest {

    private static final float SCALE = 3.5f;

    private static AudioLdm2Pipeline pipeline;
    private static SessionFactory factory;
    private static OrtSession unet;
    private static Conditioning guided;
    private static Conditioning positive;
    private static float[] initial;
    private static GenerationPlan plan;

    @BeforeAll
    static void captureConditioning() {
        pipeline = AudioLdm2Pipeline.load(TinyBundle.DIR, RuntimeOptions.cpuDefaults());
        factory = SessionFactory.create(RuntimeOptions.cpuDefaults());
        unet = factory.open(ModelBundle.open(TinyBundle.DIR), Denoiser.GRAPH);
        CapturingSink sink = new CapturingSink();
        pipeline.generate(plan(), GenerationObserver.NONE, sink);
        FloatTensor gpt2 = floats(sink, "gpt2_embeds");
        FloatTensor t5 = floats(sink, "t5_embeds");
        LongTensor mask = new LongTensor(sink.captured.get("t5_mask").longs(), sink.captured.get("t5_mask").shape());
        guided = new Conditioning(gpt2, t5, mask, true);
        positive = new Conditioning(gpt2.lastRows(1), t5.lastRows(1), mask.lastRows(1), false);
        initial = sink.captured.get("initial_latents").floats();
        plan = plan();
    }

    @AfterAll
    static void close() {
        SessionFactory.closeQuietly(unet);
        pipeline.close();
    }

    private static GenerationPlan plan() {
        return pipeline.plan(GenerationRequest.of("A dog barks.", "noise", 0.5, 10, SCALE, 7, "ddim"));
    }

    private static FloatTensor floats(CapturingSink sink, String name) {
        return new FloatTensor(sink.captured.get(name).floats(), sink.captured.get(name).shape());
    }

    /** The model outputs the scheduler was handed, step by step, and the final latents. */
    private record Run(List<float[]> outputs, float[] latents) {
    }

    private static Run denoise(GuidanceWindow window, Conditioning conditioning) {
        Recording scheduler = new Recording(plan().scheduler());
        float[] latents = initial.clone();
        new Denoiser(factory.environment(), unet, window).denoise(latents, plan.latentShape(), conditioning,
                SCALE, scheduler, 0, new TorchGenerator(7), GenerationObserver.NONE);
        return new Run(scheduler.outputs, latents);
    }

    @Test
    void outsideTheWindowTheUnetRunsOnThePositiveRowsAndItsPredictionIsTheNoise() {
        Run noGuidedStep = denoise(new GuidanceWindow(2000, 3000), guided);
        Run unguided = denoise(GuidanceWindow.EVERY_STEP, positive);
        assertArrayEquals(unguided.latents(), noGuidedStep.latents());
    }

    @Test
    void insideTheWindowTheStepIsGuidedAsInExactMode() {
        assertArrayEquals(denoise(GuidanceWindow.EVERY_STEP, guided).latents(),
                denoise(new GuidanceWindow(0, 1000), guided).latents());
    }

    @Test
    void theWindowIsInclusiveAndDecidesStepByStep() {
        long[] t = plan.scheduler().timesteps();     // ddim, 10 leading steps: 901, 801, ..., 1 (descending)
        Run mixed = denoise(new GuidanceWindow(t[8], t[1]), guided);
        assertEquals(t.length, mixed.outputs().size());
        assertArrayEquals(denoise(GuidanceWindow.EVERY_STEP, positive).outputs().get(0), mixed.outputs().get(0),
                "step 0 lies outside the window: positive rows only");
        assertFalse(Arrays.equals(denoise(GuidanceWindow.EVERY_STEP, guided).outputs().get(0),
                mixed.outputs().get(0)));
        // each run below agrees with mixed up to the step in question, so a different output there means that
        // mixed guided it
        assertFalse(Arrays.equals(denoise(new GuidanceWindow(t[8], t[1] - 1), guided).outputs().get(1),
                mixed.outputs().get(1)), "hi is inclusive");
        assertFalse(Arrays.equals(denoise(new GuidanceWindow(t[8] + 1, t[1]), guided).outputs().get(8),
                mixed.outputs().get(8)), "lo is inclusive");
        assertFalse(Arrays.equals(denoise(new GuidanceWindow(Long.MIN_VALUE, t[1]), guided).latents(),
                mixed.latents()), "the last step lies outside the window");
    }

    /** A scheduler that keeps a copy of each model output it is handed. */
    private static final class Recording implements Scheduler {
        private final Scheduler delegate;
        private final List<float[]> outputs = new ArrayList<>();

        Recording(Scheduler delegate) {
            this.delegate = delegate;
        }

        @Override
        public long[] timesteps() {
            return delegate.timesteps();
        }

        @Override
        public void scaleModelInput(float[] sample, int stepIndex) {
            delegate.scaleModelInput(sample, stepIndex);
        }

        @Override
        public void step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
            outputs.add(modelOutput.clone());
            delegate.step(modelOutput, stepIndex, sample, noise);
        }

        @Override
        public void addNoise(float[] originalSamples, float[] noise, long timestep, float[] out) {
            delegate.addNoise(originalSamples, noise, timestep, out);
        }
    }
}
