package ai.audioldm2.audio;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AudioLdmNormalizationTest {

    /** Same float32 input, double arithmetic in both; the Java output is float32 (half-ulp 3e-8 at 0.5). */
    private static final double TOLERANCE = 1e-7;

    @Test
    void matchesAudioLdm() {
        for (JsonNode c : DspFixtures.index().get("normalize")) {
            float[] input = DspFixtures.floats(c.get("input"));
            double[] expected = DspFixtures.array(c.get("expected"));
            float[] actual = AudioLdmNormalization.normalize(input, c.get("segment_length").asInt());
            assertEquals(expected.length, actual.length, c.get("name").asText());
            double worst = DspFixtures.maxAbsDiff(actual, expected);
            double peak = 0;
            for (float v : actual) {
                peak = Math.max(peak, Math.abs(v));
            }
            System.out.printf("normalize %s: max |java - audioldm| = %.3g%n", c.get("name").asText(), worst);
            assertTrue(worst <= TOLERANCE, c.get("name").asText() + ": " + worst);
            assertEquals(0.5, peak, TOLERANCE);
        }
    }

    @Test
    void silenceAndEmptyInputGiveZerosNotNaN() {
        for (float[] silent : new float[][] {new float[1000], new float[0], {0.25f, 0.25f, 0.25f}}) {
            float[] out = AudioLdmNormalization.normalize(silent, 1600);
            assertEquals(1600, out.length);
            for (float v : out) {
                assertEquals(0f, v);
            }
        }
    }
}
