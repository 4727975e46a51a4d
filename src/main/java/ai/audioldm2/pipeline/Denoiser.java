package ai.audioldm2.pipeline;

import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.GraphRun;
import ai.audioldm2.onnx.InferenceException;
import ai.audioldm2.onnx.LongTensor;
import ai.audioldm2.onnx.Tensors;
import ai.audioldm2.scheduler.NoiseSource;
import ai.audioldm2.scheduler.Scheduler;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * The denoising loop: per step one UNet run over the guidance batch, then {@code uncond + g * (text - uncond)}, then
 * the scheduler step. The UNet's input, timestep and output tensors live over direct buffers made once per run and
 * rewritten each step; the conditioning tensors are built once.
 *
 * <p>Guidance interval (fast mode, Kynkäänniemi et al. 2024): a guided step whose timestep lies outside
 * {@code window} runs the UNet on the positive rows only and takes their prediction as the noise (guidance weight
 * 1), half the UNet batch. Exact mode's window holds every timestep.
 */
record Denoiser(OrtEnvironment env, OrtSession session, GuidanceWindow window) {

    static final String GRAPH = "unet";

    /** The inclusive timestep range [lo, hi] in which classifier-free guidance runs. */
    record GuidanceWindow(long lo, long hi) {
        static final GuidanceWindow EVERY_STEP = new GuidanceWindow(Long.MIN_VALUE, Long.MAX_VALUE);

        boolean contains(long timestep) {
            return lo <= timestep && timestep <= hi;
        }
    }

    /**
     * Denoises {@code latents} (shape {@code latentShape}) in place, running the scheduler's steps from index
     * {@code firstStep} (0, or audio-to-audio's img2img start) to the end.
     */
    void denoise(float[] latents, long[] latentShape, Conditioning conditioning, float guidanceScale,
                 Scheduler scheduler, int firstStep, NoiseSource noise, GenerationObserver observer) {
        float[] everyRow = new float[Math.toIntExact(latentShape[0])];
        Arrays.fill(everyRow, guidanceScale);
        denoise(latents, latentShape, conditioning, everyRow, scheduler, firstStep, noise, observer);
    }

    /**
     * As above with a guidance scale per latent row ({@code guidanceScales[b]} for row b), so that requests batched
     * together ({@link BatchedGeneration}) keep their own scales; the arithmetic per element is the same.
     */
    void denoise(float[] latents, long[] latentShape, Conditioning conditioning, float[] guidanceScales,
                 Scheduler scheduler, int firstStep, NoiseSource noise, GenerationObserver observer) {
        int size = latents.length;
        int rowSize = size / guidanceScales.length;
        int copies = conditioning.guided() ? 2 : 1;
        long[] batchShape = latentShape.clone();
        batchShape[0] *= copies;
        FloatBuffer sampleBuffer = FloatTensor.direct(size * copies);
        FloatBuffer predictionBuffer = FloatTensor.direct(size * copies);
        LongBuffer timestepBuffer = LongTensor.direct(1);
        float[] modelInput = new float[size];
        float[] prediction = new float[size * copies];
        float[] guided = conditioning.guided() ? new float[size] : prediction;
        long[] timesteps = scheduler.timesteps();
        boolean outsideWindow = conditioning.guided() && Arrays.stream(timesteps, firstStep, timesteps.length)
                .anyMatch(t -> !window.contains(t));
        try (OnnxTensor sample = OnnxTensor.createTensor(env, sampleBuffer, batchShape);
             OnnxTensor timestep = OnnxTensor.createTensor(env, timestepBuffer, new long[0]);
             OnnxTensor predicted = OnnxTensor.createTensor(env, predictionBuffer, batchShape);
             GraphRun run = new GraphRun(env, session, GRAPH);
             PositiveRun positive = outsideWindow ? new PositiveRun(latentShape, conditioning, timestep) : null) {
            run.borrowedInput("sample", sample).borrowedInput("timestep", timestep)
                    .input("encoder_hidden_states", conditioning.generatedEmbeds())
                    .input("encoder_hidden_states_1", conditioning.t5Embeds())
                    .input("encoder_attention_mask_1", conditioning.t5Mask());
            Map<String, OnnxTensor> output = Map.of("noise_pred", predicted);
            int total = timesteps.length - firstStep;
            for (int i = firstStep; i < timesteps.length; i++) {
                if (observer.isCancelled()) {
                    throw new GenerationCancelledException("generation cancelled after " + (i - firstStep) + " of "
                            + total + " denoising steps");
                }
                System.arraycopy(latents, 0, modelInput, 0, size);
                scheduler.scaleModelInput(modelInput, i);
                timestepBuffer.put(0, timesteps[i]);
                if (positive != null && !window.contains(timesteps[i])) {
                    scheduler.step(positive.predict(modelInput), i, latents, noise);
                    observer.stepFinished(i - firstStep + 1, total);
                    continue;
                }
                for (int c = 0; c < copies; c++) {
                    sampleBuffer.put(c * size, modelInput);     // absolute puts: the tensor reads from index 0
                }
                run.run(output).close();                        // writes into predictionBuffer
                predictionBuffer.get(0, prediction);
                if (conditioning.guided()) {
                    for (int j = 0; j < size; j++) {
                        float uncond = prediction[j];
                        guided[j] = uncond + guidanceScales[j / rowSize] * (prediction[size + j] - uncond);
                    }
                }
                scheduler.step(guided, i, latents, noise);
                observer.stepFinished(i - firstStep + 1, total);
            }
        } catch (OrtException e) {
            throw new InferenceException("cannot create the UNet's tensors: " + e.getMessage(), e);
        }
    }

    /**
     * The UNet over the positive half of the conditioning (batch = the latent rows), for guided requests' steps
     * outside the window; shares the loop's timestep tensor.
     */
    private final class PositiveRun implements AutoCloseable {
        private final FloatBuffer sampleBuffer;
        private final FloatBuffer predictionBuffer;
        private final OnnxTensor sample;
        private final OnnxTensor predicted;
        private final GraphRun run;
        private final Map<String, OnnxTensor> output;
        private final float[] prediction;

        PositiveRun(long[] latentShape, Conditioning conditioning, OnnxTensor timestep) throws OrtException {
            int size = Math.toIntExact(Tensors.elementCount(latentShape));
            int rows = Math.toIntExact(latentShape[0]);
            sampleBuffer = FloatTensor.direct(size);
            predictionBuffer = FloatTensor.direct(size);
            prediction = new float[size];
            sample = OnnxTensor.createTensor(env, sampleBuffer, latentShape);
            predicted = OnnxTensor.createTensor(env, predictionBuffer, latentShape);
            output = Map.of("noise_pred", predicted);
            run = new GraphRun(env, session, GRAPH).borrowedInput("sample", sample).borrowedInput("timestep", timestep)
                    .input("encoder_hidden_states", conditioning.generatedEmbeds().lastRows(rows))
                    .input("encoder_hidden_states_1", conditioning.t5Embeds().lastRows(rows))
                    .input("encoder_attention_mask_1", conditioning.t5Mask().lastRows(rows));
        }

        /** The positive prediction for this step's scaled model input (the timestep is already set). */
        float[] predict(float[] modelInput) {
            sampleBuffer.put(0, modelInput);
            run.run(output).close();
            predictionBuffer.get(0, prediction);
            return prediction;
        }

        @Override
        public void close() {
            run.close();
            sample.close();
            predicted.close();
        }
    }
}
