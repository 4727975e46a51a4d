package ai.audioldm2.audio;

/**
 * transformers' {@code ClapFeatureExtractor} as AudioLDM2 configures it, for one clip at the extractor's sample
 * rate: the clip is brought to max_length samples, then a power spectrogram (centred STFT, periodic Hann, reflect
 * padding) goes through the Slaney mel filters and to decibels, 10 * log10(max(x, 1e-10)). The result is
 * {@code [frame][mel]}, (1001, 64) for AudioLDM2, the model's (1, T, F) input without its channel axis.
 *
 * <ul>
 *   <li>Shorter clips ("repeatpad"): repeated {@code floor(max_length / length)} times, then zero-padded.</li>
 *   <li>Longer clips: transformers' "rand_trunc" takes a uniformly random window of max_length samples. Here the
 *       window is the centred one, offset {@code (length - max_length) / 2} rounded down: deterministic, and the
 *       mean of the random offsets, so scores stay reproducible per seed. AudioLDM2's 10.24 s default output loses
 *       0.12 s at each end.</li>
 * </ul>
 */
public final class ClapFeatureExtractor {
    private static final double POWER_FLOOR = 1e-10;

    private final ClapFeatureSettings settings;
    private final ShortTimeFourier stft;
    private final MelFilterBank filters;

    public ClapFeatureExtractor(ClapFeatureSettings settings) {
        this.settings = settings;
        this.stft = new ShortTimeFourier(settings.fftWindowSize(), settings.fftWindowSize(), settings.hopLength());
        this.filters = MelFilterBank.slaney(settings.sampleRate(), settings.fftWindowSize(), settings.featureSize(),
                settings.frequencyMin(), settings.frequencyMax());
    }

    public ClapFeatureSettings settings() {
        return settings;
    }

    /** Features of one mono clip at {@link ClapFeatureSettings#sampleRate()}; it must not be empty. */
    public float[][] extract(float[] waveform) {
        float[] clip = fitToMaxLength(waveform, settings.maxSamples());
        float[][] features = new float[stft.frames(clip.length)][filters.melBins()];
        stft.magnitudes(clip, (frame, magnitudes) -> {
            for (int k = 0; k < magnitudes.length; k++) {
                magnitudes[k] *= magnitudes[k];
            }
            for (int m = 0; m < filters.melBins(); m++) {
                features[frame][m] = (float) (10 * Math.log10(Math.max(filters.apply(m, magnitudes), POWER_FLOOR)));
            }
        });
        return features;
    }

    static float[] fitToMaxLength(float[] waveform, int maxSamples) {
        if (waveform.length == 0) {
            throw new IllegalArgumentException("an empty clip has no CLAP features");
        }
        float[] clip = new float[maxSamples];
        if (waveform.length >= maxSamples) {
            System.arraycopy(waveform, (waveform.length - maxSamples) / 2, clip, 0, maxSamples);
            return clip;
        }
        int repeats = maxSamples / waveform.length;
        for (int r = 0; r < repeats; r++) {
            System.arraycopy(waveform, 0, clip, r * waveform.length, waveform.length);
        }
        return clip;
    }
}
