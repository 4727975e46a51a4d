package ai.audioldm2.scheduler;

/**
 * A diffusion sampler, set up for one run of a fixed number of steps. Pure math over flat float arrays
 * in the latent layout (B, C, h, w); instances are stateful (multistep history) and not shared between runs.
 */
public interface Scheduler {

    /** The model timesteps of this run, in the order the UNet sees them (one UNet call per entry). */
    long[] timesteps();

    /**
     * Multiplier of the initial Gaussian noise: 1.0 (diffusers' default, kept by DDIM, PNDM and the multistep
     * solvers); the sigma-space Euler family overrides it.
     */
    default float initNoiseSigma() {
        return 1.0f;
    }

    /**
     * Scales the UNet input in place for step {@code stepIndex}: identity by default (DDIM, PNDM, the multistep
     * solvers); the Euler family overrides it with 1/sqrt(sigma^2+1).
     */
    default void scaleModelInput(float[] sample, int stepIndex) {
    }

    /**
     * One reverse step: replaces {@code sample} (x_t) in place by x_{t-1}. Steps run in order from index 0, or
     * from a begin index (diffusers' {@code set_begin_index}, see {@link Schedulers#beginIndex}) for
     * audio-to-audio; multistep schedulers reject a skipped index.
     *
     * @param modelOutput the guided UNet output for this step
     * @param noise       generator for stochastic samplers (DDIM eta > 0, ancestral); continues the stream
     *                    that drew the initial latents. May be null for deterministic samplers.
     */
    void step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise);

    /**
     * diffusers' {@code scheduler.order}: UNet calls per solver step (2 for Heun, else 1); img2img starts at
     * step index {@code t_start * order}.
     */
    default int order() {
        return 1;
    }

    /** Adds noise to clean latents at the given timestep (img2img / audio-to-audio). */
    void addNoise(float[] originalSamples, float[] noise, long timestep, float[] out);
}
