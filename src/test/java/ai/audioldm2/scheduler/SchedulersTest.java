package ai.audioldm2.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.audioldm2.random.TorchGenerator;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The factory, the configuration parser and the guards of the schedulers (behaviour, not numbers). */
class SchedulersTest {

    private static final SchedulerConfig AUDIOLDM2 = SchedulerConfigs.AUDIOLDM2;

    @Test
    void namesListEverySampler() {
        assertEquals(List.of("ddim", "dpm++2m", "dpm++2m-karras", "euler", "euler-ancestral", "heun", "unipc", "pndm",
                "lms"), Schedulers.names());
    }

    @Test
    void unknownNameListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Schedulers.create("ddpm", AUDIOLDM2, 10, 0.0));
        assertTrue(e.getMessage().contains("ddpm") && e.getMessage().contains("dpm++2m-karras"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Schedulers.create(null, AUDIOLDM2, 10, 0.0));
    }

    @Test
    void rejectsBadStepCountsAndEta() {
        for (String name : Schedulers.names()) {
            assertThrows(IllegalArgumentException.class, () -> Schedulers.create(name, AUDIOLDM2, 0, 0.0), name);
            assertThrows(IllegalArgumentException.class, () -> Schedulers.create(name, AUDIOLDM2, -3, 0.0), name);
        }
        assertThrows(IllegalArgumentException.class, () -> Schedulers.create("ddim", AUDIOLDM2, 1001, 0.0));
        assertThrows(IllegalArgumentException.class, () -> Schedulers.create("ddim", AUDIOLDM2, 10, -0.5));
        assertThrows(IllegalArgumentException.class, () -> Schedulers.create("ddim", AUDIOLDM2, 10, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Schedulers.create("euler", AUDIOLDM2, 10, 1.0));
        assertEquals(10, Schedulers.create("euler", AUDIOLDM2, 10, 0.0).timesteps().length);
    }

    @Test
    void refusesStepCountsThatLeaveTheTrainingRange() {
        // leading spacing with steps_offset 1: 1000 steps would ask for timestep 1000 of 0..999
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Schedulers.create("ddim", AUDIOLDM2, 1000, 0.0));
        assertTrue(e.getMessage().contains("timestep 1000"), e.getMessage());
        assertEquals(999, Schedulers.create("ddim", AUDIOLDM2, 999, 0.0).timesteps().length);
        for (String name : Schedulers.names()) {
            for (long t : Schedulers.create(name, AUDIOLDM2, 500, 0.0).timesteps()) {
                assertTrue(t >= 0 && t < 1000, name + " timestep " + t);
            }
        }
    }

    @Test
    void stochasticStepsNeedANoiseSource() {
        float[] sample = new float[16];
        float[] output = new float[16];
        Scheduler ddim = Schedulers.create("ddim", AUDIOLDM2, 10, 1.0);
        assertThrows(IllegalArgumentException.class, () -> ddim.step(output, 0, sample, null));
        Scheduler ancestral = Schedulers.create("euler-ancestral", AUDIOLDM2, 10, 0.0);
        assertThrows(IllegalArgumentException.class, () -> ancestral.step(output, 0, sample, null));
        // deterministic samplers accept null
        Schedulers.create("ddim", AUDIOLDM2, 10, 0.0).step(output, 0, sample, null);
    }

    @Test
    void rejectsMismatchedArraysAndIndices() {
        Scheduler ddim = Schedulers.create("ddim", AUDIOLDM2, 10, 0.0);
        assertThrows(IllegalArgumentException.class, () -> ddim.step(new float[8], 0, new float[16], null));
        assertThrows(IllegalArgumentException.class, () -> ddim.step(new float[16], 10, new float[16], null));
        assertThrows(IllegalArgumentException.class, () -> ddim.addNoise(new float[4], new float[4], 1000, new float[4]));
    }

    @Test
    void multistepSchedulersRefuseASkippedStep() {
        for (String name : List.of("dpm++2m", "unipc", "pndm", "lms", "heun")) {
            Scheduler scheduler = Schedulers.create(name, AUDIOLDM2, 10, 0.0);
            float[] sample = new float[16];
            scheduler.step(new float[16], 0, sample, null);
            assertThrows(IllegalStateException.class, () -> scheduler.step(new float[16], 2, sample, null), name);
        }
    }

    @Test
    void beginIndexFollowsDiffusersImg2Img() {
        // t_start = N - int(N * strength), times the scheduler order
        assertEquals(10, Schedulers.beginIndex(Schedulers.create("ddim", AUDIOLDM2, 25, 0.0), 25, 0.6));
        assertEquals(20, Schedulers.beginIndex(Schedulers.create("heun", AUDIOLDM2, 25, 0.0), 25, 0.6));
        assertEquals(0, Schedulers.beginIndex(Schedulers.create("ddim", AUDIOLDM2, 25, 0.0), 25, 1.0));
        assertEquals(25, Schedulers.beginIndex(Schedulers.create("ddim", AUDIOLDM2, 25, 0.0), 25, 0.0));
        assertThrows(IllegalArgumentException.class,
                () -> Schedulers.beginIndex(Schedulers.create("ddim", AUDIOLDM2, 25, 0.0), 25, 1.5));
    }

    @Test
    void configParsesTheCheckpointFileAndIgnoresUnknownKeys() {
        Map<String, Object> json = new HashMap<>();
        json.put("_class_name", "DDIMScheduler");
        json.put("_diffusers_version", "0.21.0");
        json.put("beta_end", 0.0195);
        json.put("beta_schedule", "scaled_linear");
        json.put("beta_start", 0.0015);
        json.put("clip_sample", false);
        json.put("clip_sample_range", 1.0);
        json.put("dynamic_thresholding_ratio", 0.995);
        json.put("num_train_timesteps", 1000);
        json.put("prediction_type", "epsilon");
        json.put("rescale_betas_zero_snr", false);
        json.put("sample_max_value", 1.0);
        json.put("set_alpha_to_one", false);
        json.put("steps_offset", 1);
        json.put("thresholding", false);
        json.put("timestep_spacing", "leading");
        json.put("trained_betas", null);
        SchedulerConfig parsed = SchedulerConfig.fromMap(json);
        assertEquals(AUDIOLDM2, parsed);
        assertArrayEquals(Schedulers.create("ddim", AUDIOLDM2, 20, 0.0).timesteps(),
                Schedulers.create("ddim", parsed, 20, 0.0).timesteps());
    }

    @Test
    void configRejectsWrongTypesAndUnsupportedOptions() {
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.fromMap(Map.of("num_train_timesteps", "1000")));
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.fromMap(Map.of("num_train_timesteps", 10.5)));
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.fromMap(Map.of("beta_schedule", "cosine")));
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.fromMap(Map.of("timestep_spacing", 3)));
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.fromMap(Map.of("prediction_type", "flow")));
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.fromMap(Map.of("thresholding", true)));
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.fromMap(Map.of("rescale_betas_zero_snr", true)));
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.fromMap(Map.of("trained_betas", List.of(0.1))));
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.fromMap(Map.of("beta_start", Double.NaN)));
    }

    /**
     * The denoising loop calls step() hundreds of times: once a scheduler has sized its buffers (first steps),
     * its steps allocate nothing. A first full run per scheduler absorbs one-off JVM allocations (class
     * initialisation, the interpreter's switch maps) that are not the scheduler's. The JIT can still allocate on
     * this thread once in a while (a deoptimisation rematerialising scalar-replaced objects: 120–376 bytes in about
     * half of the runs, in Euler steps that hold no object), so the fewest bytes of {@value #MEASURED_RUNS} runs
     * must be 0; a scheduler that allocates per step allocates in every run.
     */
    @Test
    void stepsAllocateNothingOnceWarm() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        for (String name : Schedulers.names()) {
            runSteps(name, 0, null);
            long fewest = Long.MAX_VALUE;
            for (int run = 0; run < MEASURED_RUNS && fewest > 0; run++) {
                long[] allocated = new long[1];
                runSteps(name, 3, () -> allocated[0] = threads.getThreadAllocatedBytes(thread));
                fewest = Math.min(fewest, threads.getThreadAllocatedBytes(thread) - allocated[0]);
            }
            assertEquals(0, fewest, name + " allocated " + fewest + " bytes after its first 3 steps in every run");
        }
    }

    private static final int MEASURED_RUNS = 3;

    /** One 50-step run on (1, 4, 32, 4) latents; {@code atMark} runs just before step {@code mark}. */
    private static void runSteps(String name, int mark, Runnable atMark) {
        Scheduler scheduler = Schedulers.create(name, AUDIOLDM2, 50, name.equals("ddim") ? 1.0 : 0.0);
        TorchGenerator noise = new TorchGenerator(0);
        float[] sample = new float[4 * 32 * 4];
        float[] output = new float[sample.length];
        noise.fillNormal(sample);
        int steps = scheduler.timesteps().length;
        for (int i = 0; i < steps; i++) {
            if (i == mark && atMark != null) {
                atMark.run();
            }
            scheduler.scaleModelInput(output, i);
            scheduler.step(output, i, sample, noise);
        }
    }
}
