package ai.audioldm2.scheduler;

/**
 * diffusers {@code PNDMScheduler} (0.42.1) with {@code skip_prk_steps=True}: pseudo linear multistep (PLMS). The
 * first timestep is run twice (an Euler-like step and its correction), then Adams–Bashforth combinations of up
 * to four stored model outputs.
 */
final class PndmScheduler extends AlphaProductScheduler {

    private static final int MAX_HISTORY = 4;

    private final boolean vPrediction;
    /** The last model outputs (diffusers' ets), oldest first; the newest is history[historyCount - 1]. */
    private float[][] history;
    private int historyCount;
    private float[] firstSample;
    private float[] combined;
    private int counter;
    private final StepOrder order = new StepOrder();

    PndmScheduler(SchedulerConfig config, int numSteps) {
        super(config, numSteps, false, PndmScheduler::plmsTimesteps);
        Prediction prediction = Prediction.of(config);
        if (prediction == Prediction.SAMPLE) {
            throw new IllegalArgumentException("pndm supports prediction_type epsilon or v_prediction, not sample");
        }
        this.vPrediction = prediction == Prediction.V_PREDICTION;
    }

    /** PLMS runs the first timestep twice: [t_0, t_1, t_1, t_2, ..., t_{N-1}] from the descending t. */
    private static long[] plmsTimesteps(long[] descending) {
        if (descending.length == 1) {
            return descending;
        }
        long[] out = new long[descending.length + 1];
        out[0] = descending[0];
        for (int i = 1; i < descending.length; i++) {
            out[i + 1] = descending[i];
        }
        out[1] = descending[1];
        return out;
    }

    @Override
    public void step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        ArgumentChecks.requireSameLength(modelOutput, sample);
        long timestep = timesteps[ArgumentChecks.checkIndex(stepIndex, timesteps.length)];
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
        float alphaProd = alphaProduct(timestep);
        float alphaProdPrev = alphaProduct(prevTimestep);
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
}
