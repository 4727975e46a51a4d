package ai.audioldm2.pipeline;

import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.GraphRun;
import ai.audioldm2.text.TokenBatch;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/** Flan-T5 encoder: token ids → hidden states (B, L, D1), what the UNet's second cross-attention reads. */
record T5Encoder(OrtEnvironment env, OrtSession session) {

    static final String GRAPH = "t5_encoder";

    FloatTensor encode(TokenBatch tokens) {
        try (GraphRun run = new GraphRun(env, session, GRAPH)) {
            return run.input("input_ids", tokens.ids()).input("attention_mask", tokens.mask())
                    .runFloat("last_hidden_state");
        }
    }
}
