package ai.audioldm2.pipeline;

import ai.audioldm2.bundle.TinyBundle;
import ai.audioldm2.bundle.ModelBundle;
import ai.audioldm2.audio.DecodedAudio;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Audio-to-audio beyond numerics (AudioToAudioParityTest has those): strength edges, validation, stages, ranking. */
@ExtendWith(TinyPipeline.class)
class AudioToAudioTest {

    private static AudioLdm2Pipeline pipeline;

    @BeforeAll
    static void load(AudioLdm2Pipeline shared) {
        pipeline = shared;
    }

    private static DecodedAudio tone(int rate, int frames, int channels) {
        float[][] data = new float[channels][frames];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < frames; i++) {
                data[c][i] = (float) (0.3 * Math.sin(2 * Math.PI * (300 + 100 * c) * i / rate));
            }
        }
        return new DecodedAudio(data, rate);
    }

    private static GenerationRequest request(DecodedAudio audio, int steps, double strength) {
        return GenerationRequest.of("A dog barks.", null, audio.durationSeconds(), steps, 2.5, 11, "ddim")
                .withInputAudio(audio, strength);
    }

    /** Steps the observer sees. */
    private static int stepsRun(GenerationRequest request) {
        AtomicInteger steps = new AtomicInteger();
        pipeline.generate(request, new GenerationObserver() {
            @Override
            public void stepFinished(int step, int totalSteps) {
                assertEquals(steps.incrementAndGet(), step);
            }
        });
        return steps.get();
    }

    @Test
    void strengthPicksTheLastIntNTimesStrengthSteps() {
        DecodedAudio audio = tone(22050, 11025, 2);
        assertEquals(10, stepsRun(request(audio, 10, 1.0)));
        assertEquals(5, stepsRun(request(audio, 10, 0.5)));
        assertEquals(2, stepsRun(request(audio, 10, 0.29)));   // int(2.9)
        assertEquals(0, stepsRun(request(audio, 3, 0.2)));     // int(0.6) = 0: nothing to denoise
        assertEquals(0, stepsRun(request(audio, 10, 0.0)));
    }

    @Test
    void everySchedulerStartsAtItsBeginIndex() {
        DecodedAudio audio = tone(16000, 8000, 1);
        for (String scheduler : pipeline.info().schedulers()) {
            GenerationRequest request = GenerationRequest.of("A dog barks.", null, 0.5, 6, 2.5, 11, scheduler)
                    .withInputAudio(audio, 0.5);
            AtomicInteger steps = new AtomicInteger();
            GenerationResult result = pipeline.generate(request, new GenerationObserver() {
                @Override
                public void stepFinished(int step, int totalSteps) {
                    steps.incrementAndGet();
                }
            });
            // diffusers' img2img keeps timesteps[t_start * order:], t_start = 3: the last 3 of 6, except Heun
            // (11 timesteps, order 2: 11 - 6 = 5) and PLMS (PNDMScheduler with skip_prk_steps, as Java builds it:
            // 7 timesteps, 7 - 3 = 4); counts from diffusers 0.42.1's StableDiffusionImg2ImgPipeline.get_timesteps
            int expected = switch (scheduler) {
                case "heun" -> 5;
                case "pndm" -> 4;
                default -> 3;
            };
            assertEquals(expected, steps.get(), scheduler);
            for (float v : result.waveforms()[0]) {
                assertTrue(Float.isFinite(v), scheduler);
            }
        }
    }

    @Test
    void withoutStepsTheResultIsTheRoundTripAndAddsNoNoise() {
        DecodedAudio audio = tone(16000, 8000, 1);
        CapturingSink zero = new CapturingSink();
        pipeline.generate(pipeline.plan(request(audio, 10, 0.0)), GenerationObserver.NONE, zero);
        CapturingSink tooFew = new CapturingSink();
        pipeline.generate(pipeline.plan(request(audio, 3, 0.2)), GenerationObserver.NONE, tooFew);
        // the start latents are the scaled posterior sample, and the same for both: draw 2 never happens
        float[] sample = zero.captured.get("posterior_latents").floats();
        float[] start = zero.captured.get("initial_latents").floats();
        float scaling = (float) ModelBundle.open(TinyBundle.DIR).config().vaeScalingFactor();
        for (int i = 0; i < sample.length; i++) {
            assertEquals(sample[i] * scaling, start[i], 0.0f);
        }
        assertArrayEquals(start, zero.captured.get("final_latents").floats());
        assertArrayEquals(start, tooFew.captured.get("initial_latents").floats());
    }

    @Test
    void stagesIncludeAudioEncodingBeforeDenoising() {
        GenerationResult result = pipeline.generate(request(tone(16000, 8000, 1), 2, 0.5), GenerationObserver.NONE);
        assertEquals(List.of(Stage.TEXT_ENCODING, Stage.LANGUAGE_MODEL, Stage.AUDIO_ENCODING, Stage.DENOISING,
                Stage.VAE_DECODE, Stage.VOCODER), new ArrayList<>(result.stageNanos().keySet()));
    }

    @Test
    void outputLengthFollowsTheDuration() {
        DecodedAudio audio = tone(44100, 44100, 2);
        GenerationRequest shorter = GenerationRequest.of("A dog barks.", null, 0.37, 2, 2.5, 1, "ddim")
                .withInputAudio(audio, 0.5);
        assertEquals((int) (0.37 * 16000), pipeline.generate(shorter, GenerationObserver.NONE).waveforms()[0].length);
        GenerationRequest longer = GenerationRequest.of("A dog barks.", null, 1.6, 2, 2.5, 1, "ddim")
                .withInputAudio(audio, 0.5);
        assertEquals((int) (1.6 * 16000), pipeline.generate(longer, GenerationObserver.NONE).waveforms()[0].length);
    }

    @Test
    void silenceIsValidInputAndGivesFiniteAudio() {
        DecodedAudio silence = new DecodedAudio(new float[2][12000], 24000);
        for (float v : pipeline.generate(request(silence, 3, 0.7), GenerationObserver.NONE).waveforms()[0]) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void sameSeedSameAudioAndStrengthMatters() {
        DecodedAudio audio = tone(16000, 8000, 1);
        float[] a = pipeline.generate(request(audio, 6, 0.5), GenerationObserver.NONE).waveforms()[0];
        float[] b = pipeline.generate(request(audio, 6, 0.5), GenerationObserver.NONE).waveforms()[0];
        float[] c = pipeline.generate(request(audio, 6, 0.9), GenerationObserver.NONE).waveforms()[0];
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void severalWaveformsDrawDifferentPosteriorsAndAreRanked() {
        DecodedAudio audio = tone(16000, 8000, 1);
        GenerationRequest request = new GenerationRequest(List.of("A dog barks."), null, 0.5, 4, 2.5, 3, "ddim", 0.0,
                2).withInputAudio(audio, 0.5);
        CapturingSink sink = new CapturingSink();
        GenerationResult result = pipeline.generate(pipeline.plan(request), GenerationObserver.NONE, sink);
        assertEquals(2, result.waveforms().length);
        assertNotNull(result.scores());
        assertTrue(result.scores()[0] >= result.scores()[1]);
        assertFalse(Arrays.equals(sink.generatedWaveforms[0], sink.generatedWaveforms[1]));
    }

    @Test
    void badAudioInputsAreRejectedNamingTheField() {
        DecodedAudio audio = tone(16000, 8000, 1);
        for (double strength : new double[] {-0.1, 1.01, Double.NaN}) {
            InvalidGenerationRequestException e = assertThrows(InvalidGenerationRequestException.class,
                    () -> pipeline.plan(request(audio, 5, strength)));
            assertEquals("strength", e.field());
        }
        DecodedAudio empty = new DecodedAudio(new float[1][0], 16000);
        InvalidGenerationRequestException e = assertThrows(InvalidGenerationRequestException.class,
                () -> pipeline.plan(GenerationRequest.of("dog", null, 1.0, 5, 2.5, 1, "ddim")
                        .withInputAudio(empty, 0.5)));
        assertEquals("audio_input", e.field());
        DecodedAudio noRate = new DecodedAudio(new float[1][100], 0);
        e = assertThrows(InvalidGenerationRequestException.class,
                () -> pipeline.plan(GenerationRequest.of("dog", null, 1.0, 5, 2.5, 1, "ddim")
                        .withInputAudio(noRate, 0.5)));
        assertEquals("audio_input", e.field());
        // a clip shorter than one latent frame cannot be represented: the default duration is too short
        DecodedAudio blip = tone(16000, 100, 1);
        e = assertThrows(InvalidGenerationRequestException.class, () -> pipeline.plan(request(blip, 5, 0.5)));
        assertEquals("duration", e.field());
    }
}
