package ai.audioldm2.scheduler;

/**
 * What diffusers' k-diffusion style schedulers (Euler, Euler ancestral, Heun, LMS) share: the timestep
 * selection of their {@code set_timesteps}, sigmas taken from the float32 training sigmas at those timesteps
 * with a final 0, {@code init_noise_sigma}, the input scaling 1/sqrt(sigma^2 + 1), the x0 prediction and
 * {@code add_noise} as x + noise * sigma.
 */
abstract class DiscreteSigmaScheduler implements SigmaScheduler {

    protected final Prediction prediction;
    protected final long[] timesteps;
    /** float32 sigma per timestep, then the final sigma 0. */
    protected final float[] sigmas;
    private final float initNoiseSigma;

    /**
     * @param interleave Heun's layout: every timestep and sigma after the first repeated once
     */
    protected DiscreteSigmaScheduler(SchedulerConfig config, int numSteps, boolean interleave) {
        Spacing.requirePositive(numSteps);
        this.prediction = Prediction.of(config);
        String spacing = config.spacingOr("linspace");
        long[] selected = selectTimesteps(config, numSteps, spacing);
        float[] trainingSigmas = TrainingSchedule.of(config).sigmas();
        float[] selectedSigmas = new float[selected.length + 1];
        for (int i = 0; i < selected.length; i++) {
            selectedSigmas[i] = (float) SigmaSchedules.interpolateAtInteger(trainingSigmas, selected[i]);
        }
        this.timesteps = interleave ? interleaveTimesteps(selected) : selected;
        this.sigmas = interleave ? interleaveSigmas(selectedSigmas) : selectedSigmas;
        float maxSigma = 0;
        for (float s : sigmas) {
            maxSigma = Math.max(maxSigma, s);
        }
        // leading spacing starts below the noisiest training step, so the prior is scaled like a DDPM sample
        this.initNoiseSigma = "leading".equals(spacing) ? F32.sqrt(maxSigma * maxSigma + 1) : maxSigma;
    }

    private static long[] selectTimesteps(SchedulerConfig config, int numSteps, String spacing) {
        int trainSteps = config.numTrainTimesteps();
        if (!"linspace".equals(spacing)) {
            return Spacing.discrete(spacing, trainSteps, numSteps, config.stepsOffset());
        }
        // np.linspace(0, T - 1, N, dtype=np.float32): used unrounded by these schedulers
        double[] values = Spacing.linspace(0, trainSteps - 1, numSteps);
        long[] out = new long[numSteps];
        for (int i = 0; i < numSteps; i++) {
            float t = (float) values[numSteps - 1 - i];
            if (t != Math.rint(t)) {
                throw new IllegalArgumentException("timestep_spacing linspace with " + numSteps + " steps over "
                        + trainSteps + " training steps gives fractional timesteps (e.g. " + t
                        + "), which an integer-timestep UNet cannot take; use leading or trailing spacing");
            }
            out[i] = (long) t;
        }
        return out;
    }

    /** {@code cat([t[:1], t[1:].repeat_interleave(2)])}. */
    private static long[] interleaveTimesteps(long[] values) {
        long[] out = new long[2 * values.length - 1];
        out[0] = values[0];
        for (int i = 1; i < values.length; i++) {
            out[2 * i - 1] = values[i];
            out[2 * i] = values[i];
        }
        return out;
    }

    /** {@code cat([s[:1], s[1:-1].repeat_interleave(2), s[-1:]])}. */
    private static float[] interleaveSigmas(float[] values) {
        float[] out = new float[2 * values.length - 2];
        out[0] = values[0];
        for (int i = 1; i < values.length - 1; i++) {
            out[2 * i - 1] = values[i];
            out[2 * i] = values[i];
        }
        out[out.length - 1] = values[values.length - 1];
        return out;
    }

    @Override
    public long[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public float[] sigmas() {
        return sigmas.clone();
    }

    @Override
    public float initNoiseSigma() {
        return initNoiseSigma;
    }

    @Override
    public void scaleModelInput(float[] sample, int stepIndex) {
        float sigma = sigmas[Arrays2.checkIndex(stepIndex, timesteps.length)];
        float scale = F32.sqrt(sigma * sigma + 1);
        for (int i = 0; i < sample.length; i++) {
            sample[i] = sample[i] / scale;
        }
    }

    /** x0 from the model output at noise level {@code sigma}, as {@code pred_original_sample}. */
    protected final float predictX0(float modelOutput, float sample, float sigma, float vOutputScale, float vSampleDivisor) {
        return switch (prediction) {
            case EPSILON -> sample - sigma * modelOutput;
            case V_PREDICTION -> modelOutput * vOutputScale + sample / vSampleDivisor;
            case SAMPLE -> modelOutput;
        };
    }

    /** -sigma / sqrt(sigma^2 + 1): the v-prediction output factor (float32, torch order). */
    protected static float vOutputScale(float sigma) {
        return -sigma / F32.sqrt(sigma * sigma + 1);
    }

    /** sigma^2 + 1: the v-prediction sample divisor. */
    protected static float vSampleDivisor(float sigma) {
        return sigma * sigma + 1;
    }

    @Override
    public void addNoise(float[] originalSamples, float[] noise, long timestep, float[] out) {
        Arrays2.requireSameLength(originalSamples, noise);
        Arrays2.requireSameLength(originalSamples, out);
        float sigma = sigmas[SigmaSchedules.indexForTimestep(timesteps, timestep)];
        for (int i = 0; i < out.length; i++) {
            out[i] = originalSamples[i] + noise[i] * sigma;
        }
    }
}
