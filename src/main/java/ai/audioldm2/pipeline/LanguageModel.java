package ai.audioldm2.pipeline;

import ai.audioldm2.bundle.ModelConfig;
import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.GraphRun;
import ai.audioldm2.onnx.LongTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import java.util.Arrays;

/**
 * GPT-2 of AudioLDM2 (diffusers' generate_language_model): generates max_new_tokens hidden states, each fed back as
 * the next input embedding, with an explicit KV cache. Run 0 is the prefill over the whole projected sequence with an
 * empty past; every later run feeds one state and the previous run's presents.
 *
 * <p>Three details each give a silently wrong answer when missed (shown in gpt2-clap-onnx-findings): positions are
 * {@code past_len + arange(S)} regardless of padding; the mask is always full length (past + new); and the previous
 * {@link OrtSession.Result} stays open until the next run has consumed its present tensors.
 */
final class LanguageModel {

    static final String GRAPH = "gpt2";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelConfig.Gpt2 shape;
    private final int maxNewTokens;

    LanguageModel(OrtEnvironment env, OrtSession session, ModelConfig.Gpt2 shape, int maxNewTokens) {
        this.env = env;
        this.session = session;
        this.shape = shape;
        this.maxNewTokens = maxNewTokens;
    }

    /** (B, S0, H) input sequence and its (B, S0) mask → the generated (B, max_new_tokens, H) states. */
    FloatTensor generate(FloatTensor inputsEmbeds, LongTensor attentionMask) {
        int rows = inputsEmbeds.dim(0);
        int prefill = inputsEmbeds.dim(1);
        int hidden = shape.hidden();
        float[] generated = new float[rows * maxNewTokens * hidden];
        FloatTensor next = inputsEmbeds;
        OrtSession.Result previous = null;
        try {
            for (int step = 0; step < maxNewTokens; step++) {
                int past = step == 0 ? 0 : prefill + step - 1;
                int length = next.dim(1);
                OrtSession.Result result;
                try (GraphRun run = new GraphRun(env, session, GRAPH)) {
                    run.input("inputs_embeds", next)
                            .input("attention_mask", grownMask(attentionMask, step))
                            .input("position_ids", positions(rows, past, length));
                    for (int layer = 0; layer < shape.layers(); layer++) {
                        if (previous == null) {
                            long[] empty = {rows, shape.heads(), 0, shape.headDim()};
                            run.emptyInput("past_key_" + layer, empty).emptyInput("past_value_" + layer, empty);
                        } else {
                            run.borrowedInput("past_key_" + layer, run.output(previous, "present_key_" + layer))
                                    .borrowedInput("past_value_" + layer, run.output(previous, "present_value_" + layer));
                        }
                    }
                    result = run.run();
                    try {
                        next = lastState(FloatTensor.of(run.output(result, "last_hidden_state")));
                    } catch (RuntimeException e) {
                        result.close();
                        throw e;
                    }
                }
                if (previous != null) {
                    previous.close();
                }
                previous = result;
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(next.data(), r * hidden, generated, (r * maxNewTokens + step) * hidden, hidden);
                }
            }
        } finally {
            if (previous != null) {
                previous.close();
            }
        }
        return new FloatTensor(generated, new long[] {rows, maxNewTokens, hidden});
    }

    /** The last position's state of each row, shaped (B, 1, H) to be the next input. */
    private static FloatTensor lastState(FloatTensor states) {
        int rows = states.dim(0);
        int length = states.dim(1);
        int hidden = states.dim(2);
        float[] out = new float[rows * hidden];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(states.data(), ((r + 1) * length - 1) * hidden, out, r * hidden, hidden);
        }
        return new FloatTensor(out, new long[] {rows, 1, hidden});
    }

    /** The projection mask followed by one column of ones per generated state: full length, past + new. */
    private static LongTensor grownMask(LongTensor mask, int extra) {
        int rows = mask.dim(0);
        int length = mask.dim(1);
        int grown = length + extra;
        long[] out = new long[rows * grown];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(mask.data(), r * length, out, r * grown, length);
            Arrays.fill(out, r * grown + length, (r + 1) * grown, 1L);
        }
        return new LongTensor(out, new long[] {rows, grown});
    }

    private static LongTensor positions(int rows, int past, int length) {
        long[] out = new long[rows * length];
        for (int i = 0; i < out.length; i++) {
            out[i] = past + i % length;
        }
        return new LongTensor(out, new long[] {rows, length});
    }
}
