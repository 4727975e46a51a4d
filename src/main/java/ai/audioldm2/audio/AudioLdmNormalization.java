package ai.audioldm2.audio;

/**
 * AudioLDM's waveform preparation before the mel ({@code read_wav_file} in audioldm/audio/tools.py):
 * remove the mean, divide by (peak + 1e-8), scale to 0.5, zero-pad to the segment length, then divide by the peak
 * again and scale to 0.5.
 *
 * <p>A clip longer than the segment is kept whole, as in AudioLDM, whose {@code pad_wav} slices the channel axis of
 * its (1, N) array instead of the samples; the spectrogram is trimmed instead ({@link LogMelSpectrogram#padOrTrim}),
 * so the last frames keep their real right-hand context.
 *
 * <p>Silence stays silence: AudioLDM's second division is 0/0 there, which gives NaN; here an all-zero clip is
 * returned as zeros.
 */
public final class AudioLdmNormalization {
    private static final double PEAK = 0.5;
    private static final double GUARD = 1e-8;

    private AudioLdmNormalization() {
    }

    public static float[] normalize(float[] waveform, int segmentLength) {
        double mean = 0;
        for (float v : waveform) {
            mean += v;
        }
        mean = waveform.length == 0 ? 0 : mean / waveform.length;
        double peak = 0;
        for (float v : waveform) {
            peak = Math.max(peak, Math.abs(v - mean));
        }
        double[] centred = new double[Math.max(waveform.length, segmentLength)];
        double firstScale = PEAK / (peak + GUARD);
        double secondPeak = 0;
        for (int i = 0; i < waveform.length; i++) {
            centred[i] = (waveform[i] - mean) * firstScale;
            secondPeak = Math.max(secondPeak, Math.abs(centred[i]));
        }
        float[] out = new float[centred.length];
        if (secondPeak == 0) {
            return out;
        }
        double secondScale = PEAK / secondPeak;
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (centred[i] * secondScale);
        }
        return out;
    }
}
