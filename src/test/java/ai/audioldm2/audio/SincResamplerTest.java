package ai.audioldm2.audio;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SincResamplerTest {

    /**
     * Against the float64 evaluation of torchaudio's resample (scripts/make_dsp_fixtures.py: a port checked to be
     * identical to torchaudio 2.11). Both compute the same sums in double; the Java output is rounded to float32,
     * whose half-ulp is 3e-8 below 1.0, so 1e-7 leaves only rounding-order noise.
     */
    private static final double FLOAT64_TOLERANCE = 1e-7;
    /**
     * Against torchaudio in float32 (what AudioLDM runs: torchaudio.load gives float32, and torchaudio then builds
     * its kernel and convolves in float32): the difference can be no larger than that path's own rounding error,
     * measured per case by the fixture script, plus the float64 tolerance.
     */

    @Test
    void matchesTorchaudioOnTonesAndNoise() {
        double worst64 = 0;
        double worst32 = 0;
        for (JsonNode c : DspFixtures.index().get("resample")) {
            float[] input = DspFixtures.floats(c.get("input"));
            double[] expected64 = DspFixtures.array(c.get("expected_f64"));
            double[] expected32 = DspFixtures.array(c.get("expected_f32"));
            float[] actual = SincResampler.resample(input, c.get("orig_freq").asInt(), c.get("new_freq").asInt());
            String name = c.get("name").asText();
            assertEquals(expected64.length, actual.length, name + ": output length");
            double err64 = DspFixtures.maxAbsDiff(actual, expected64);
            double err32 = DspFixtures.maxAbsDiff(actual, expected32);
            System.out.printf("resample %-20s max |java - torchaudio f64| = %.3g, |java - torchaudio f32| = %.3g%n",
                    name, err64, err32);
            assertTrue(err64 <= FLOAT64_TOLERANCE, name + ": " + err64);
            double torchaudioFloat32Error = c.get("f32_vs_f64_max_abs_diff").asDouble();
            assertTrue(err32 <= torchaudioFloat32Error + FLOAT64_TOLERANCE, name + ": " + err32);
            worst64 = Math.max(worst64, err64);
            worst32 = Math.max(worst32, err32);
        }
        System.out.printf("resample worst: %.3g vs float64 reference, %.3g vs float32 torchaudio%n", worst64, worst32);
    }

    /**
     * The stop band, measured with tones when downsampling 44.1 kHz to 16 kHz (cutoff 0.99 * 8 kHz = 7.92 kHz). A
     * Hann-windowed sinc of half-length 6 zero crossings has a main-lobe half-width of cutoff / 3, so the stop band
     * starts near 7.92 * 4/3 = 10.56 kHz; beyond it the Hann window's sidelobes give about 44 dB of rejection.
     * Between 8 and 10.56 kHz rejection is partial (torchaudio's filter behaves the same).
     */
    @Test
    void stopBandRejectsAliasesByAtLeast43Db() {
        int from = 44100;
        int to = 16000;
        double worstStopBandDb = -Double.MAX_VALUE;
        for (double hz = 10600; hz <= 22000; hz += 50) {
            worstStopBandDb = Math.max(worstStopBandDb, gainDb(hz, from, to));
        }
        double passbandDb = gainDb(1000, from, to);
        double cutoffDb = gainDb(7920, from, to);
        double nearNyquistDb = gainDb(7990, from, to);
        System.out.printf("resample 44100->16000: gain at 1 kHz %.4f dB, 7.92 kHz %.2f dB, 7.99 kHz %.2f dB, "
                + "worst over 10.6-22 kHz %.2f dB%n", passbandDb, cutoffDb, nearNyquistDb, worstStopBandDb);
        assertTrue(worstStopBandDb < -43, "stop band " + worstStopBandDb + " dB");
        assertTrue(Math.abs(passbandDb) < 0.01, "pass band " + passbandDb + " dB");
    }

    @Test
    void sameRateIsACopyAndLengthsFollowTorchaudio() {
        float[] x = {1, 2, 3};
        float[] same = SincResampler.resample(x, 16000, 16000);
        assertEquals(3, same.length);
        // ceil(n * new / orig) after dividing both rates by their gcd
        assertEquals(1452, SincResampler.resample(new float[4001], 44100, 16000).length);
        assertEquals(3, SincResampler.resample(new float[1], 16000, 48000).length);
        assertEquals(0, SincResampler.resample(new float[0], 44100, 16000).length);
    }

    /** Output amplitude of a unit sine, measured away from the edges, in dB. */
    private static double gainDb(double hz, int from, int to) {
        float[] tone = new float[from / 2];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (float) Math.sin(2 * Math.PI * hz * i / from);
        }
        float[] out = SincResampler.resample(tone, from, to);
        double sumSquares = 0;
        int margin = to / 20;
        for (int i = margin; i < out.length - margin; i++) {
            sumSquares += out[i] * out[i];
        }
        double rms = Math.sqrt(sumSquares / (out.length - 2 * margin));
        return 20 * Math.log10(rms * Math.sqrt(2));
    }
}
