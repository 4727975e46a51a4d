package ai.audioldm2.scheduler;

/**
 * diffusers {@code DPMSolverMultistepScheduler} (0.42.1) as {@code from_config} builds it from a DDIM config:
 * solver_order 2, algorithm_type dpmsolver++, solver_type midpoint, lower_order_final, final_sigmas_type zero,
 * optionally use_karras_sigmas. The model outputs are converted to x0 predictions and the last two are kept.
 * Scalars and elementwise results are rounded to float32 in torch's evaluation order.
 */
final class DpmSolverMultistepScheduler implements SigmaScheduler {

    private final Prediction prediction;
    private final long[] timesteps;
    /** sigmas[i] for timesteps[i], then the final sigma 0; float32. */
    private final float[] sigmas;
    private final float[] trainingSigmas;
    private float[] x0Current;
    private float[] x0Previous;
    private int lowerOrderNums;
    private final StepOrder order = new StepOrder();

    DpmSolverMultistepScheduler(SchedulerConfig config, int numSteps, boolean karras) {
        Spacing.requirePositive(numSteps);
        int trainSteps = config.numTrainTimesteps();
        this.prediction = Prediction.of(config);
        this.trainingSigmas = TrainingSchedule.of(config).sigmas();
        // lambda_min_clipped is -inf for a DDIM config, so the last usable timestep is num_train_timesteps
        int lastTimestep = trainSteps;
        if (karras) {
            if ("squaredcos_cap_v2".equals(config.betaSchedule()) && config.trainedBetas() == null) {
                // diffusers does not round the Karras timesteps for this schedule; they truncate to repeated
                // integers and its step() then runs past the end of the schedule
                throw new IllegalArgumentException("dpm++2m-karras does not support beta_schedule squaredcos_cap_v2");
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
    public float initNoiseSigma() {
        return 1.0f;
    }

    @Override
    public void scaleModelInput(float[] sample, int stepIndex) {
        // identity for DPM-Solver
    }

    @Override
    public void step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        Arrays2.requireSameLength(modelOutput, sample);
        Arrays2.checkIndex(stepIndex, timesteps.length);
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

    @Override
    public void addNoise(float[] originalSamples, float[] noise, long timestep, float[] out) {
        VpMath.addNoise(sigmas[VpMath.indexForTimestep(timesteps, timestep)], originalSamples, noise, out);
    }
}
