package ai.audioldm2.scheduler;

import java.util.function.UnaryOperator;

/**
 * diffusers {@code DDIMScheduler} (0.42.1): {@code set_timesteps} with leading/trailing/linspace spacing and
 * {@code step} with eta, for epsilon, v-prediction and sample prediction, optional x0 clipping. Every
 * intermediate is rounded to float32 in the order torch evaluates the Python expressions.
 */
final class DdimScheduler extends AlphaProductScheduler {

    private final SchedulerConfig config;
    private final float eta;
    private final Prediction prediction;
    private float[] varianceNoise;

    DdimScheduler(SchedulerConfig config, int numSteps, double eta) {
        super(config, numSteps, true, UnaryOperator.identity());
        if (!(eta >= 0) || !Double.isFinite(eta)) {
            throw new IllegalArgumentException("eta must be a finite number >= 0, got " + eta);
        }
        this.config = config;
        this.prediction = Prediction.of(config);
        this.eta = (float) eta; // torch multiplies the float32 std by eta as a float32 scalar
    }

    @Override
    public void step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        ArgumentChecks.requireSameLength(modelOutput, sample);
        long t = timesteps[ArgumentChecks.checkIndex(stepIndex, timesteps.length)];
        long prevT = t - stepRatio;
        float alphaProd = alphaProduct(t);
        float alphaProdPrev = alphaProduct(prevT);
        float betaProd = 1 - alphaProd;
        float sqrtAlpha = F32.sqrt(alphaProd);
        float sqrtBeta = F32.sqrt(betaProd);
        float sqrtAlphaPrev = F32.sqrt(alphaProdPrev);
        float variance = ((1 - alphaProdPrev) / betaProd) * (1 - alphaProd / alphaProdPrev);
        float stdDev = eta * F32.sqrt(variance);
        float directionScale = F32.sqrt(1 - alphaProdPrev - stdDev * stdDev);
        boolean clip = config.clipSample() == null || config.clipSample();
        float clipRange = (float) config.clipSampleRange();

        for (int i = 0; i < sample.length; i++) {
            float x = sample[i];
            float out = modelOutput[i];
            float x0;
            float eps;
            switch (prediction) {
                case EPSILON -> {
                    x0 = (x - sqrtBeta * out) / sqrtAlpha;
                    eps = out;
                }
                case V_PREDICTION -> {
                    x0 = sqrtAlpha * x - sqrtBeta * out;
                    eps = sqrtAlpha * out + sqrtBeta * x;
                }
                default -> { // SAMPLE
                    x0 = out;
                    eps = (x - sqrtAlpha * x0) / sqrtBeta;
                }
            }
            if (clip) {
                x0 = Math.min(Math.max(x0, -clipRange), clipRange);
            }
            sample[i] = sqrtAlphaPrev * x0 + directionScale * eps;
        }
        if (eta > 0) {
            if (noise == null) {
                throw new IllegalArgumentException("ddim with eta > 0 needs a NoiseSource for its variance noise");
            }
            if (varianceNoise == null || varianceNoise.length != sample.length) {
                varianceNoise = new float[sample.length];
            }
            // diffusers: randn_tensor(model_output.shape, generator=generator) once per step
            noise.fillNormal(varianceNoise);
            for (int i = 0; i < sample.length; i++) {
                sample[i] = sample[i] + stdDev * varianceNoise[i];
            }
        }
    }
}
