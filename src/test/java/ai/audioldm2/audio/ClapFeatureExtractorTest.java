package ai.audioldm2.audio;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClapFeatureExtractorTest {

    /**
     * The parity bound, in dB. transformers rounds the FFT to complex64 and the features to float32
     * (ulp 7.6e-6 at 64 dB); the rest is double in both.
     */
    private static final double TOLERANCE_DB = 1e-4;

    @Test
    void matchesTransformersForShortAndLongClips() {
        for (JsonNode c : DspFixtures.index().get("clap")) {
            ClapFeatureSettings settings = new ClapFeatureSettings(c.get("sampling_rate").asInt(),
                    c.get("fft_window_size").asInt(), c.get("hop_length").asInt(), c.get("feature_size").asInt(),
                    c.get("frequency_min").asDouble(), c.get("frequency_max").asDouble(),
                    c.get("max_length_s").asDouble());
            float[] clip = repeat(DspFixtures.floats(c.get("input")), c.get("input_repeats").asInt());
            double[] expected = DspFixtures.array(c.get("expected"));
            float[][] features = new ClapFeatureExtractor(settings).extract(clip);
            String name = c.get("name").asText();
            assertEquals(settings.frames(), features.length, name);
            double worst = DspFixtures.maxAbsDiff(features, expected);
            System.out.printf("clap features %-16s (%d x %d): max |java - transformers| = %.3g dB%n", name,
                    features.length, settings.featureSize(), worst);
            assertTrue(worst <= TOLERANCE_DB, name + ": " + worst);
        }
    }

    @Test
    void audioLdm2SettingsGive1001FramesAndSilenceGivesTheFloor() {
        float[][] features = new ClapFeatureExtractor(ClapFeatureSettings.AUDIOLDM2).extract(new float[16000]);
        assertEquals(1001, features.length);
        for (float[] frame : features) {
            for (float v : frame) {
                assertEquals(-100f, v);
            }
        }
    }

    @Test
    void repeatPadsShortClipsAndCropsLongOnesAtTheCentre() {
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3, 0}, ClapFeatureExtractor.fitToMaxLength(new float[] {1, 2, 3}, 7));
        assertArrayEquals(new float[] {2, 3, 4}, ClapFeatureExtractor.fitToMaxLength(new float[] {1, 2, 3, 4, 5}, 3));
        assertArrayEquals(new float[] {2, 3}, ClapFeatureExtractor.fitToMaxLength(new float[] {1, 2, 3, 4, 5}, 2));
        assertThrows(IllegalArgumentException.class, () -> ClapFeatureExtractor.fitToMaxLength(new float[0], 3));
    }

    private static float[] repeat(float[] clip, int times) {
        float[] out = new float[clip.length * times];
        for (int r = 0; r < times; r++) {
            System.arraycopy(clip, 0, out, r * clip.length, clip.length);
        }
        return out;
    }
}
