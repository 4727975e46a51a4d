package ai.audioldm2.scheduler;

/**
 * The multistep solvers in the log-SNR variable (DPM-Solver++, UniPC), with diffusers' shared
 * {@code set_timesteps}: timesteps chosen among num_train_timesteps + 1 points (leading, linspace) or trailing,
 * or from Karras sigmas; sigmas from the float32 training sigmas with a final 0; an unscaled UNet input; and
 * {@code add_noise} as alpha_t * x + sigma_t * noise.
 */
abstract class SigmaMultistepScheduler implements SigmaScheduler {

    protected final Prediction prediction;
    protected final long[] timesteps;
    /** sigmas[i] for timesteps[i], then the final sigma 0; float32. */
    protected final float[] sigmas;
    protected final StepOrder order = new StepOrder();

    protected SigmaMultistepScheduler(SchedulerConfig config, int numSteps, boolean karras) {
        Spacing.requirePositive(numSteps);
        int trainSteps = config.numTrainTimesteps();
        this.prediction = Prediction.of(config);
        float[] trainingSigmas = TrainingSchedule.of(config).sigmas();
        // lambda_min_clipped is -inf for a DDIM config, so the last usable timestep is num_train_timesteps
        int lastTimestep = trainSteps;
        if (karras) {
            if ("squaredcos_cap_v2".equals(config.betaSchedule()) && config.trainedBetas() == null) {
                // diffusers does not round the Karras timesteps for this schedule; they truncate to repeated
                // integers and its step() then runs past the end of the schedule
                throw new IllegalArgumentException("Karras sigmas do not support beta_schedule squaredcos_cap_v2");
            }
            float[] logSigmas = SigmaSchedules.logSigmas(trainingSigmas);
            double[] karrasSigmas = SigmaSchedules.karras(trainingSigmas, numSteps);
            timesteps = new long[numSteps];
            sigmas = new float[numSteps + 1];
            for (int i = 0; i < numSteps; i++) {
                timesteps[i] = (long) Math.rint(SigmaSchedules.sigmaToT(karrasSigmas[i], logSigmas));
                sigmas[i] = (float) karrasSigmas[i];
            }
        } else {
            timesteps = switch (config.spacingOr("linspace")) {
                case "linspace" -> Spacing.roundDescending(Spacing.linspace(0, lastTimestep - 1, numSteps + 1), 1);
                case "leading" -> dropLast(Spacing.leading(lastTimestep / (numSteps + 1), numSteps + 1, config.stepsOffset()));
                default -> Spacing.trailing(lastTimestep, trainSteps / (double) numSteps); // trailing
            };
            sigmas = new float[timesteps.length + 1];
            for (int i = 0; i < timesteps.length; i++) {
                sigmas[i] = (float) SigmaSchedules.interpolateAtInteger(trainingSigmas, timesteps[i]);
            }
        }
        sigmas[sigmas.length - 1] = 0f; // final_sigmas_type "zero"
    }

    private static long[] dropLast(long[] values) {
        return java.util.Arrays.copyOf(values, values.length - 1);
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
    public void addNoise(float[] originalSamples, float[] noise, long timestep, float[] out) {
        VpMath.addNoise(sigmas[VpMath.indexForTimestep(timesteps, timestep)], originalSamples, noise, out);
    }
}
