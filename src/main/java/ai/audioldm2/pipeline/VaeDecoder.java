package ai.audioldm2.pipeline;

import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.GraphRun;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/** VAE decoder (post_quant_conv + decoder): latents → log-mel spectrogram (B, 1, T, F). */
final class VaeDecoder {

    static final String GRAPH = "vae_decoder";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final float inverseScalingFactor;

    VaeDecoder(OrtEnvironment env, OrtSession session, double scalingFactor) {
        this.env = env;
        this.session = session;
        // diffusers: 1 / scaling_factor * latents; torch multiplies a float32 tensor by the scalar rounded to float32
        this.inverseScalingFactor = (float) (1.0 / scalingFactor);
    }

    FloatTensor decode(float[] latents, long[] shape) {
        float[] scaled = new float[latents.length];
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] = latents[i] * inverseScalingFactor;
        }
        try (GraphRun run = new GraphRun(env, session, GRAPH)) {
            return run.input("latents", new FloatTensor(scaled, shape)).runFloat("mel");
        }
    }
}
