package ai.audioldm2.scheduler;

import java.util.function.UnaryOperator;

/**
 * Schedulers that step between integer timesteps with the training alphas_cumprod directly (DDIM, PNDM): the
 * inference timesteps {@code step_ratio} apart, alpha_prod of a negative timestep being the "final" one, an
 * unscaled UNet input, and {@code add_noise} as sqrt(alpha_prod) * x + sqrt(1 - alpha_prod) * noise.
 */
abstract class AlphaProductScheduler implements Scheduler {

    protected final TrainingSchedule schedule;
    protected final long[] timesteps;
    /** {@code num_train_timesteps // num_inference_steps}: the distance to the previous timestep. */
    protected final int stepRatio;
    private final float finalAlphaCumprod;

    /**
     * @param alphaToOneByDefault the class default of {@code set_alpha_to_one} (DDIM true, PNDM false)
     * @param layout              turns the descending inference timesteps into the scheduler's own list
     */
    protected AlphaProductScheduler(SchedulerConfig config, int numSteps, boolean alphaToOneByDefault,
            UnaryOperator<long[]> layout) {
        Spacing.requirePositive(numSteps);
        int trainSteps = config.numTrainTimesteps();
        if (numSteps > trainSteps) {
            throw new IllegalArgumentException("num_inference_steps " + numSteps + " cannot exceed num_train_timesteps "
                    + trainSteps);
        }
        this.schedule = TrainingSchedule.of(config);
        this.stepRatio = trainSteps / numSteps;
        boolean alphaToOne = config.setAlphaToOne() == null ? alphaToOneByDefault : config.setAlphaToOne();
        this.finalAlphaCumprod = alphaToOne ? 1.0f : schedule.alphasCumprod[0];
        this.timesteps = layout.apply(Spacing.discrete(config.spacingOr("leading"), trainSteps, numSteps,
                config.stepsOffset()));
    }

    /** alphas_cumprod[t], or the final alpha product for t &lt; 0. */
    protected final float alphaProduct(long t) {
        return t >= 0 ? schedule.alphasCumprod[(int) t] : finalAlphaCumprod;
    }

    @Override
    public long[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public void addNoise(float[] originalSamples, float[] noise, long timestep, float[] out) {
        ArgumentChecks.requireSameLength(originalSamples, noise);
        ArgumentChecks.requireSameLength(originalSamples, out);
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
