package ai.audioldm2.scheduler;

/**
 * diffusers {@code EulerAncestralDiscreteScheduler} (0.42.1): an Euler step down to sigma_down, then fresh noise
 * times sigma_up, drawn every step as {@code randn_tensor(model_output.shape, generator=generator)}.
 */
final class EulerAncestralDiscreteScheduler extends DiscreteSigmaScheduler {

    private float[] stepNoise;

    EulerAncestralDiscreteScheduler(SchedulerConfig config, int numSteps) {
        super(config, numSteps, false);
        if (prediction == Prediction.SAMPLE) {
            throw new IllegalArgumentException("euler-ancestral does not support prediction_type sample (as in diffusers)");
        }
    }

    @Override
    public void step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        Arrays2.requireSameLength(modelOutput, sample);
        if (noise == null) {
            throw new IllegalArgumentException("euler-ancestral needs a NoiseSource");
        }
        float sigmaFrom = sigmas[Arrays2.checkIndex(stepIndex, timesteps.length)];
        float sigmaTo = sigmas[stepIndex + 1];
        float sigmaFromSquared = sigmaFrom * sigmaFrom;
        float sigmaToSquared = sigmaTo * sigmaTo;
        float sigmaUp = F32.sqrt(sigmaToSquared * (sigmaFromSquared - sigmaToSquared) / sigmaFromSquared);
        float sigmaDown = F32.sqrt(sigmaToSquared - sigmaUp * sigmaUp);
        float dt = sigmaDown - sigmaFrom;
        float vOutputScale = vOutputScale(sigmaFrom);
        float vSampleDivisor = vSampleDivisor(sigmaFrom);
        for (int i = 0; i < sample.length; i++) {
            float x = sample[i];
            float x0 = predictX0(modelOutput[i], x, sigmaFrom, vOutputScale, vSampleDivisor);
            float derivative = (x - x0) / sigmaFrom;
            sample[i] = x + derivative * dt;
        }
        if (stepNoise == null || stepNoise.length != sample.length) {
            stepNoise = new float[sample.length];
        }
        noise.fillNormal(stepNoise);
        for (int i = 0; i < sample.length; i++) {
            sample[i] = sample[i] + stepNoise[i] * sigmaUp;
        }
    }
}
