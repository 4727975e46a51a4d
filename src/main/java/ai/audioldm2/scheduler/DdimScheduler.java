package ai.audioldm2.scheduler;

/**
 * diffusers {@code DDIMScheduler} (0.42.1): {@code set_timesteps} with leading/trailing/linspace spacing and
 * {@code step} with eta, for epsilon, v-prediction and sample prediction, optional x0 clipping. Every
 * intermediate is rounded to float32 in the order torch evaluates the Python expressions.
 */
final class DdimScheduler implements Scheduler {

    private final TrainingSchedule schedule;
    private final SchedulerConfig config;
    private final long[] timesteps;
    private final int stepRatio;
    private final float finalAlphaCumprod;
    private final float eta;
    private final Prediction prediction;
    private float[] varianceNoise;

    DdimScheduler(SchedulerConfig config, int numSteps, double eta) {
        Spacing.requirePositive(numSteps);
        if (!(eta >= 0) || !Double.isFinite(eta)) {
            throw new IllegalArgumentException("eta must be a finite number >= 0, got " + eta);
        }
        int trainSteps = config.numTrainTimesteps();
        if (numSteps > trainSteps) {
            throw new IllegalArgumentException("num_inference_steps " + numSteps + " cannot exceed num_train_timesteps "
                    + trainSteps);
        }
        this.config = config;
        this.prediction = Prediction.of(config);
        this.schedule = TrainingSchedule.of(config);
        this.eta = (float) eta; // torch multiplies the float32 std by eta as a float32 scalar
        this.stepRatio = trainSteps / numSteps;
        this.finalAlphaCumprod = config.setAlphaToOne() == null || config.setAlphaToOne() ? 1.0f : schedule.alphasCumprod[0];
        this.timesteps = Spacing.discrete(config.spacingOr("leading"), trainSteps, numSteps, config.stepsOffset());
    }

    @Override
    public long[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public float initNoiseSigma() {
        return 1.0f;
    }

    @Override
    public void scaleModelInput(float[] sample, int stepIndex) {
        // identity: DDIM does not scale the UNet input
    }

    @Override
    public void step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        Arrays2.requireSameLength(modelOutput, sample);
        long t = timesteps[Arrays2.checkIndex(stepIndex, timesteps.length)];
        long prevT = t - stepRatio;
        float alphaProd = schedule.alphasCumprod[(int) t];
        float alphaProdPrev = prevT >= 0 ? schedule.alphasCumprod[(int) prevT] : finalAlphaCumprod;
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

    @Override
    public void addNoise(float[] originalSamples, float[] noise, long timestep, float[] out) {
        Arrays2.requireSameLength(originalSamples, noise);
        Arrays2.requireSameLength(originalSamples, out);
        if (timestep < 0 || timestep >= schedule.alphasCumprod.length) {
            throw new IllegalArgumentException("timestep " + timestep + " is outside [0, " + schedule.alphasCumprod.length + ")");
        }
        float alphaProd = schedule.alphasCumprod[(int) timestep];
        float sqrtAlpha = F32.sqrt(alphaProd);
        float sqrtOneMinusAlpha = F32.sqrt(1 - alphaProd);
        for (int i = 0; i < out.length; i++) {
            out[i] = sqrtAlpha * originalSamples[i] + sqrtOneMinusAlpha * noise[i];
        }
    }
}
