package ai.audioldm2.scheduler;

/**
 * Variance-preserving conversions shared by DPM-Solver and UniPC, in float32 as diffusers computes them:
 * alpha_t = 1 / sqrt(sigma^2 + 1), sigma_t = sigma * alpha_t, lambda = log(alpha_t) - log(sigma_t), and the x0
 * prediction of {@code convert_model_output}.
 */
final class VpMath {

    private VpMath() {
    }

    static float alpha(float sigma) {
        return 1.0f / F32.sqrt(sigma * sigma + 1.0f);
    }

    static float lambda(float sigma) {
        float alpha = alpha(sigma);
        return F32.log(alpha) - F32.log(sigma * alpha);
    }

    /** x0 = (x - sigma_t * eps) / alpha_t, or alpha_t * x - sigma_t * v, or the output itself. */
    static void convertToX0(Prediction prediction, float[] modelOutput, float[] sample, float sigma, float[] x0) {
        float alpha = alpha(sigma);
        float sigmaT = sigma * alpha;
        for (int i = 0; i < x0.length; i++) {
            x0[i] = switch (prediction) {
                case EPSILON -> (sample[i] - sigmaT * modelOutput[i]) / alpha;
                case V_PREDICTION -> alpha * sample[i] - sigmaT * modelOutput[i];
                case SAMPLE -> modelOutput[i];
            };
        }
    }

    /** {@code add_noise}: alpha_t * x + sigma_t * noise at the given sigma. */
    static void addNoise(float sigma, float[] originalSamples, float[] noise, float[] out) {
        Arrays2.requireSameLength(originalSamples, noise);
        Arrays2.requireSameLength(originalSamples, out);
        float alpha = alpha(sigma);
        float sigmaT = sigma * alpha;
        for (int i = 0; i < out.length; i++) {
            out[i] = alpha * originalSamples[i] + sigmaT * noise[i];
        }
    }

    /** The multistep schedulers' {@code index_for_timestep}: an unknown timestep maps to the last step. */
    static int indexForTimestep(long[] timesteps, long timestep) {
        for (long t : timesteps) {
            if (t == timestep) {
                return SigmaSchedules.indexForTimestep(timesteps, timestep);
            }
        }
        return timesteps.length - 1;
    }
}
