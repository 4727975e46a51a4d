package ai.audioldm2.pipeline;

import ai.audioldm2.onnx.RuntimeOptions;
import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.bundle.ModelBundleException;
import ai.audioldm2.text.PromptText;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pipeline's contract beyond numerics: validation, observer callbacks, cancellation, threads, load errors. */
class AudioLdm2PipelineTest {

    /** The stages of a text-to-audio run with one waveform per prompt (no audio encoding, no ranking). */
    private static final List<Stage> TEXT_TO_AUDIO_STAGES = List.of(Stage.TEXT_ENCODING, Stage.LANGUAGE_MODEL,
            Stage.DENOISING, Stage.VAE_DECODE, Stage.VOCODER);
    private static AudioLdm2Pipeline pipeline;
    private static double minDuration;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        pipeline = AudioLdm2Pipeline.load(TinyBundle.DIR, RuntimeOptions.cpuDefaults());
        minDuration = pipeline.info().minDurationSeconds();
    }

    @AfterAll
    static void close() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private static GenerationRequest request(String prompt, double duration, int steps, double guidance,
                                             String scheduler) {
        return GenerationRequest.of(prompt, null, duration, steps, guidance, 7, scheduler);
    }

    private static GenerationRequest valid() {
        return request("A dog barks.", minDuration * 3, 3, 2.5, "ddim");
    }

    @Test
    void infoDescribesTheBundle() {
        ModelInfo info = pipeline.info();
        assertEquals("tiny-random", info.name());
        assertEquals("cpu", info.executionProvider());
        assertTrue(info.schedulers().contains("ddim"));
        assertTrue(info.minDurationSeconds() > 0);
    }

    @Test
    void waveformHasTheRequestedLengthAndStagesAreTimed() {
        GenerationRequest r = valid();
        GenerationResult result = pipeline.generate(r, GenerationObserver.NONE);
        assertEquals(1, result.waveforms().length);
        assertEquals((int) (r.durationSeconds() * pipeline.info().sampleRate()), result.waveforms()[0].length);
        assertEquals(TEXT_TO_AUDIO_STAGES, new ArrayList<>(result.stageNanos().keySet()));
        assertNull(result.scores());
        assertEquals(7, result.seed());
    }

    @Test
    void observerSeesStagesInOrderAndEveryStep() {
        List<String> events = new ArrayList<>();
        pipeline.generate(valid(), new GenerationObserver() {
            @Override
            public void stageStarted(Stage stage) {
                events.add("start " + stage);
            }

            @Override
            public void stageFinished(Stage stage, long nanos) {
                events.add("end " + stage);
            }

            @Override
            public void stepFinished(int step, int totalSteps) {
                events.add("step " + step + "/" + totalSteps);
            }
        });
        List<String> expected = new ArrayList<>();
        for (Stage s : TEXT_TO_AUDIO_STAGES) {
            expected.add("start " + s);
            if (s == Stage.DENOISING) {
                expected.addAll(List.of("step 1/3", "step 2/3", "step 3/3"));
            }
            expected.add("end " + s);
        }
        assertEquals(expected, events);
    }

    @Test
    void cancellationStopsBetweenSteps() {
        AtomicInteger steps = new AtomicInteger();
        GenerationObserver cancelAfterOne = new GenerationObserver() {
            @Override
            public void stepFinished(int step, int totalSteps) {
                steps.set(step);
            }

            @Override
            public boolean isCancelled() {
                return steps.get() >= 1;
            }
        };
        GenerationCancelledException e = assertThrows(GenerationCancelledException.class,
                () -> pipeline.generate(valid(), cancelAfterOne));
        assertTrue(e.getMessage().contains("after 1 of 3"), e.getMessage());
        // the pipeline is still usable after a cancelled run
        pipeline.generate(valid(), GenerationObserver.NONE);
    }

    @Test
    void sameSeedSameAudioAcrossThreads() throws Exception {
        float[] sequential = pipeline.generate(valid(), GenerationObserver.NONE).waveforms()[0];
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<float[]>> runs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                runs.add(pool.submit(() -> pipeline.generate(valid(), GenerationObserver.NONE).waveforms()[0]));
            }
            for (Future<float[]> run : runs) {
                assertArrayEquals(sequential, run.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void severalPromptsTimesWaveformsGiveOneDistinctRowEach() {
        // the row order itself is checked against diffusers by the parity cases with several waveforms
        GenerationRequest r = new GenerationRequest(List.of("A dog barks.", "Rain on a roof."), List.of("noise"),
                minDuration * 2, 2, 3.0, 11, "ddim", 0.0, 2);
        float[][] rows = pipeline.generate(r, GenerationObserver.NONE).waveforms();
        assertEquals(4, rows.length);
        for (int a = 0; a < rows.length; a++) {
            for (int b = a + 1; b < rows.length; b++) {
                assertTrue(!Arrays.equals(rows[a], rows[b]), "rows " + a + " and " + b + " are equal");
            }
        }
    }

    @Test
    void everySchedulerRunsThroughThePipeline() {
        // parity with diffusers is checked for ddim and dpm++2m (reference cases) and per scheduler in the
        // scheduler tests; this checks that each one is wired: finite audio of the requested length
        for (String name : pipeline.info().schedulers()) {
            float[] audio = pipeline.generate(request("A dog barks.", minDuration * 2, 4, 2.5, name),
                    GenerationObserver.NONE).waveforms()[0];
            assertEquals((int) (minDuration * 2 * pipeline.info().sampleRate()), audio.length, name);
            for (float v : audio) {
                assertTrue(Float.isFinite(v), name + " produced a non-finite sample");
            }
        }
    }

    // --- bad input: every field gets a typed exception naming it and the allowed range ---

    @Test
    void rejectsEmptyAndBlankPrompts() {
        assertInvalid(request("", 1, 2, 2.5, "ddim"), "prompt", "empty");
        assertInvalid(request("   ", 1, 2, 2.5, "ddim"), "prompt", "blank");
        assertInvalid(new GenerationRequest(List.of(), null, 1, 2, 2.5, 1, "ddim", 0, 1), "prompt", "required");
    }

    @Test
    void rejectsTooLongPromptsAndUnpairedSurrogates() {
        assertInvalid(request("x".repeat(PromptText.MAX_CODE_POINTS + 1), 1, 2, 2.5, "ddim"), "prompt",
                String.valueOf(PromptText.MAX_CODE_POINTS));
        assertInvalid(request("dog \uD83D", 1, 2, 2.5, "ddim"), "prompt", "surrogate");
        assertInvalid(GenerationRequest.of("dog", "\uDC00", 1, 2, 2.5, 1, "ddim"), "negative_prompt", "surrogate");
    }

    @Test
    void rejectsNegativePromptCountMismatch() {
        assertInvalid(new GenerationRequest(List.of("a", "b", "c"), List.of("x", "y"), 1, 2, 2.5, 1, "ddim", 0, 1),
                "negative_prompt", "one per prompt (3)");
    }

    @Test
    void rejectsDurationsTheBundleCannotRepresent() {
        assertInvalid(request("dog", minDuration * 0.5, 2, 2.5, "ddim"), "duration", String.valueOf(minDuration));
        assertInvalid(request("dog", Double.NaN, 2, 2.5, "ddim"), "duration", ">=");
        assertInvalid(request("dog", Double.POSITIVE_INFINITY, 2, 2.5, "ddim"), "duration", ">=");
        assertInvalid(request("dog", 1e9, 2, 2.5, "ddim"), "duration", "at most");
    }

    @Test
    void acceptsTheMinimumDuration() {
        GenerationResult result = pipeline.generate(request("dog", minDuration, 1, 2.5, "ddim"),
                GenerationObserver.NONE);
        assertEquals((int) (minDuration * pipeline.info().sampleRate()), result.waveforms()[0].length);
    }

    @Test
    void rejectsBadStepsGuidanceEtaAndWaveforms() {
        assertInvalid(request("dog", 1, 0, 2.5, "ddim"), "num_inference_steps", "at least 1");
        assertInvalid(request("dog", 1, 2, Double.NaN, "ddim"), "guidance_scale", "finite");
        assertInvalid(request("dog", 1, 2, Double.NEGATIVE_INFINITY, "ddim"), "guidance_scale", "finite");
        assertInvalid(new GenerationRequest(List.of("dog"), null, 1, 2, 2.5, 1, "ddim", Double.NaN, 1), "eta", ">= 0");
        assertInvalid(new GenerationRequest(List.of("dog"), null, 1, 2, 2.5, 1, "ddim", -0.5, 1), "eta", ">= 0");
        assertInvalid(new GenerationRequest(List.of("dog"), null, 1, 2, 2.5, 1, "ddim", 0, 0),
                "num_waveforms_per_prompt", "at least 1");
        assertInvalid(new GenerationRequest(List.of("dog", "cat"), null, 1, 2, 2.5, 1, "ddim", 0, Integer.MAX_VALUE),
                "num_waveforms_per_prompt", "too many");
        assertInvalid(new GenerationRequest(List.of("dog"), null, 1, 2, 2.5, 1, "dpm++2m", 0.5, 1), "eta", "ddim");
        // DDIM cannot take more steps than its training timesteps (1000 in the bundle's scheduler config)
        assertInvalid(request("dog", 1, 1001, 2.5, "ddim"), "num_inference_steps", "1001");
    }

    @Test
    void rejectsUnknownSchedulerListingTheKnownOnes() {
        InvalidGenerationRequestException e = assertInvalid(request("dog", 1, 2, 2.5, "euler-x"), "scheduler",
                "euler-x");
        for (String name : pipeline.info().schedulers()) {
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }

    @Test
    void loadFailsWithABundleExceptionForMissingTokenizer() throws Exception {
        Path dir = TinyBundle.copyTo(tmp);
        Files.delete(dir.resolve("tokenizer/tokenizer.json"));
        ModelBundleException e = assertThrows(ModelBundleException.class,
                () -> AudioLdm2Pipeline.load(dir, RuntimeOptions.cpuDefaults()));
        assertTrue(e.getMessage().contains("tokenizer/tokenizer.json"), e.getMessage());
    }

    private static InvalidGenerationRequestException assertInvalid(GenerationRequest r, String field, String text) {
        InvalidGenerationRequestException e = assertThrows(InvalidGenerationRequestException.class,
                () -> pipeline.generate(r, GenerationObserver.NONE));
        assertEquals(field, e.field());
        assertTrue(e.getMessage().contains(text), "'" + e.getMessage() + "' lacks '" + text + "'");
        return e;
    }
}
