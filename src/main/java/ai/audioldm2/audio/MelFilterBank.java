package ai.audioldm2.audio;

/**
 * librosa's {@code filters.mel} with its defaults (Slaney mel scale, Slaney area normalisation), in double:
 * triangles between consecutive points of {@code melBins + 2} points evenly spaced in mel from fmin to fmax,
 * evaluated at the FFT bin frequencies, each scaled by 2 / (its upper - lower edge in Hz).
 */
public final class MelFilterBank {
    private static final double LINEAR_HZ_PER_MEL = 200.0 / 3;
    private static final double LOG_START_HZ = 1000.0;
    private static final double LOG_START_MEL = LOG_START_HZ / LINEAR_HZ_PER_MEL;
    private static final double LOG_STEP = Math.log(6.4) / 27.0;

    private MelFilterBank() {
    }

    /** Weights {@code [mel][bin]} for {@code nFft / 2 + 1} FFT bins. */
    public static double[][] slaney(int sampleRate, int nFft, int melBins, double fmin, double fmax) {
        int bins = nFft / 2 + 1;
        double[] binHz = new double[bins];
        for (int k = 0; k < bins; k++) {
            binHz[k] = (double) k * sampleRate / nFft; // numpy.fft.rfftfreq
        }
        double minMel = hzToMel(fmin);
        double maxMel = hzToMel(fmax);
        double[] edgesHz = new double[melBins + 2];
        for (int m = 0; m < edgesHz.length; m++) {
            // numpy.linspace(min_mel, max_mel, n): start + m * step, the last point exactly max_mel
            double mel = m == edgesHz.length - 1 ? maxMel
                    : minMel + m * ((maxMel - minMel) / (edgesHz.length - 1));
            edgesHz[m] = melToHz(mel);
        }
        double[][] weights = new double[melBins][bins];
        for (int m = 0; m < melBins; m++) {
            double lowerWidth = edgesHz[m + 1] - edgesHz[m];
            double upperWidth = edgesHz[m + 2] - edgesHz[m + 1];
            double norm = 2.0 / (edgesHz[m + 2] - edgesHz[m]);
            for (int k = 0; k < bins; k++) {
                double rising = (binHz[k] - edgesHz[m]) / lowerWidth;
                double falling = (edgesHz[m + 2] - binHz[k]) / upperWidth;
                weights[m][k] = Math.max(0, Math.min(rising, falling)) * norm;
            }
        }
        return weights;
    }

    static double hzToMel(double hz) {
        return hz >= LOG_START_HZ ? LOG_START_MEL + Math.log(hz / LOG_START_HZ) / LOG_STEP : hz / LINEAR_HZ_PER_MEL;
    }

    static double melToHz(double mel) {
        return mel >= LOG_START_MEL ? LOG_START_HZ * Math.exp(LOG_STEP * (mel - LOG_START_MEL))
                : mel * LINEAR_HZ_PER_MEL;
    }
}
