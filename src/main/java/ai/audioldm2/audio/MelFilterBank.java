package ai.audioldm2.audio;

/**
 * librosa's {@code filters.mel} with its defaults (Slaney mel scale, Slaney area normalisation), in double:
 * triangles between consecutive points of {@code melBins + 2} points evenly spaced in mel from fmin to fmax,
 * evaluated at the FFT bin frequencies, each scaled by 2 / (its upper - lower edge in Hz). transformers'
 * {@code mel_filter_bank(norm="slaney", mel_scale="slaney")}, used by the CLAP feature extractor, is the same
 * formula.
 */
public final class MelFilterBank {
    private static final double LINEAR_HZ_PER_MEL = 200.0 / 3;
    private static final double LOG_START_HZ = 1000.0;
    private static final double LOG_START_MEL = LOG_START_HZ / LINEAR_HZ_PER_MEL;
    private static final double LOG_STEP = Math.log(6.4) / 27.0;

    private final double[][] weights;
    /** Per filter, the range of FFT bins with a non-zero weight: the triangles are narrow. */
    private final int[] firstBin;
    private final int[] endBin;

    private MelFilterBank(double[][] weights) {
        this.weights = weights;
        this.firstBin = new int[weights.length];
        this.endBin = new int[weights.length];
        for (int m = 0; m < weights.length; m++) {
            int first = 0;
            while (first < weights[m].length && weights[m][first] == 0) {
                first++;
            }
            int end = weights[m].length;
            while (end > first && weights[m][end - 1] == 0) {
                end--;
            }
            firstBin[m] = first;
            endBin[m] = end;
        }
    }

    /** The filters for {@code nFft / 2 + 1} FFT bins. */
    public static MelFilterBank slaney(int sampleRate, int nFft, int melBins, double fmin, double fmax) {
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
        return new MelFilterBank(weights);
    }

    /** Weights {@code [mel][bin]}; a copy. */
    public double[][] weights() {
        double[][] copy = new double[weights.length][];
        for (int m = 0; m < weights.length; m++) {
            copy[m] = weights[m].clone();
        }
        return copy;
    }

    public int melBins() {
        return weights.length;
    }

    /** The filters' outputs for one spectrum. */
    double apply(int mel, double[] spectrum) {
        double sum = 0;
        for (int k = firstBin[mel]; k < endBin[mel]; k++) {
            sum += weights[mel][k] * spectrum[k];
        }
        return sum;
    }

    static double hzToMel(double hz) {
        return hz >= LOG_START_HZ ? LOG_START_MEL + Math.log(hz / LOG_START_HZ) / LOG_STEP : hz / LINEAR_HZ_PER_MEL;
    }

    static double melToHz(double mel) {
        return mel >= LOG_START_MEL ? LOG_START_HZ * Math.exp(LOG_STEP * (mel - LOG_START_MEL))
                : mel * LINEAR_HZ_PER_MEL;
    }
}
