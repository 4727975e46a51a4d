package ai.audioldm2.pipeline;

import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.GraphRun;
import ai.audioldm2.onnx.LongTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import java.util.Arrays;
import java.util.Map;

/**
 * AudioLDM2ProjectionModel: projects CLAP (B, P) and T5 (B, L, D1) into GPT-2's width and frames each with its
 * learned SOS/EOS, giving the language model's input sequence (B, L + 5, H) and mask.
 */
record ProjectionModel(OrtEnvironment env, OrtSession session) {

    static final String GRAPH = "projection";

    /** GPT-2 input sequence and its attention mask. */
    record Projected(FloatTensor hiddenStates, LongTensor attentionMask) {
    }

    Projected project(FloatTensor clapEmbeds, FloatTensor t5Embeds, LongTensor t5Mask) {
        int rows = clapEmbeds.dim(0);
        // diffusers: prompt_embeds[:, None, :] and attention_mask.new_ones((batch_size, 1))
        FloatTensor clapSequence = new FloatTensor(clapEmbeds.data(), new long[] {rows, 1, clapEmbeds.dim(1)});
        long[] ones = new long[rows];
        Arrays.fill(ones, 1L);
        try (GraphRun run = new GraphRun(env, session, GRAPH)) {
            Map.Entry<FloatTensor, LongTensor> out = run.input("clap_embeds", clapSequence)
                    .input("clap_mask", new LongTensor(ones, new long[] {rows, 1}))
                    .input("t5_embeds", t5Embeds).input("t5_mask", t5Mask)
                    .runFloatAndLong("hidden_states", "attention_mask");
            return new Projected(out.getKey(), out.getValue());
        }
    }
}
