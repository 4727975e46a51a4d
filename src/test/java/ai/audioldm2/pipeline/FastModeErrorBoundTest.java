package ai.audioldm2.pipeline;

import ai.audioldm2.audio.LogMelSpectrogram;
import ai.audioldm2.audio.MelSettings;
import ai.audioldm2.bundle.ModelBundle;
import ai.audioldm2.bundle.ModelConfig;
import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.onnx.RuntimeOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Holds fast mode to the error its bundle states, on the committed tiny bundle: over the manifest's fast.error.cases,
 * the log-mel RMS of (fast - exact), each case over the std of its exact mel, aggregated as the RMS over every
 * case's elements, measured here with Java fast against Java exact, must be the error the exporter measured with
 * diffusers (its pipeline with the fast graphs swapped in and the guidance interval applied) within {@link #MARGIN}.
 * Both directions: a fast mode that ran exact graphs everywhere (error 0) fails as surely as one that drifted.
 * Whether that error is within the bundle's bf16 anchor is printed, not asserted: on the tiny random fixture it is
 * not (docs/PERFORMANCE.md, fast mode).
 */
class FastModeErrorBoundTest {

    private static final Path BUNDLE = TinyBundle.DIR;
    /**
     * Relative difference allowed between this runtime's measure and the exporter's: exact mode matches diffusers to
     * ~1e-5, the int8 graph runs on ONNX Runtime 1.29 here and 1.30 in Python (measured: 1e-4 apart).
     */
    private static final double MARGIN = 0.02;

    @Test
    void fastModeHasTheErrorItsManifestStates() throws IOException {
        JsonNode error = fastError();
        double rms = melRmsOverStd(BUNDLE, error.get("cases"));
        double stated = error.get("mel_rms_over_std").asDouble();
        System.out.printf(Locale.ROOT, "fast mode log-mel rms/std %.4g (manifest %.4g; bf16 anchor %.4g)%n",
                rms, stated, error.get("bf16_anchor").get("mel_rms_over_std").asDouble());
        assertEquals(stated, rms, MARGIN * stated, "fast mode's log-mel error against the manifest's");
    }

    /**
     * The guidance interval alone (the exact graphs under the bundle's window): the exporter's
     * guidance_interval_only, which ran diffusers' fp32 UNet under the same rule, so the two rules are one.
     */
    @Test
    void theGuidanceIntervalAloneHasTheErrorItsManifestStates(@TempDir Path tmp) throws IOException {
        JsonNode error = fastError();
        List<Long> window = ModelBundle.manifestOf(BUNDLE).fast().guidanceTimesteps();
        double rms = melRmsOverStd(TinyBundle.copyWithFast(tmp, TinyBundle.fp32Fast(window.get(0), window.get(1))),
                error.get("cases"));
        double stated = error.get("guidance_interval_only").get("mel_rms_over_std").asDouble();
        System.out.printf(Locale.ROOT, "guidance interval alone: log-mel rms/std %.4g (manifest %.4g)%n", rms, stated);
        assertEquals(stated, rms, MARGIN * stated, "the guidance interval's log-mel error against the manifest's");
    }

    private static JsonNode fastError() throws IOException {
        JsonNode error = new ObjectMapper().readTree(BUNDLE.resolve(ModelBundle.MANIFEST).toFile()).path("fast")
                .path("error");
        assertTrue(error.has("cases") && !error.get("cases").isEmpty() && error.has("guidance_interval_only"),
                BUNDLE + " has no fast block with measured cases: scripts/export_onnx.py --tiny-random --add-fast "
                        + "--out " + BUNDLE);
        return error;
    }

    static double melRmsOverStd(Path bundle, JsonNode cases) {
        double squares = 0;
        long elements = 0;
        try (AudioLdm2Pipeline pipeline = AudioLdm2Pipeline.load(bundle,
                RuntimeOptions.builder().fastMode(true).build())) {
            LogMelSpectrogram mel = spectrogram(ModelBundle.manifestOf(bundle).config());
            for (JsonNode c : cases) {
                GenerationRequest exact = GenerationRequest.of(c.get("prompt").asText(),
                        c.hasNonNull("negative_prompt") ? c.get("negative_prompt").asText() : null,
                        c.get("audio_length_in_s").asDouble(), c.get("steps").asInt(),
                        c.get("guidance_scale").asDouble(), c.get("seed").asLong(), c.get("scheduler").asText());
                float[][] exactMel = mel.compute(pipeline.generate(exact, GenerationObserver.NONE).waveforms()[0]);
                float[][] fastMel = mel.compute(pipeline.generate(exact.withMode(Mode.FAST), GenerationObserver.NONE)
                        .waveforms()[0]);
                double std = std(exactMel);
                for (int f = 0; f < exactMel.length; f++) {
                    for (int m = 0; m < exactMel[f].length; m++) {
                        double d = (fastMel[f][m] - exactMel[f][m]) / std;
                        squares += d * d;
                        elements++;
                    }
                }
            }
        }
        return Math.sqrt(squares / elements);
    }

    private static LogMelSpectrogram spectrogram(ModelConfig config) {
        ModelConfig.Stft stft = config.stft();
        return new LogMelSpectrogram(new MelSettings(config.samplingRate(), stft.nFft(), stft.winLength(),
                stft.hopLength(), stft.melBins(), stft.fmin(), stft.fmax()));
    }

    private static double std(float[][] mel) {
        double sum = 0;
        double squares = 0;
        long n = 0;
        for (float[] frame : mel) {
            for (float v : frame) {
                sum += v;
                squares += (double) v * v;
                n++;
            }
        }
        double mean = sum / n;
        return Math.sqrt(squares / n - mean * mean);
    }
}
