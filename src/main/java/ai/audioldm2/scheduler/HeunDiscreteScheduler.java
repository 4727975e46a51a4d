package ai.audioldm2.scheduler;

/**
 * diffusers {@code HeunDiscreteScheduler} (0.42.1): two UNet calls per solver step (timesteps and sigmas
 * interleaved). Even step indices take an Euler step and remember it; odd ones average the two derivatives and
 * redo the step from the remembered sample.
 */
final class HeunDiscreteScheduler extends DiscreteSigmaScheduler {

    private final boolean clip;
    private final float clipRange;
    private float[] firstDerivative;
    private float[] firstSample;
    private float firstDt;
    private final StepOrder order = new StepOrder();

    HeunDiscreteScheduler(SchedulerConfig config, int numSteps) {
        super(config, numSteps, true);
        this.clip = Boolean.TRUE.equals(config.clipSample()); // Heun's default is no clipping
        this.clipRange = (float) config.clipSampleRange();
    }

    @Override
    public int order() {
        return 2;
    }

    @Override
    public void step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        Arrays2.requireSameLength(modelOutput, sample);
        Arrays2.checkIndex(stepIndex, timesteps.length);
        order.accept(stepIndex, "heun");
        boolean firstOrder = stepIndex % 2 == 0; // even indices start a solver step, odd ones correct it
        if (firstDerivative == null || firstDerivative.length != sample.length) {
            firstDerivative = new float[sample.length];
            firstSample = new float[sample.length];
        }
        // the x0 prediction uses sigma_hat = sigmas[i] in the first stage and sigma_next = sigmas[i] in the second
        float sigmaInput = sigmas[stepIndex];
        float vOutputScale = vOutputScale(sigmaInput);
        float vSampleDivisor = vSampleDivisor(sigmaInput);
        if (firstOrder) {
            float dt = sigmas[stepIndex + 1] - sigmaInput;
            for (int i = 0; i < sample.length; i++) {
                float x = sample[i];
                float derivative = (x - x0(modelOutput[i], x, sigmaInput, vOutputScale, vSampleDivisor)) / sigmaInput;
                firstDerivative[i] = derivative;
                firstSample[i] = x;
                sample[i] = x + derivative * dt;
            }
            firstDt = dt;
        } else {
            for (int i = 0; i < sample.length; i++) {
                float x = sample[i];
                float derivative = (x - x0(modelOutput[i], x, sigmaInput, vOutputScale, vSampleDivisor)) / sigmaInput;
                float averaged = (firstDerivative[i] + derivative) / 2;
                sample[i] = firstSample[i] + averaged * firstDt;
            }
        }
    }

    private float x0(float modelOutput, float sample, float sigma, float vOutputScale, float vSampleDivisor) {
        float x0 = predictX0(modelOutput, sample, sigma, vOutputScale, vSampleDivisor);
        return clip ? Math.min(Math.max(x0, -clipRange), clipRange) : x0;
    }
}
