package ai.audioldm2.scheduler;

/**
 * diffusers {@code DPMSolverMultistepScheduler} (0.42.1) as {@code from_config} builds it from a DDIM config:
 * solver_order 2, algorithm_type dpmsolver++, solver_type midpoint, lower_order_final, final_sigmas_type zero,
 * optionally use_karras_sigmas. The model outputs are converted to x0 predictions and the last two are kept.
 * Scalars and elementwise results are rounded to float32 in torch's evaluation order.
 */
final class DpmSolverMultistepScheduler extends SigmaMultistepScheduler {

    private float[] x0Current;
    private float[] x0Previous;
    private int lowerOrderNums;

    DpmSolverMultistepScheduler(SchedulerConfig config, int numSteps, boolean karras) {
        super(config, numSteps, karras);
    }

    @Override
    public void step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        ArgumentChecks.requireSameLength(modelOutput, sample);
        ArgumentChecks.checkIndex(stepIndex, timesteps.length);
        order.accept(stepIndex, "dpm++2m");
        if (x0Current == null || x0Current.length != sample.length) {
            x0Current = new float[sample.length];
            x0Previous = new float[sample.length];
        }
        float[] swap = x0Previous;
        x0Previous = x0Current;
        x0Current = swap;
        VpMath.convertToX0(prediction, modelOutput, sample, sigmas[stepIndex], x0Current);

        boolean lastStep = stepIndex == timesteps.length - 1; // final sigma zero forces first order there
        float sigmaT = sigmas[stepIndex + 1];
        float alphaT = VpMath.alpha(sigmaT);
        float sigmaS0 = sigmas[stepIndex];
        float lambdaT = VpMath.lambda(sigmaT);
        float lambdaS0 = VpMath.lambda(sigmaS0);
        float h = lambdaT - lambdaS0;
        float sampleScale = (sigmaT * alphaT) / (sigmaS0 * VpMath.alpha(sigmaS0));
        float x0Scale = alphaT * (F32.exp(-h) - 1.0f);
        if (lowerOrderNums < 1 || lastStep) {
            for (int i = 0; i < sample.length; i++) {
                sample[i] = sampleScale * sample[i] - x0Scale * x0Current[i];
            }
        } else {
            float lambdaS1 = VpMath.lambda(sigmas[stepIndex - 1]);
            float r0 = (lambdaS0 - lambdaS1) / h;
            float inverseR0 = 1.0f / r0;
            float halfX0Scale = 0.5f * x0Scale;
            for (int i = 0; i < sample.length; i++) {
                float d1 = inverseR0 * (x0Current[i] - x0Previous[i]);
                sample[i] = (sampleScale * sample[i] - x0Scale * x0Current[i]) - halfX0Scale * d1;
            }
        }
        if (lowerOrderNums < 2) {
            lowerOrderNums++;
        }
    }
}
