package ai.audioldm2.audio;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A picture of a waveform's log-mel spectrogram ({@link LogMelSpectrogram}, AudioLDM's settings: hop 10 ms,
 * 64 mel bins), as a PNG: time left to right, low frequencies at the bottom, the top 8 nats (~70 dB) of the
 * magnitude from dark blue through red to pale yellow.
 */
public final class SpectrogramImage {

    private static final int MEL_BINS = 64;
    private static final int PIXELS_PER_BIN = 4;
    private static final float RANGE = 8f;

    private SpectrogramImage() {
    }

    /** The PNG of {@code samples} (mono) at {@code sampleRate}; at least 513 samples. */
    public static byte[] png(float[] samples, int sampleRate) {
        LogMelSpectrogram mel = new LogMelSpectrogram(MelSettings.audioLdm(sampleRate / 100, MEL_BINS, sampleRate));
        float[][] frames = mel.compute(samples);
        float top = Float.NEGATIVE_INFINITY;
        for (float[] frame : frames) {
            for (float value : frame) {
                top = Math.max(top, value);
            }
        }
        BufferedImage image = new BufferedImage(frames.length, MEL_BINS * PIXELS_PER_BIN, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < frames.length; x++) {
            for (int m = 0; m < MEL_BINS; m++) {
                int rgb = colour(Math.max(0f, 1f - (top - frames[x][m]) / RANGE));
                for (int dy = 0; dy < PIXELS_PER_BIN; dy++) {
                    image.setRGB(x, (MEL_BINS - 1 - m) * PIXELS_PER_BIN + dy, rgb);
                }
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException("writing a PNG in memory failed", e);
        }
        return png.toByteArray();
    }

    /** 0 (quiet) to 1 (loudest): dark blue, purple, red, orange, pale yellow. */
    private static int colour(float level) {
        int r = (int) (255 * Math.min(1f, level * 1.6f));
        int g = (int) (255 * Math.max(0f, level * 1.4f - 0.4f));
        int b = (int) (255 * Math.max(0f, level < 0.4f ? 0.3f + level : 1.1f - level * 1.1f));
        return (r << 16) | (Math.min(255, g) << 8) | Math.min(255, b);
    }
}
