package ai.audioldm2.audio;

/**
 * Settings of a log-mel spectrogram. For AudioLDM they come from the bundle manifest's {@code stft} block: hop = the
 * vocoder's total upsampling, mel bins = its input width, fmax = sampling rate / 2 (160, 64, 8000 for the real
 * checkpoints at 16 kHz).
 *
 * @param sampleRate in Hz
 * @param nFft       FFT size; n_fft / 2 samples of reflect padding on each side
 * @param winLength  periodic Hann window length, centred in the FFT frame; at most nFft
 * @param hopLength  samples between frames
 * @param melBins    number of mel filters
 * @param fmin       lowest filter edge, Hz
 * @param fmax       highest filter edge, Hz
 */
public record MelSettings(int sampleRate, int nFft, int winLength, int hopLength, int melBins, double fmin,
                          double fmax) {

    public MelSettings {
        if (sampleRate <= 0 || nFft < 2 || winLength < 1 || winLength > nFft || hopLength < 1 || melBins < 1
                || fmin < 0 || !(fmax > fmin) || fmax > sampleRate / 2.0) {
            throw new IllegalArgumentException("inconsistent mel settings: " + this);
        }
    }

    /** The real AudioLDM / AudioLDM2 checkpoints. */
    public static MelSettings audioLdm(int hopLength, int melBins, int sampleRate) {
        return new MelSettings(sampleRate, 1024, 1024, hopLength, melBins, 0, sampleRate / 2.0);
    }
}
