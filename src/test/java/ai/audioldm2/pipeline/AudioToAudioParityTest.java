package ai.audioldm2.pipeline;

import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.audio.AudioDecoder;
import ai.audioldm2.audio.DecodeLimits;
import ai.audioldm2.audio.DecodedAudio;
import ai.audioldm2.random.TorchGenerator;
import ai.audioldm2.testing.Npy;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs every audio-to-audio case of the tiny bundle's reference/cases.json (written by
 * scripts/audioldm2_export/audio_to_audio.py with diffusers' components, torchaudio's resampler and the librosa mel)
 * from the case's input.wav and seed, and compares each stage.
 *
 * <p>Tolerances, max absolute error:
 * <ul>
 *   <li>the generator's draws (posterior noise, add_noise noise, replayed in the documented order by the Python
 *       script, which asserts that diffusers consumed exactly those): bit-identical;</li>
 *   <li>mel_input, the VAE encoder's input: {@value #MEL_TOLERANCE}, issue 5's bound. Both sides compute the front
 *       end in float64 from the same float32 samples, rounding to float32 at the same points;</li>
 *   <li>posterior mean, logvar and sample, noised and final latents, output mel and waveform: DiffusersParityTest's
 *       {@value DiffusersParityTest#TOLERANCE} &times; max(1, max |reference|), the text-to-audio bound (ONNX
 *       Runtime against torch, fed back through the denoising steps).</li>
 * </ul>
 */
@ExtendWith(TinyPipeline.class)
class AudioToAudioParityTest {

    static final double MEL_TOLERANCE = 1e-4;
    private static final Path REFERENCE = TinyBundle.DIR.resolve("reference");
    private static AudioLdm2Pipeline pipeline;

    @BeforeAll
    static void load(AudioLdm2Pipeline shared) {
        pipeline = shared;
    }

    static Stream<JsonNode> cases() throws IOException {
        List<JsonNode> list = DiffusersParityTest.referenceCases(true);
        assertTrue(list.size() >= 2, "reference/cases.json lists fewer than 2 audio-to-audio cases");
        return list.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPythonReference(JsonNode c) throws IOException {
        String id = c.get("id").asText();
        Path dir = REFERENCE.resolve(id);
        DecodedAudio input = AudioDecoder.decode(Files.readAllBytes(dir.resolve("input.wav")), DecodeLimits.DEFAULT);
        assertEquals(c.get("input_sample_rate").asInt(), input.sampleRate(), id + " input rate");
        assertEquals(c.get("input_channels").asInt(), input.channelCount(), id + " input channels");
        double duration = c.get("duration").isNull() ? input.durationSeconds() : c.get("duration").asDouble();
        assertEquals(c.get("effective_duration").asDouble(), duration, 0.0, id + " duration");
        GenerationRequest request = new GenerationRequest(DiffusersParityTest.texts(c.get("prompt")),
                DiffusersParityTest.texts(c.get("negative_prompt")), duration, c.get("steps").asInt(),
                c.get("guidance_scale").asDouble(), c.get("seed").asLong(), c.get("scheduler").asText(),
                c.path("eta").asDouble(0.0), c.path("num_waveforms_per_prompt").asInt(1))
                .withInputAudio(input, c.get("strength").asDouble());
        CapturingSink sink = new CapturingSink();
        AtomicInteger steps = new AtomicInteger();
        GenerationResult result = pipeline.generate(pipeline.plan(request), new GenerationObserver() {
            @Override
            public void stepFinished(int step, int totalSteps) {
                steps.incrementAndGet();
            }
        }, sink);
        assertEquals(c.get("timesteps").size(), steps.get(), id + " denoising steps run");

        long[] latentShape = sink.captured.get("posterior_latents").shape();
        assertDrawsBitIdentical(id, dir, c.get("seed").asLong(), latentShape);

        StringBuilder report = new StringBuilder(String.format(Locale.ROOT, "a2a parity %-16s draws bit-identical", id));
        List<String> failures = new ArrayList<>();
        CapturingSink.Captured mel = sink.captured.get("mel_input");
        Npy.Array expectedMel = Npy.read(dir.resolve("mel_input.npy"));
        DiffusersParityTest.assertShape(expectedMel, mel.shape(), id + " mel_input");
        double melError = maxAbsError(expectedMel.floats(), mel.floats());
        report.append(String.format(Locale.ROOT, " | mel_input %.2e", melError));
        if (!(melError <= MEL_TOLERANCE)) {
            failures.add(id + " mel_input max abs error " + melError + " > " + MEL_TOLERANCE);
        }
        for (String stage : List.of("posterior_mean", "posterior_logvar", "posterior_latents", "initial_latents",
                "final_latents", "mel")) {
            CapturingSink.Captured java = sink.captured.get(stage);
            DiffusersParityTest.compare(id, stage, Npy.read(dir.resolve(stage + ".npy")), java.floats(),
                    java.shape(), report, failures);
        }
        float[][] waveforms = result.waveforms();
        DiffusersParityTest.compare(id, "waveform", Npy.read(dir.resolve("waveform.npy")),
                DiffusersParityTest.flatten(waveforms), new long[] {waveforms.length, waveforms[0].length},
                report, failures);
        System.out.println(report);
        assertTrue(failures.isEmpty(), String.join("; ", failures));
    }

    /** Draw 1 (posterior noise) and, when a step runs, draw 2 (add_noise noise) of one generator seeded once. */
    private static void assertDrawsBitIdentical(String id, Path dir, long seed, long[] shape) {
        TorchGenerator generator = new TorchGenerator(seed);
        for (String draw : List.of("posterior_noise", "add_noise_noise")) {
            Path file = dir.resolve(draw + ".npy");
            if (!Files.exists(file)) {
                assertEquals("add_noise_noise", draw, id + ": the posterior noise is always drawn");
                continue;
            }
            Npy.Array expected = Npy.read(file);
            DiffusersParityTest.assertShape(expected, shape, id + " " + draw);
            float[] java = new float[expected.floats().length];
            generator.fillNormal(java);
            for (int i = 0; i < java.length; i++) {
                if (Float.floatToRawIntBits(java[i]) != Float.floatToRawIntBits(expected.floats()[i])) {
                    fail(id + " " + draw + " differs at " + i + ": torch " + expected.floats()[i] + ", Java " + java[i]);
                }
            }
        }
    }

    private static double maxAbsError(float[] expected, float[] actual) {
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs((double) expected[i] - actual[i]));
        }
        return worst;
    }
}
