package ai.audioldm2.audio;

/**
 * AudioLDM's TacotronSTFT log-mel: reflect-pad n_fft / 2 on both sides, frames every hop samples, periodic Hann
 * window, FFT magnitude (not power), Slaney mel filterbank, natural log of max(x, 1e-5). Computed in double; the
 * result is {@code [frame][mel]}, the (T, F) layout the VAE encoder takes.
 */
public final class LogMelSpectrogram {
    private static final double MAGNITUDE_FLOOR = 1e-5;

    private final MelSettings settings;
    private final ShortTimeFourier stft;
    private final MelFilterBank filters;

    public LogMelSpectrogram(MelSettings settings) {
        this.settings = settings;
        this.stft = new ShortTimeFourier(settings.nFft(), settings.winLength(), settings.hopLength());
        this.filters = MelFilterBank.slaney(settings.sampleRate(), settings.nFft(), settings.melBins(),
                settings.fmin(), settings.fmax());
    }

    public MelSettings settings() {
        return settings;
    }

    /** {@code 1 + length / hop} frames; the waveform must be longer than n_fft / 2 (reflect padding needs it). */
    public float[][] compute(float[] waveform) {
        float[][] mel = new float[stft.frames(waveform.length)][filters.melBins()];
        stft.magnitudes(waveform, (frame, magnitudes) -> {
            for (int m = 0; m < filters.melBins(); m++) {
                mel[frame][m] = (float) Math.log(Math.max(filters.apply(m, magnitudes), MAGNITUDE_FLOOR));
            }
        });
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
}
