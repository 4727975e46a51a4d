package ai.audioldm2.audio;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * AudioLDM's TacotronSTFT log-mel: reflect-pad n_fft / 2 on both sides, frames every hop samples, periodic Hann
 * window, FFT magnitude (not power), Slaney mel filterbank, natural log of max(x, 1e-5). Computed in double; the
 * result is {@code [frame][mel]}, the (T, F) layout the VAE encoder takes.
 */
public final class LogMelSpectrogram {
    private static final double MAGNITUDE_FLOOR = 1e-5;

    private final MelSettings settings;
    private final double[] window;
    private final double[][] filters;
    private final int[] firstNonZeroBin;
    private final int[] endNonZeroBin;
    private final DoubleFFT_1D fft;

    public LogMelSpectrogram(MelSettings settings) {
        this.settings = settings;
        this.window = centredPeriodicHann(settings.winLength(), settings.nFft());
        this.filters = MelFilterBank.slaney(settings.sampleRate(), settings.nFft(), settings.melBins(),
                settings.fmin(), settings.fmax());
        this.firstNonZeroBin = new int[filters.length];
        this.endNonZeroBin = new int[filters.length];
        for (int m = 0; m < filters.length; m++) {
            int first = 0;
            while (first < filters[m].length && filters[m][first] == 0) {
                first++;
            }
            int end = filters[m].length;
            while (end > first && filters[m][end - 1] == 0) {
                end--;
            }
            firstNonZeroBin[m] = first;
            endNonZeroBin[m] = end;
        }
        this.fft = new DoubleFFT_1D(settings.nFft());
    }

    public MelSettings settings() {
        return settings;
    }

    /** {@code 1 + length / hop} frames; the waveform must be longer than n_fft / 2 (reflect padding needs it). */
    public float[][] compute(float[] waveform) {
        int nFft = settings.nFft();
        int pad = nFft / 2;
        if (waveform.length <= pad) {
            throw new IllegalArgumentException("the waveform has " + waveform.length
                    + " samples; reflect padding by n_fft/2 = " + pad + " needs more");
        }
        int frames = 1 + waveform.length / settings.hopLength();
        int bins = nFft / 2 + 1;
        float[][] mel = new float[frames][settings.melBins()];
        double[] frame = new double[nFft];
        double[] magnitude = new double[bins];
        for (int f = 0; f < frames; f++) {
            int start = f * settings.hopLength() - pad;
            for (int n = 0; n < nFft; n++) {
                frame[n] = waveform[reflect(start + n, waveform.length)] * window[n];
            }
            fft.realForward(frame);
            // JTransforms' packed layout: [Re 0, Re n/2, Re 1, Im 1, Re 2, Im 2, ...]
            magnitude[0] = Math.abs(frame[0]);
            magnitude[bins - 1] = Math.abs(frame[1]);
            for (int k = 1; k < bins - 1; k++) {
                magnitude[k] = Math.hypot(frame[2 * k], frame[2 * k + 1]);
            }
            for (int m = 0; m < filters.length; m++) {
                double sum = 0;
                for (int k = firstNonZeroBin[m]; k < endNonZeroBin[m]; k++) {
                    sum += filters[m][k] * magnitude[k];
                }
                mel[f][m] = (float) Math.log(Math.max(sum, MAGNITUDE_FLOOR));
            }
        }
        return mel;
    }

    /**
     * AudioLDM's {@code _pad_spec}: keep the first {@code targetFrames} frames, or append frames of zeros (zero in
     * the log domain, as AudioLDM pads after the log).
     */
    public static float[][] padOrTrim(float[][] mel, int targetFrames) {
        float[][] out = new float[targetFrames][];
        for (int f = 0; f < targetFrames; f++) {
            out[f] = f < mel.length ? mel[f] : new float[mel[0].length];
        }
        return out;
    }

    /** torch/numpy "reflect" padding: the edge sample is not repeated. */
    private static int reflect(int index, int length) {
        if (index < 0) {
            return -index;
        }
        return index >= length ? 2 * (length - 1) - index : index;
    }

    /** scipy.signal.get_window("hann", win, fftbins=True), centred in n_fft like librosa.util.pad_center. */
    private static double[] centredPeriodicHann(int winLength, int nFft) {
        double[] window = new double[nFft];
        int offset = (nFft - winLength) / 2;
        for (int n = 0; n < winLength; n++) {
            window[offset + n] = 0.5 - 0.5 * Math.cos(2 * Math.PI * n / winLength);
        }
        return window;
    }
}
