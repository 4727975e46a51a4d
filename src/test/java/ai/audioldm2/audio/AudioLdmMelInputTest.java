package ai.audioldm2.audio;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AudioLdmMelInputTest {

    /**
     * The mel bound, against AudioLDM exactly: it resamples in float32 (torchaudio on torchaudio.load's
     * float32), and that rounding alone moves its mel by up to 4e-5 on these clips.
     */
    private static final double MEL_TOLERANCE = 1e-4;
    /**
     * Against the same reference with float64 resampling, which is what this front end computes: float32 output
     * rounding of log-mel values up to about 10 (half-ulp 5e-7), amplified in the quietest bins.
     */
    private static final double FLOAT64_TOLERANCE = 5e-6;

    @Test
    void matchesAudioLdmWavToFbank() {
        for (JsonNode c : DspFixtures.index().get("front_end")) {
            MelSettings settings = DspFixtures.melSettings(c);
            DecodedAudio audio = new DecodedAudio(new float[][] {DspFixtures.floats(c.get("input"))},
                    c.get("orig_freq").asInt());
            int targetFrames = c.get("target_length").asInt();
            float[][] mel = AudioLdmMelInput.melFrom(audio, new LogMelSpectrogram(settings), targetFrames);
            assertEquals(targetFrames, mel.length);
            double worst = DspFixtures.maxAbsDiff(mel, DspFixtures.array(c.get("expected")));
            double worst64 = DspFixtures.maxAbsDiff(mel, DspFixtures.array(c.get("expected_f64_resample")));
            System.out.printf("front end %s: max |java - audioldm wav_to_fbank| = %.3g, with float64 resampling "
                    + "%.3g%n", c.get("name").asText(), worst, worst64);
            assertTrue(worst <= MEL_TOLERANCE, c.get("name").asText() + ": " + worst);
            assertTrue(worst64 <= FLOAT64_TOLERANCE, c.get("name").asText() + ": " + worst64);
        }
    }
}
