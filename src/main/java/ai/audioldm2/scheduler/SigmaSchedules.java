package ai.audioldm2.scheduler;

/**
 * Sigma-space helpers that several diffusers schedulers share ({@code _convert_to_karras}, {@code _sigma_to_t},
 * {@code np.interp} on the training sigmas, {@code index_for_timestep}), with numpy's float64/float32 mix.
 */
final class SigmaSchedules {

    private static final double KARRAS_RHO = 7.0;

    private SigmaSchedules() {
    }

    /** {@code np.log(sigmas)} of the float32 training sigmas (a float32 array in numpy). */
    static float[] logSigmas(float[] trainingSigmas) {
        float[] out = new float[trainingSigmas.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = F32.log(trainingSigmas[i]);
        }
        return out;
    }

    /** {@code _convert_to_karras} on the ascending-t training sigmas: descending float64 sigmas. */
    static double[] karras(float[] trainingSigmas, int numSteps) {
        double sigmaMin = trainingSigmas[0];
        double sigmaMax = trainingSigmas[trainingSigmas.length - 1];
        double[] ramp = Spacing.linspace(0, 1, numSteps);
        double minInvRho = StrictMath.pow(sigmaMin, 1 / KARRAS_RHO);
        double maxInvRho = StrictMath.pow(sigmaMax, 1 / KARRAS_RHO);
        double[] sigmas = new double[numSteps];
        for (int i = 0; i < numSteps; i++) {
            sigmas[i] = StrictMath.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), KARRAS_RHO);
        }
        return sigmas;
    }

    /** {@code _sigma_to_t}: the fractional training timestep of a sigma, by log-linear interpolation. */
    static double sigmaToT(double sigma, float[] logSigmas) {
        double logSigma = StrictMath.log(Math.max(sigma, 1e-10));
        int low = 0;
        for (int j = 0; j < logSigmas.length; j++) {
            if (logSigma - logSigmas[j] >= 0) {
                low = j; // numpy: argmax of the cumulative count of (dists >= 0), i.e. the last such index
            }
        }
        low = Math.min(low, logSigmas.length - 2);
        int high = low + 1;
        float lowLog = logSigmas[low];
        float highLog = logSigmas[high];
        double w = (lowLog - logSigma) / (double) (lowLog - highLog); // denominator in float32, as numpy does
        w = Math.min(Math.max(w, 0), 1);
        return (1 - w) * low + w * high;
    }

    /** {@code np.interp(t, arange(len), sigmas)} at integer timesteps: the table entry itself, widened. */
    static double interpolateAtInteger(float[] trainingSigmas, long t) {
        if (t < 0 || t >= trainingSigmas.length) {
            throw new IllegalArgumentException("timestep " + t + " is outside the training schedule [0, "
                    + trainingSigmas.length + ")");
        }
        return trainingSigmas[(int) t];
    }

    /** diffusers' {@code index_for_timestep}: the second match when a timestep repeats, else the first. */
    static int indexForTimestep(long[] timesteps, long timestep) {
        int first = -1;
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == timestep) {
                if (first >= 0) {
                    return i;
                }
                first = i;
            }
        }
        if (first < 0) {
            throw new IllegalArgumentException("timestep " + timestep + " is not in this schedule");
        }
        return first;
    }
}
