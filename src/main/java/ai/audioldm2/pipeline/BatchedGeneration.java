package ai.audioldm2.pipeline;

import ai.audioldm2.bundle.ModelConfig;
import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.LongTensor;
import ai.audioldm2.onnx.Tensors;
import ai.audioldm2.random.TorchGenerator;
import ai.audioldm2.scheduler.NoiseSource;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Several single-prompt text-to-audio requests of one {@link BatchShape} in one run, each item's audio the audio
 * the same request gets alone:
 * <ul>
 *   <li>each item's text is encoded (CLAP, T5, projection, GPT-2) on its own, exactly as a lone request;</li>
 *   <li>each item has its own {@link TorchGenerator} seeded with its seed: it draws the item's initial latents
 *       (one randn of the item's shape), then the item's slice of every scheduler noise draw, in the order a lone
 *       request draws them;</li>
 *   <li>the denoising loop runs all items in the same UNet calls, rows [negatives..., positives...] as for a
 *       multi-prompt request, and combines each item's guidance with its own scale;</li>
 *   <li>the VAE and the vocoder decode all items in one call each.</li>
 * </ul>
 * Schedulers work element by element, so items meet only inside the graphs. T5 states of different lengths are
 * padded with masked (zero) positions, which the UNet's cross-attention gives zero weight. What batching can
 * change is the float summation order inside ONNX Runtime's kernels; the batch test measures it.
 */
final class BatchedGeneration {

    /** Text encoding and GPT-2 of one request (the pipeline's own, see {@link AudioLdm2Pipeline#generate}). */
    @FunctionalInterface
    interface TextConditioner {
        Conditioning condition(GenerationPlan plan, StageRunner stages, IntermediatesSink sink);
    }

    private final ModelConfig config;
    private final Denoiser denoiser;
    private final VaeDecoder vae;
    private final Vocoder vocoder;
    private final TextConditioner text;

    BatchedGeneration(ModelConfig config, Denoiser denoiser, VaeDecoder vae, Vocoder vocoder, TextConditioner text) {
        this.config = config;
        this.denoiser = denoiser;
        this.vae = vae;
        this.vocoder = vocoder;
        this.text = text;
    }

    /** Results in request order; text stages are timed per item, the shared stages once for all. */
    List<GenerationResult> run(List<GenerationPlan> plans, GenerationObserver observer) {
        checkOneShape(plans);
        int items = plans.size();
        List<Conditioning> conditionings = new ArrayList<>(items);
        List<Map<Stage, Long>> textNanos = new ArrayList<>(items);
        for (GenerationPlan plan : plans) {
            StageRunner itemStages = new StageRunner(observer);
            conditionings.add(text.condition(plan, itemStages, IntermediatesSink.NONE));
            textNanos.add(itemStages.nanos());
        }
        Conditioning conditioning = stack(conditionings);
        GenerationPlan first = plans.get(0);
        long[] batchShape = first.latentShape().clone();
        batchShape[0] = items;
        int itemSize = Math.toIntExact(Tensors.elementCount(first.latentShape()));
        float[] guidanceScales = new float[items];
        for (int i = 0; i < items; i++) {
            guidanceScales[i] = plans.get(i).guidanceScale();
        }

        StageRunner shared = new StageRunner(observer);
        float[] latents = shared.run(Stage.DENOISING, () -> {
            float[] batch = new float[itemSize * items];
            TorchGenerator[] generators = new TorchGenerator[items];
            for (int i = 0; i < items; i++) {
                generators[i] = new TorchGenerator(plans.get(i).request().seed());
                float[] initial = AudioLdm2Pipeline.prepareLatents(plans.get(i), generators[i]);
                System.arraycopy(initial, 0, batch, i * itemSize, itemSize);
            }
            denoiser.denoise(batch, batchShape, conditioning, guidanceScales, first.scheduler(), 0,
                    slicePerItem(generators), observer);
            return batch;
        });
        FloatTensor mel = shared.run(Stage.VAE_DECODE, () -> vae.decode(latents, batchShape));
        float[][] waveforms = shared.run(Stage.VOCODER, () -> vocoder.vocode(mel, first.waveformSamples()));

        List<GenerationResult> results = new ArrayList<>(items);
        for (int i = 0; i < items; i++) {
            Map<Stage, Long> nanos = new EnumMap<>(Stage.class);
            nanos.putAll(textNanos.get(i));
            nanos.putAll(shared.nanos());
            results.add(new GenerationResult(new float[][] {waveforms[i]}, null, config.samplingRate(),
                    plans.get(i).request().seed(), nanos));
        }
        return results;
    }

    private static void checkOneShape(List<GenerationPlan> plans) {
        if (plans.isEmpty()) {
            throw new InvalidGenerationRequestException("requests", "a batch needs at least one request");
        }
        Optional<BatchShape> shape = BatchShape.of(plans.get(0).request());
        for (GenerationPlan plan : plans) {
            Optional<BatchShape> own = BatchShape.of(plan.request());
            if (own.isEmpty() || !own.equals(shape)) {
                throw new InvalidGenerationRequestException("requests", "batched requests need text-to-audio, one prompt, one "
                        + "waveform and the same shape; got " + own.map(Object::toString).orElse("a multi-row request")
                        + " next to " + shape.map(Object::toString).orElse("a multi-row request"));
            }
        }
    }

    /** A noise draw for the whole batch: each item's slice comes from its own generator, in item order. */
    private static NoiseSource slicePerItem(TorchGenerator[] generators) {
        return out -> {
            int slice = out.length / generators.length;
            float[] part = new float[slice];
            for (int i = 0; i < generators.length; i++) {
                generators[i].fillNormal(part);
                System.arraycopy(part, 0, out, i * slice, slice);
            }
        };
    }

    /**
     * One conditioning for the batch: rows [negative of every item..., positive of every item...] (just the
     * positives without guidance), T5 states and mask padded with zeros to the longest item's length.
     */
    private static Conditioning stack(List<Conditioning> items) {
        boolean guided = items.get(0).guided();
        int length = items.stream().mapToInt(c -> c.t5Mask().dim(1)).max().orElseThrow();
        FloatTensor sample = items.get(0).t5Embeds();
        FloatTensor generatedSample = items.get(0).generatedEmbeds();
        int rows = items.size() * (guided ? 2 : 1);
        float[] generated = new float[rows * generatedSample.rowSize()];
        float[] t5 = new float[rows * length * sample.dim(2)];
        long[] mask = new long[rows * length];
        for (int half = 0; half < (guided ? 2 : 1); half++) {
            for (int i = 0; i < items.size(); i++) {
                Conditioning item = items.get(i);
                int target = half * items.size() + i;
                copyRowPadded(item.generatedEmbeds().data(), item.generatedEmbeds().dim(1), half,
                        generated, generatedSample.dim(1), target, generatedSample.dim(2));
                copyRowPadded(item.t5Embeds().data(), item.t5Embeds().dim(1), half, t5, length, target, sample.dim(2));
                copyRowPadded(item.t5Mask().data(), item.t5Mask().dim(1), half, mask, length, target, 1);
            }
        }
        return new Conditioning(
                new FloatTensor(generated, new long[] {rows, generatedSample.dim(1), generatedSample.dim(2)}),
                new FloatTensor(t5, new long[] {rows, length, sample.dim(2)}),
                new LongTensor(mask, new long[] {rows, length}), guided);
    }

    /**
     * Copies row {@code row} of a (rows, sourceLength, width) array into row {@code targetRow} of a
     * (rows, targetLength, width) one; the positions past sourceLength stay zero. float[] or long[] alike.
     */
    private static void copyRowPadded(Object source, int sourceLength, int row, Object target, int targetLength,
                                      int targetRow, int width) {
        System.arraycopy(source, row * sourceLength * width, target, targetRow * targetLength * width,
                sourceLength * width);
    }
}
