package ai.audioldm2.audio;

/**
 * The settings of transformers' {@code ClapFeatureExtractor} (a checkpoint's feature_extractor/preprocessor_config
 * .json; the bundle manifest's {@code clap_feature_extractor}). Only the behaviour AudioLDM2 configures is
 * supported: {@code truncation="rand_trunc"} (Slaney filters) and {@code padding="repeatpad"}.
 *
 * @param sampleRate       in Hz (48000 for AudioLDM2)
 * @param fftWindowSize    n_fft and window length (1024)
 * @param hopLength        (480)
 * @param featureSize      mel bins (64)
 * @param frequencyMin     lowest filter edge, Hz (50)
 * @param frequencyMax     highest filter edge, Hz (14000)
 * @param maxLengthSeconds clips are repeat-padded or cropped to this (10)
 */
public record ClapFeatureSettings(int sampleRate, int fftWindowSize, int hopLength, int featureSize,
                                  double frequencyMin, double frequencyMax, double maxLengthSeconds) {

    public ClapFeatureSettings {
        if (sampleRate <= 0 || fftWindowSize < 2 || hopLength < 1 || featureSize < 1 || frequencyMin < 0
                || !(frequencyMax > frequencyMin) || !(maxLengthSeconds > 0)
                || maxLengthSeconds * sampleRate <= fftWindowSize / 2.0) {
            throw new IllegalArgumentException("inconsistent CLAP feature settings: " + this);
        }
    }

    /** AudioLDM2's checkpoints (cvssp/audioldm2*). */
    public static final ClapFeatureSettings AUDIOLDM2 = new ClapFeatureSettings(48_000, 1024, 480, 64, 50, 14_000, 10);

    /** transformers' nb_max_samples: max_length_s * sampling_rate. */
    public int maxSamples() {
        return (int) (maxLengthSeconds * sampleRate);
    }

    /** Frames of every feature map: 1 + maxSamples / hop (1001). */
    public int frames() {
        return 1 + maxSamples() / hopLength;
    }
}
