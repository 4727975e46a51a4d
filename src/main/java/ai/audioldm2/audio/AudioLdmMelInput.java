package ai.audioldm2.audio;

/**
 * AudioLDM's whole audio front end for style transfer ({@code wav_to_fbank}): a decoded clip becomes the log-mel
 * the VAE encoder takes. Mono downmix, band-limited resampling to the mel's sample rate, normalisation with a
 * segment of {@code targetFrames * hop} samples, log-mel, then exactly {@code targetFrames} frames.
 */
public final class AudioLdmMelInput {

    private AudioLdmMelInput() {
    }

    /** {@code [targetFrames][melBins]}. */
    public static float[][] melFrom(DecodedAudio audio, LogMelSpectrogram spectrogram, int targetFrames) {
        MelSettings settings = spectrogram.settings();
        float[] mono = SincResampler.resample(audio.mono(), audio.sampleRate(), settings.sampleRate());
        float[] waveform = AudioLdmNormalization.normalize(mono, targetFrames * settings.hopLength());
        return LogMelSpectrogram.padOrTrim(spectrogram.compute(waveform), targetFrames);
    }
}
