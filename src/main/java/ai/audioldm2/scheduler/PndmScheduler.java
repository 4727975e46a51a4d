package ai.audioldm2.scheduler;

/**
 * diffusers {@code PNDMScheduler} (0.42.1) with {@code skip_prk_steps=True}: pseudo linear multistep (PLMS). The
 * first timestep is run twice (an Euler-like step and its correction), then Adams–Bashforth combinations of up
 * to four stored model outputs.
 */
final class PndmScheduler implements Scheduler {

    private static final int MAX_HISTORY = 4;

    private final TrainingSchedule schedule;
    private final boolean vPrediction;
    private final long[] timesteps;
    private final int stepRatio;
    private final float finalAlphaCumprod;
    /** The last model outputs (diffusers' ets), oldest first; the newest is history[historyCount - 1]. */
    private float[][] history;
    private int historyCount;
    private float[] firstSample;
    private float[] combined;
    private int counter;
    private final StepOrder order = new StepOrder();

    PndmScheduler(SchedulerConfig config, int numSteps) {
        Spacing.requirePositive(numSteps);
        int trainSteps = config.numTrainTimesteps();
        if (numSteps > trainSteps) {
            throw new IllegalArgumentException("num_inference_steps " + numSteps + " cannot exceed num_train_timesteps "
                    + trainSteps);
        }
        Prediction prediction = Prediction.of(config);
        if (prediction == Prediction.SAMPLE) {
            throw new IllegalArgumentException("pndm supports prediction_type epsilon or v_prediction, not sample");
        }
        this.vPrediction = prediction == Prediction.V_PREDICTION;
        this.schedule = TrainingSchedule.of(config);
        this.stepRatio = trainSteps / numSteps;
        this.finalAlphaCumprod = Boolean.TRUE.equals(config.setAlphaToOne()) ? 1.0f : schedule.alphasCumprod[0];
        // the ascending inference timesteps, then [a_{N-1}, a_{N-2}, a_{N-2}, a_{N-3}, ..., a_0]
        long[] descending = Spacing.discrete(config.spacingOr("leading"), trainSteps, numSteps, config.stepsOffset());
        if (numSteps == 1) {
            timesteps = descending;
        } else {
            timesteps = new long[numSteps + 1];
            timesteps[0] = descending[0];
            for (int i = 1; i < numSteps; i++) {
                timesteps[i + 1] = descending[i];
            }
            timesteps[1] = descending[1];
        }
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
        // identity for PNDM
    }

    @Override
    public void step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        Arrays2.requireSameLength(modelOutput, sample);
        long timestep = timesteps[Arrays2.checkIndex(stepIndex, timesteps.length)];
        order.accept(stepIndex, "pndm");
        int n = sample.length;
        if (history == null || history[0].length != n) {
            history = new float[MAX_HISTORY][n];
            firstSample = new float[n];
            combined = new float[n];
            historyCount = 0;
        }
        long prevTimestep = timestep - stepRatio;
        if (counter == 1) {
            // the correction of the first step: same interval again, from the sample it started from
            prevTimestep = timestep;
            timestep = timestep + stepRatio;
        } else {
            push(modelOutput);
        }
        float[] base = sample;
        if (historyCount == 1 && counter == 0) {
            System.arraycopy(modelOutput, 0, combined, 0, n);
            System.arraycopy(sample, 0, firstSample, 0, n);
        } else if (historyCount == 1 && counter == 1) {
            float[] e1 = ets(1);
            for (int i = 0; i < n; i++) {
                combined[i] = (modelOutput[i] + e1[i]) / 2;
            }
            base = firstSample;
        } else if (historyCount == 2) {
            float[] e1 = ets(1);
            float[] e2 = ets(2);
            for (int i = 0; i < n; i++) {
                combined[i] = (3 * e1[i] - e2[i]) / 2;
            }
        } else if (historyCount == 3) {
            float[] e1 = ets(1);
            float[] e2 = ets(2);
            float[] e3 = ets(3);
            for (int i = 0; i < n; i++) {
                combined[i] = (23 * e1[i] - 16 * e2[i] + 5 * e3[i]) / 12;
            }
        } else {
            float[] e1 = ets(1);
            float[] e2 = ets(2);
            float[] e3 = ets(3);
            float[] e4 = ets(4);
            float oneTwentyFourth = (float) (1.0 / 24);
            for (int i = 0; i < n; i++) {
                combined[i] = oneTwentyFourth * (55 * e1[i] - 59 * e2[i] + 37 * e3[i] - 9 * e4[i]);
            }
        }
        previousSample(base, timestep, prevTimestep, combined, sample);
        counter++;
    }

    /** Appends a model output, keeping the last four (diffusers keeps ets[-3:] + the new one), oldest first. */
    private void push(float[] modelOutput) {
        if (historyCount == MAX_HISTORY) {
            float[] oldest = history[0];
            System.arraycopy(history, 1, history, 0, MAX_HISTORY - 1);
            history[MAX_HISTORY - 1] = oldest;
            historyCount--;
        }
        System.arraycopy(modelOutput, 0, history[historyCount], 0, modelOutput.length);
        historyCount++;
    }

    /** ets[-k]: k = 1 is the newest. */
    private float[] ets(int k) {
        return history[historyCount - k];
    }

    /** {@code _get_prev_sample}, writing into {@code out} (which may be {@code sample}). */
    private void previousSample(float[] sample, long timestep, long prevTimestep, float[] modelOutput, float[] out) {
        float alphaProd = schedule.alphasCumprod[(int) timestep];
        float alphaProdPrev = prevTimestep >= 0 ? schedule.alphasCumprod[(int) prevTimestep] : finalAlphaCumprod;
        float betaProd = 1 - alphaProd;
        float betaProdPrev = 1 - alphaProdPrev;
        float sqrtAlpha = F32.sqrt(alphaProd);
        float sqrtBeta = F32.sqrt(betaProd);
        float sampleCoeff = F32.sqrt(alphaProdPrev / alphaProd);
        float denominator = alphaProd * F32.sqrt(betaProdPrev) + F32.sqrt(alphaProd * betaProd * alphaProdPrev);
        float alphaDifference = alphaProdPrev - alphaProd;
        for (int i = 0; i < out.length; i++) {
            float x = sample[i];
            float eps = vPrediction ? sqrtAlpha * modelOutput[i] + sqrtBeta * x : modelOutput[i];
            out[i] = sampleCoeff * x - alphaDifference * eps / denominator;
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
