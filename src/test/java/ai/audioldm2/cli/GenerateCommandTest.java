package ai.audioldm2.cli;

import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.audio.AudioDecoder;
import ai.audioldm2.audio.DecodeLimits;
import ai.audioldm2.audio.DecodedAudio;
import ai.audioldm2.pipeline.AudioLdm2Pipeline;
import ai.audioldm2.pipeline.GenerationObserver;
import ai.audioldm2.pipeline.GenerationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one-shot CLI, called in-process: WAV output, printed seed and timings, one-line errors with exit codes. */
class GenerateCommandTest {

    private static final String BUNDLE = TinyBundle.DIR.toString();

    @TempDir
    Path tmp;

    @RegisterExtension
    final CapturedStreams streams = new CapturedStreams();

    private String stdout() {
        return streams.stdout();
    }

    private String stderr() {
        return streams.stderr();
    }

    @Test
    void float32WavHoldsExactlyThePipelineOutput() throws IOException {
        Path wav = tmp.resolve("out.wav");
        int code = GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "A dog barks.", "--negative-prompt", "noise",
                "--steps", "3", "--guidance", "3.0", "--duration", "0.5", "--seed", "42", "--sample-format", "f32",
                "--out", wav.toString());
        assertEquals(0, code, stderr());
        assertTrue(stdout().contains("seed 42"), stdout());
        for (String stage : new String[] {"text_encoding", "language_model", "denoising", "vae_decode", "vocoder"}) {
            assertTrue(stderr().contains(stage + " "), "no timing for " + stage + " in " + stderr());
        }
        Wav file = Wav.read(wav);
        assertEquals(3, file.format);           // IEEE float
        assertEquals(32, file.bits);
        assertEquals(16000, file.sampleRate);
        assertHoldsDogBarks(file);
    }

    /** The file holds exactly what the pipeline makes of the request both tests give on the command line. */
    private static void assertHoldsDogBarks(Wav file) {
        try (AudioLdm2Pipeline pipeline = AudioLdm2Pipeline.load(TinyBundle.DIR, RuntimeOptions.cpuDefaults())) {
            float[] expected = pipeline.generate(GenerationRequest.of("A dog barks.", "noise", 0.5, 3, 3.0, 42, "ddim"),
                    GenerationObserver.NONE).waveforms()[0];
            assertArrayEquals(expected, file.floats());
        }
    }

    /** The first run writes one optimized graph per session, the second loads them; both give the same audio. */
    @Test
    void optimizedGraphCacheIsWrittenThenReusedWithTheSameAudio() throws IOException {
        Path cache = tmp.resolve("ort-cache");
        String[] dogBarks = {"--model-dir", BUNDLE, "--prompt", "A dog barks.", "--negative-prompt", "noise",
                "--steps", "3", "--guidance", "3.0", "--duration", "0.5", "--seed", "42", "--sample-format", "f32",
                "--optimized-model-dir", cache.toString(), "--out"};
        assertEquals(0, GenerateCommand.run(concat(dogBarks, tmp.resolve("first.wav").toString())), stderr());
        try (var files = Files.list(cache)) {
            long graphs = files.filter(f -> f.toString().endsWith(".onnx")).count();
            assertEquals(9, graphs, "one cached graph per session of the tiny bundle");
        }
        FileTime written = Files.getLastModifiedTime(cache);
        assertEquals(0, GenerateCommand.run(concat(dogBarks, tmp.resolve("second.wav").toString())), stderr());
        assertEquals(written, Files.getLastModifiedTime(cache), "the second run rewrote the cache");
        assertHoldsDogBarks(Wav.read(tmp.resolve("first.wav")));
        assertHoldsDogBarks(Wav.read(tmp.resolve("second.wav")));
    }

    private static String[] concat(String[] head, String last) {
        String[] all = Arrays.copyOf(head, head.length + 1);
        all[head.length] = last;
        return all;
    }

    @Test
    void pcm16IsTheDefaultAndARandomSeedIsPrinted() throws IOException {
        Path wav = tmp.resolve("pcm.wav");
        int code = GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "Rain on a roof.", "--steps", "2",
                "--duration", "0.25", "--out", wav.toString());
        assertEquals(0, code, stderr());
        Matcher seed = Pattern.compile("seed (\\d+)").matcher(stdout());
        assertTrue(seed.find(), stdout());
        Wav file = Wav.read(wav);
        assertEquals(1, file.format);           // PCM
        assertEquals(16, file.bits);
        assertEquals(1, file.channels);
        assertEquals((int) (0.25 * 16000), file.data.length / 2);
    }

    @Test
    void promptFromFile() throws IOException {
        Path prompt = Files.writeString(tmp.resolve("prompt.txt"), "A dog barks.\n");
        Path wav = tmp.resolve("file.wav");
        int code = GenerateCommand.run("--model-dir", BUNDLE, "--prompt-file", prompt.toString(), "--negative-prompt",
                "noise", "--steps", "3", "--guidance", "3.0", "--duration", "0.5", "--seed", "42", "--sample-format",
                "f32", "--out", wav.toString());
        assertEquals(0, code, stderr());
        assertHoldsDogBarks(Wav.read(wav));
    }

    @Test
    void promptAndPromptFileExcludeEachOther() {
        assertEquals(GenerateCommand.EXIT_USAGE, GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "dog",
                "--prompt-file", "p.txt", "--out", tmp.resolve("x.wav").toString()));
        assertOneErrorLine("mutually exclusive");
    }

    @Test
    void badRequestExitsWithOneLine() {
        int code = GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "  ", "--out", tmp.resolve("x.wav").toString());
        assertEquals(GenerateCommand.EXIT_USAGE, code);
        assertOneErrorLine("prompt must not be empty");
        assertFalse(Files.exists(tmp.resolve("x.wav")));
    }

    @Test
    void requestOverTheMemoryBudgetExitsWithOneLineNamingTheLargestDuration() {
        int code = GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "dog", "--duration", "4",
                "--max-request-memory", "300M", "--out", tmp.resolve("x.wav").toString());
        assertEquals(GenerateCommand.EXIT_USAGE, code);
        assertOneErrorLine("the largest duration this model allows at these settings is 3.76 s");
        assertFalse(Files.exists(tmp.resolve("x.wav")));
    }

    @Test
    void fastModeRunsOnABundleWithFastGraphsAndNamesTheExportFlagOnOneWithout() {
        Path fast = TinyBundle.copyWithFast(tmp.resolve("fast"), TinyBundle.fp32Fast(200, 800));
        assertEquals(GenerateCommand.EXIT_OK, GenerateCommand.run("--model-dir", fast.toString(), "--prompt", "dog",
                "--steps", "2", "--duration", "0.5", "--mode", "fast", "--out", tmp.resolve("f.wav").toString()),
                stderr());
        assertTrue(stderr().contains("fast mode"), stderr());
        streams.resetStderr();
        Path exactOnly = TinyBundle.copyWithFast(tmp.resolve("exact"), null);
        assertEquals(GenerateCommand.EXIT_USAGE, GenerateCommand.run("--model-dir", exactOnly.toString(),
                "--prompt", "dog", "--mode", "fast", "--out", tmp.resolve("x.wav").toString()));
        assertTrue(stderr().lines().anyMatch(line -> line.startsWith("error: ")
                && line.contains("scripts/export_onnx.py ... --fast")), stderr());
    }

    @Test
    void aModeThatIsNoneIsAUsageError() {
        assertEquals(GenerateCommand.EXIT_USAGE, GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "dog",
                "--mode", "turbo", "--out", tmp.resolve("x.wav").toString()));
        assertOneErrorLine("'turbo' is not a mode (exact, fast)");
    }

    @Test
    void durationBelowTheBundleMinimumExitsWithOneLine() {
        int code = GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "dog", "--duration", "0.001",
                "--out", tmp.resolve("x.wav").toString());
        assertEquals(GenerateCommand.EXIT_USAGE, code);
        assertOneErrorLine("duration must be");
    }

    @Test
    void unknownOptionAndMissingRequiredExitWithOneLine() {
        assertEquals(GenerateCommand.EXIT_USAGE, GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "dog",
                "--out", tmp.resolve("x.wav").toString(), "--bogus"));
        assertOneErrorLine("--bogus");
        streams.resetStderr();
        assertEquals(GenerateCommand.EXIT_USAGE, GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "dog"));
        assertOneErrorLine("--out");
        streams.resetStderr();
        assertEquals(GenerateCommand.EXIT_USAGE, GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "dog",
                "--steps", "many", "--out", tmp.resolve("x.wav").toString()));
        assertOneErrorLine("--steps");
    }

    @Test
    void unknownSampleFormatExitsWithOneLine() {
        assertEquals(GenerateCommand.EXIT_USAGE, GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "dog",
                "--sample-format", "mp3", "--out", tmp.resolve("x.wav").toString()));
        assertOneErrorLine("pcm16, f32");
    }

    @Test
    void missingBundleExitsWithOneLine() {
        int code = GenerateCommand.run("--model-dir", tmp.resolve("none").toString(), "--prompt", "dog",
                "--out", tmp.resolve("x.wav").toString());
        assertEquals(GenerateCommand.EXIT_BUNDLE, code);
        assertOneErrorLine("model bundle directory not found");
    }

    @Test
    void unavailableProviderExitsWithOneLine() {
        int code = GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "dog", "--provider", "cuda",
                "--out", tmp.resolve("x.wav").toString());
        assertEquals(GenerateCommand.EXIT_BUNDLE, code);
        assertOneErrorLine("CPUExecutionProvider");
    }

    @Test
    void audioToAudioDefaultsToTheInputsDurationAndWritesThePipelineOutput() throws IOException {
        Path input = TinyBundle.DIR.resolve("reference/a2a_ddim_half/input.wav");   // 0.9 s, 44.1 kHz stereo
        Path wav = tmp.resolve("a2a.wav");
        int code = GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "A dog barks.", "--input-audio",
                input.toString(), "--strength", "0.6", "--steps", "5", "--seed", "3", "--sample-format", "f32",
                "--out", wav.toString());
        assertEquals(0, code, stderr());
        assertTrue(stderr().contains("audio_encoding "), stderr());
        float[] written = Wav.read(wav).floats();
        assertEquals((int) (0.9 * 16000), written.length);
        try (AudioLdm2Pipeline pipeline = AudioLdm2Pipeline.load(TinyBundle.DIR, RuntimeOptions.cpuDefaults())) {
            DecodedAudio audio = AudioDecoder.decode(Files.readAllBytes(input), DecodeLimits.DEFAULT);
            GenerationRequest request = GenerationRequest.of("A dog barks.", null, audio.durationSeconds(), 5,
                    3.5, 3, "ddim").withInputAudio(audio, 0.6);
            assertArrayEquals(pipeline.generate(request, GenerationObserver.NONE).waveforms()[0], written);
        }
    }

    @Test
    void undecodableInputAudioExitsWithOneLineNamingTheFormats() throws IOException {
        Path notAudio = Files.writeString(tmp.resolve("notes.wav"), "this is not audio");
        int code = GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "dog", "--input-audio", notAudio.toString(),
                "--out", tmp.resolve("x.wav").toString());
        assertEquals(GenerateCommand.EXIT_USAGE, code);
        assertOneErrorLine("--input-audio");
        assertTrue(stderr().contains("FLAC"), stderr());
        streams.resetStderr();
        code = GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "dog", "--input-audio",
                TinyBundle.DIR.resolve("reference/a2a_ddim_half/input.wav").toString(), "--strength", "1.5",
                "--out", tmp.resolve("x.wav").toString());
        assertEquals(GenerateCommand.EXIT_USAGE, code);
        assertOneErrorLine("strength must be a number in [0, 1]");
        streams.resetStderr();
        code = GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "dog", "--strength", "0.3",
                "--out", tmp.resolve("x.wav").toString());
        assertEquals(GenerateCommand.EXIT_USAGE, code);
        assertOneErrorLine("--strength applies to audio-to-audio only");
    }

    @Test
    void severalWaveformsWriteTheBestAndOptionallyEveryCandidate() throws IOException {
        Path wav = tmp.resolve("best.wav");
        int code = GenerateCommand.run("--model-dir", BUNDLE, "--prompt", "A dog barks.", "--steps", "2",
                "--duration", "0.32", "--seed", "9", "--waveforms", "3", "--all-candidates", "--sample-format", "f32",
                "--out", wav.toString());
        assertEquals(0, code, stderr());
        assertTrue(stdout().contains("clap score"), stdout());
        assertArrayEquals(Wav.read(wav).floats(), Wav.read(tmp.resolve("best-1.wav")).floats());
        assertTrue(Files.exists(tmp.resolve("best-2.wav")) && Files.exists(tmp.resolve("best-3.wav")));
        assertFalse(Files.exists(tmp.resolve("best-4.wav")));
    }

    private void assertOneErrorLine(String expected) {
        String[] lines = stderr().strip().split("\\R");
        assertEquals(1, lines.length, "expected one line, got: " + stderr());
        assertTrue(lines[0].startsWith("error: ") && lines[0].contains(expected), lines[0]);
    }

    /** The fields of a mono WAV file this test checks, parsed by hand so that the test trusts no WAV library. */
    private record Wav(int format, int channels, int sampleRate, int bits, byte[] data) {

        static Wav read(Path path) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals("RIFF", tag(b, 0));
            assertEquals("WAVE", tag(b, 8));
            int format = 0;
            int channels = 0;
            int rate = 0;
            int bits = 0;
            int pos = 12;
            while (pos + 8 <= b.limit()) {
                String id = tag(b, pos);
                int size = b.getInt(pos + 4);
                if (id.equals("fmt ")) {
                    format = b.getShort(pos + 8) & 0xFFFF;
                    channels = b.getShort(pos + 10);
                    rate = b.getInt(pos + 12);
                    bits = b.getShort(pos + 22);
                } else if (id.equals("data")) {
                    byte[] data = new byte[size];
                    b.get(pos + 8, data);
                    return new Wav(format, channels, rate, bits, data);
                }
                pos += 8 + size + (size & 1);
            }
            throw new AssertionError("no data chunk in " + path);
        }

        private static String tag(ByteBuffer b, int at) {
            byte[] t = new byte[4];
            b.get(at, t);
            return new String(t, StandardCharsets.US_ASCII);
        }

        float[] floats() {
            float[] f = new float[data.length / 4];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
            return f;
        }
    }
}
