package ai.audioldm2.pipeline;

import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.GraphRun;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/** VAE encoder (encoder + quant_conv): log-mel (B, 1, T, F) → the posterior's mean and logvar (clamped in the graph). */
record VaeEncoder(OrtEnvironment env, OrtSession session) {

    static final String GRAPH = "vae_encoder";

    record Posterior(FloatTensor mean, FloatTensor logvar) {
    }

    Posterior encode(FloatTensor mel) {
        try (GraphRun run = new GraphRun(env, session, GRAPH).input("mel", mel);
             OrtSession.Result result = run.run()) {
            return new Posterior(FloatTensor.of(run.output(result, "mean")),
                    FloatTensor.of(run.output(result, "logvar")));
        }
    }
}
