package ai.audioldm2.scheduler;

/**
 * diffusers {@code UniPCMultistepScheduler} (0.42.1) as {@code from_config} builds it from a DDIM config:
 * solver_order 2, bh2, predict_x0, lower_order_final, final sigma 0, corrector on every step. Each step first
 * corrects the previous prediction with the new model output (UniC), then predicts the next sample (UniP).
 * Timesteps and sigmas are selected like DPM-Solver's.
 */
final class UniPcMultistepScheduler implements SigmaScheduler {

    private static final int SOLVER_ORDER = 2;

    private final Prediction prediction;
    private final long[] timesteps;
    private final float[] sigmas;
    private final StepOrder order = new StepOrder();
    /** x0 predictions: the newest is {@code newest}, the one before is {@code older}; {@code spare} is scratch. */
    private float[] newest;
    private float[] older;
    private float[] spare;
    private float[] lastSample;
    private int lowerOrderNums;
    private int lastOrder;
    private final Interval predictorInterval = new Interval();
    private final Interval correctorInterval = new Interval();

    UniPcMultistepScheduler(SchedulerConfig config, int numSteps) {
        DpmSolverMultistepScheduler dpm = new DpmSolverMultistepScheduler(config, numSteps, false);
        this.prediction = Prediction.of(config);
        this.timesteps = dpm.timesteps();
        this.sigmas = dpm.sigmas();
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
        // identity for UniPC
    }

    @Override
    public void step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
        Arrays2.requireSameLength(modelOutput, sample);
        Arrays2.checkIndex(stepIndex, timesteps.length);
        order.accept(stepIndex, "unipc");
        int n = sample.length;
        if (newest == null || newest.length != n) {
            newest = new float[n];
            older = new float[n];
            spare = new float[n];
            lastSample = new float[n];
        }
        float[] x0 = spare;
        VpMath.convertToX0(prediction, modelOutput, sample, sigmas[stepIndex], x0);
        if (lowerOrderNums > 0) { // diffusers: step_index > 0 and last_sample is not None
            correct(stepIndex, x0, sample);
        }
        spare = older;
        older = newest;
        newest = x0;
        int thisOrder = Math.min(Math.min(SOLVER_ORDER, timesteps.length - stepIndex), lowerOrderNums + 1);
        System.arraycopy(sample, 0, lastSample, 0, n);
        predict(stepIndex, thisOrder, sample);
        lastOrder = thisOrder;
        if (lowerOrderNums < SOLVER_ORDER) {
            lowerOrderNums++;
        }
    }

    /** {@code multistep_uni_p_bh_update}: x_t from the sample at sigmas[i] and the stored x0 predictions. */
    private void predict(int stepIndex, int thisOrder, float[] sample) {
        Interval interval = predictorInterval.set(sigmas[stepIndex + 1], sigmas[stepIndex]);
        float[] m0 = newest;
        if (thisOrder == 1) {
            for (int i = 0; i < sample.length; i++) {
                // pred_res is the int 0: x_t_ - alpha_t * B_h * 0
                sample[i] = interval.firstOrder(sample[i], m0[i]) - interval.alphaT * interval.bh * 0f;
            }
            return;
        }
        float rk = (VpMath.lambda(sigmas[stepIndex - 1]) - interval.lambdaS0) / interval.h;
        float[] m1 = older;
        float rho = 0.5f; // diffusers fixes rhos_p to 0.5 for order 2
        float predictionScale = interval.alphaT * interval.bh;
        for (int i = 0; i < sample.length; i++) {
            float d1 = (m1[i] - m0[i]) / rk;
            sample[i] = interval.firstOrder(sample[i], m0[i]) - predictionScale * (rho * d1);
        }
    }

    /**
     * {@code multistep_uni_c_bh_update}: corrects the sample of this step (predicted last step from
     * {@code lastSample}) with the new x0 prediction {@code modelT}.
     */
    private void correct(int stepIndex, float[] modelT, float[] sample) {
        Interval interval = correctorInterval.set(sigmas[stepIndex], sigmas[stepIndex - 1]);
        float[] m0 = newest;
        float correctionScale = interval.alphaT * interval.bh;
        if (lastOrder == 1) {
            float rhoT = 0.5f; // diffusers fixes rhos_c to 0.5 for order 1
            for (int i = 0; i < sample.length; i++) {
                float d1t = modelT[i] - m0[i];
                sample[i] = interval.firstOrder(lastSample[i], m0[i]) - correctionScale * (0f + rhoT * d1t);
            }
            return;
        }
        float rk = (VpMath.lambda(sigmas[stepIndex - 2]) - interval.lambdaS0) / interval.h;
        // b_i = h_phi_i * i! / B_h with h_phi_1 = expm1(hh)/hh - 1 and h_phi_{k+1} = h_phi_k / hh - 1/(k+1)!
        float hPhi = interval.hPhi1 / interval.hh - 1;
        float b1 = hPhi * 1 / interval.bh;
        hPhi = hPhi / interval.hh - (float) (1.0 / 2);
        float b2 = hPhi * 2 / interval.bh;
        // torch.linalg.solve([[1, 1], [rk, 1]], [b1, b2]): LAPACK LU with partial pivoting
        float rho0;
        float rhoT;
        if (Math.abs(rk) > 1) {
            float l = 1 / rk;
            float u22 = 1 - l * 1;
            rhoT = (b1 - l * b2) / u22;
            rho0 = (b2 - 1 * rhoT) / rk;
        } else {
            float u22 = 1 - rk * 1;
            rhoT = (b2 - rk * b1) / u22;
            rho0 = (b1 - 1 * rhoT) / 1;
        }
        float[] m1 = older;
        for (int i = 0; i < sample.length; i++) {
            float d1 = (m1[i] - m0[i]) / rk;
            float correction = rho0 * d1;
            float d1t = modelT[i] - m0[i];
            sample[i] = interval.firstOrder(lastSample[i], m0[i]) - correctionScale * (correction + rhoT * d1t);
        }
    }

    /** The float32 scalars of one update from sigma_s0 to sigma_t (bh2, predict_x0); reused every step. */
    private static final class Interval {
        float alphaT;
        float lambdaS0;
        float h;
        float hh;
        float hPhi1;
        float bh;
        float sampleScale;
        float x0Scale;

        Interval set(float sigmaT, float sigmaS0) {
            alphaT = VpMath.alpha(sigmaT);
            float alphaS0 = VpMath.alpha(sigmaS0);
            lambdaS0 = VpMath.lambda(sigmaS0);
            h = VpMath.lambda(sigmaT) - lambdaS0;
            hh = -h;
            hPhi1 = (float) StrictMath.expm1(hh);
            bh = hPhi1;
            sampleScale = (sigmaT * alphaT) / (sigmaS0 * alphaS0);
            x0Scale = alphaT * hPhi1;
            return this;
        }

        /** x_t_ = sigma_t / sigma_s0 * x - alpha_t * h_phi_1 * m0. */
        float firstOrder(float x, float m0) {
            return sampleScale * x - x0Scale * m0;
        }
    }

    @Override
    public void addNoise(float[] originalSamples, float[] noise, long timestep, float[] out) {
        VpMath.addNoise(sigmas[VpMath.indexForTimestep(timesteps, timestep)], originalSamples, noise, out);
    }
}
