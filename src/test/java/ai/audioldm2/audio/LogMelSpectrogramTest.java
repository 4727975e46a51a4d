package ai.audioldm2.audio;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogMelSpectrogramTest {

    /** The parity bound for the mel on the same 16 kHz input. */
    private static final double MEL_TOLERANCE = 1e-4;
    /** The filterbank is librosa's formula evaluated in double in both; only rounding order may differ. */
    private static final double FILTER_TOLERANCE = 1e-12;

    @Test
    void filterBankMatchesLibrosa() {
        for (JsonNode c : DspFixtures.index().get("mel")) {
            double[] expected = DspFixtures.array(c.get("mel_basis"));
            double[][] actual = MelFilterBank.slaney(c.get("sr").asInt(), c.get("n_fft").asInt(),
                    c.get("n_mels").asInt(), c.get("fmin").asDouble(), c.get("fmax").asDouble()).weights();
            assertEquals(c.get("n_fft").asInt() / 2 + 1, actual[0].length);
            double worst = maxAbsDiff(actual, expected);
            System.out.printf("mel filterbank %s: max |java - librosa| = %.3g%n", c.get("name").asText(), worst);
            assertTrue(worst <= FILTER_TOLERANCE, c.get("name").asText() + ": " + worst);
        }
    }

    @Test
    void logMelMatchesTacotronStftForRealAndTinySettings() {
        for (JsonNode c : DspFixtures.index().get("mel")) {
            MelSettings settings = DspFixtures.melSettings(c);
            float[] input = DspFixtures.floats(c.get("input"));
            double[] expected = DspFixtures.array(c.get("expected_f64"));
            float[][] mel = new LogMelSpectrogram(settings).compute(input);
            assertEquals(1 + input.length / settings.hopLength(), mel.length);
            double worst = DspFixtures.maxAbsDiff(mel, expected);
            System.out.printf("log-mel %s (%d frames x %d): max |java - python f64| = %.3g "
                            + "(python f32 vs f64: %.3g)%n", c.get("name").asText(), mel.length, settings.melBins(),
                    worst, c.get("float32_reference_max_abs_diff").asDouble());
            assertTrue(worst <= MEL_TOLERANCE, c.get("name").asText() + ": " + worst);
        }
    }

    @Test
    void silenceGivesTheFloorEverywhere() {
        float[][] mel = new LogMelSpectrogram(MelSettings.audioLdm(160, 64, 16000)).compute(new float[16000]);
        float floor = (float) Math.log(1e-5);
        for (float[] frame : mel) {
            for (float v : frame) {
                assertEquals(floor, v);
            }
        }
    }

    @Test
    void tooShortForReflectPaddingIsRejected() {
        LogMelSpectrogram stft = new LogMelSpectrogram(MelSettings.audioLdm(4, 8, 16000));
        assertThrows(IllegalArgumentException.class, () -> stft.compute(new float[512]));
        assertEquals(129, stft.compute(new float[513]).length);
    }

    @Test
    void padOrTrimKeepsLeadingFramesAndPadsWithZeros() {
        float[][] mel = {{1, 2}, {3, 4}, {5, 6}};
        float[][] trimmed = LogMelSpectrogram.padOrTrim(mel, 2);
        assertEquals(2, trimmed.length);
        assertArrayEquals(new float[] {3, 4}, trimmed[1]);
        float[][] padded = LogMelSpectrogram.padOrTrim(mel, 5);
        assertArrayEquals(new float[] {5, 6}, padded[2]);
        assertArrayEquals(new float[] {0, 0}, padded[4]);
    }

    /** The filterbank in double: {@link DspFixtures#maxAbsDiff} would round it to float. */
    private static double maxAbsDiff(double[][] actual, double[] expected) {
        assertEquals(expected.length, actual.length * actual[0].length);
        double worst = 0;
        for (int m = 0; m < actual.length; m++) {
            for (int k = 0; k < actual[m].length; k++) {
                worst = Math.max(worst, Math.abs(actual[m][k] - expected[m * actual[m].length + k]));
            }
        }
        return worst;
    }
}
