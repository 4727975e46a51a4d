package ai.audioldm2.scheduler;

/** diffusers {@code EulerDiscreteScheduler} (0.42.1) with its defaults: no churn, linear interpolation, final sigma 0. */
final class EulerDiscreteScheduler extends DiscreteSigmaScheduler {

    EulerDiscreteScheduler(SchedulerConfig config, int numSteps) {
        super(config, numSteps, false);
    }

    @Override
    public void step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        Arrays2.requireSameLength(modelOutput, sample);
        float sigma = sigmas[Arrays2.checkIndex(stepIndex, timesteps.length)];
        float vOutputScale = vOutputScale(sigma);
        float vSampleDivisor = vSampleDivisor(sigma);
        float dt = sigmas[stepIndex + 1] - sigma; // s_churn = 0, so sigma_hat = sigma
        for (int i = 0; i < sample.length; i++) {
            float x = sample[i];
            float x0 = predictX0(modelOutput[i], x, sigma, vOutputScale, vSampleDivisor);
            float derivative = (x - x0) / sigma;
            sample[i] = x + derivative * dt;
        }
    }
}
