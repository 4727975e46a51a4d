package ai.audioldm2.cli;

import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.pipeline.AudioLdm2Pipeline;
import ai.audioldm2.pipeline.GenerationObserver;
import ai.audioldm2.pipeline.GenerationRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark command's report on the tiny bundle: its shape and its bookkeeping, never its times. */
class BenchCommandTest {

    private static final List<String> STAGES =
            List.of("text_encoding", "language_model", "denoising", "vae_decode", "vocoder", "end_to_end");

    @RegisterExtension
    final CapturedStreams streams = new CapturedStreams();

    @Test
    void reportsEveryStageOfEveryRunAndTheTimeOutsideOrt() throws IOException {
        int code = BenchCommand.run("--model-dir", TinyBundle.DIR.toString(), "--case", "ddim:3,dpm++2m:2",
                "--runs", "2", "--warmup-steps", "1", "--duration", "0.5");
        String stderr = streams.stderr();
        assertEquals(CommandLines.EXIT_OK, code, stderr);
        JsonNode report = new ObjectMapper().readTree(streams.stdout());
        assertEquals("java", report.get("side").asText());
        assertEquals("cpu", report.get("provider").asText());
        assertEquals("fp32", report.get("precision").asText());
        assertEquals(8000, report.get("samples").asInt());      // 0.5 s at 16 kHz
        assertTrue(report.get("peak_rss_mb").asDouble() > 0);
        for (String c : List.of("ddim:3", "dpm++2m:2")) {
            JsonNode times = report.get("cases").get(c);
            for (String stage : STAGES) {
                assertEquals(2, times.get(stage).size(), c + " " + stage);
                for (int run = 0; run < 2; run++) {
                    double wall = times.get(stage).get(run).asDouble();
                    double outside = times.get("outside_ort").get(stage).get(run).asDouble();
                    // the ORT time subtracted is measured inside the stage's own interval
                    assertTrue(outside >= 0 && outside <= wall, c + " " + stage + ": " + outside + " of " + wall);
                }
            }
            assertEquals(2, times.get("denoise_step").size(), c);
        }
        for (String graph : List.of("clap_text", "t5_encoder", "projection", "gpt2", "unet", "vae_decoder", "vocoder")) {
            assertTrue(report.get("ort_run_s_per_graph").get(graph).asDouble() > 0, graph);
        }
    }

    @Test
    void savesEachCasesLastWaveformAsLittleEndianFloats(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("audio");
        int code = BenchCommand.run("--model-dir", TinyBundle.DIR.toString(), "--case", "ddim:2", "--runs", "2",
                "--warmup-steps", "0", "--duration", "0.5", "--seed", "7", "--prompt", "rain on a roof",
                "--negative-prompt", "noise", "--save-audio", dir.toString());
        assertEquals(CommandLines.EXIT_OK, code, streams.stderr());
        byte[] bytes = Files.readAllBytes(dir.resolve("ddim:2.f32"));
        float[] saved = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(saved);
        try (AudioLdm2Pipeline pipeline = AudioLdm2Pipeline.load(TinyBundle.DIR, RuntimeOptions.builder().build())) {
            float[] expected = pipeline.generate(GenerationRequest.of("rain on a roof", "noise", 0.5, 2, 3.5, 7,
                    "ddim"),
                    GenerationObserver.NONE).waveforms()[0];
            assertArrayEquals(expected, saved);
        }
    }

    @Test
    void fastModeRunsTheFastGraphsAndSaysSo(@TempDir Path tmp) throws IOException {
        Path bundle = TinyBundle.copyWithFast(tmp, TinyBundle.fp32Fast(200, 800));
        int code = BenchCommand.run("--model-dir", bundle.toString(), "--case", "ddim:2", "--warmup-steps", "0",
                "--duration", "0.5", "--mode", "fast");
        assertEquals(CommandLines.EXIT_OK, code, streams.stderr());
        JsonNode report = new ObjectMapper().readTree(streams.stdout());
        assertEquals("fast", report.get("mode").asText());
        assertTrue(report.get("ort_run_s_per_graph").has("unet"), "the fast UNet is timed as the unet graph");
    }

    @Test
    void aProviderThisOnnxRuntimeLacksFailsNamingTheOnesItHas() {
        int code = BenchCommand.run("--model-dir", TinyBundle.DIR.toString(), "--case", "ddim:1",
                "--provider", "cuda");
        assertEquals(CommandLines.EXIT_BUNDLE, code);
        String stderr = streams.stderr();
        assertTrue(stderr.contains("'cuda'") && stderr.contains("CPUExecutionProvider")
                && stderr.contains("onnxruntime_gpu"), stderr);
    }

    @Test
    void malformedCaseIsAUsageError() {
        int code = BenchCommand.run("--model-dir", TinyBundle.DIR.toString(), "--case", "ddim");
        assertEquals(CommandLines.EXIT_USAGE, code);
        assertTrue(streams.stderr().contains("SCHEDULER:STEPS"));
    }

    @Test
    void unknownSchedulerIsAUsageError() {
        int code = BenchCommand.run("--model-dir", TinyBundle.DIR.toString(), "--case", "nope:3");
        assertEquals(CommandLines.EXIT_USAGE, code);
    }
}
