package ai.audioldm2.audio;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Centred STFT magnitudes as torch.stft(center=True, pad_mode="reflect") and librosa compute them: the signal is
 * reflect-padded by n_fft / 2 on both sides, and frame f covers padded samples [f * hop, f * hop + n_fft), times a
 * periodic Hann window of winLength centred in n_fft. There are {@code 1 + length / hop} frames.
 */
final class ShortTimeFourier {

    /** Receives each frame's magnitudes, n_fft / 2 + 1 bins; the array is reused for the next frame. */
    @FunctionalInterface
    interface FrameConsumer {
        void accept(int frame, double[] magnitudes);
    }

    private final int nFft;
    private final int hopLength;
    private final double[] window;
    private final DoubleFFT_1D fft;

    ShortTimeFourier(int nFft, int winLength, int hopLength) {
        this.nFft = nFft;
        this.hopLength = hopLength;
        this.window = new double[nFft];
        int offset = (nFft - winLength) / 2; // librosa.util.pad_center
        for (int n = 0; n < winLength; n++) {
            window[offset + n] = 0.5 - 0.5 * Math.cos(2 * Math.PI * n / winLength); // periodic Hann
        }
        this.fft = new DoubleFFT_1D(nFft);
    }

    int frames(int length) {
        return 1 + length / hopLength;
    }

    /** The waveform must be longer than n_fft / 2, which reflect padding needs (torch raises otherwise). */
    void magnitudes(float[] waveform, FrameConsumer consumer) {
        int pad = nFft / 2;
        if (waveform.length <= pad) {
            throw new IllegalArgumentException("the waveform has " + waveform.length
                    + " samples; reflect padding by n_fft/2 = " + pad + " needs more");
        }
        int bins = nFft / 2 + 1;
        double[] frame = new double[nFft];
        double[] magnitude = new double[bins];
        int frames = frames(waveform.length);
        for (int f = 0; f < frames; f++) {
            int start = f * hopLength - pad;
            for (int n = 0; n < nFft; n++) {
                frame[n] = waveform[reflect(start + n, waveform.length)] * window[n];
            }
            fft.realForward(frame);
            // JTransforms' packed layout for even n: [Re 0, Re n/2, Re 1, Im 1, Re 2, Im 2, ...]
            magnitude[0] = Math.abs(frame[0]);
            magnitude[bins - 1] = Math.abs(frame[1]);
            for (int k = 1; k < bins - 1; k++) {
                magnitude[k] = Math.hypot(frame[2 * k], frame[2 * k + 1]);
            }
            consumer.accept(f, magnitude);
        }
    }

    /** numpy/torch "reflect": the edge sample is not repeated. */
    private static int reflect(int index, int length) {
        if (index < 0) {
            return -index;
        }
        return index >= length ? 2 * (length - 1) - index : index;
    }
}
