package ai.audioldm2.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.audioldm2.random.TorchGenerator;
import ai.audioldm2.testing.Npy;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden runs of diffusers 0.42.1 (scripts/make_unit_fixtures.py scheduler): each case builds the scheduler with
 * {@code from_config} on a DDIM config, runs the AudioLDM2 loop with a stand-in UNet
 * ({@code pool[i % 5] + 0.1 * scale_model_input(x)}) and records the latents after every step.
 *
 * <p>Timesteps must match exactly. Training alphas_cumprod must match torch bit for bit. States are compared
 * after every step while Java continues from its own state (errors may accumulate, as in a real run), with
 * tolerance {@value #TOLERANCE} * max(1, |expected|): the Java code rounds every intermediate to float32 in
 * torch's order, so the remaining differences come from the few scalar log/exp/pow evaluations (glibc or numpy
 * vs Java, which may differ in the last bit) propagated through the trajectory.
 */
class SchedulerGoldenTest {

    private static final double SIGMA_TOLERANCE = 1e-3;
    private static final double PER_STEP_TOLERANCE = 1e-3;
    private static final double FREE_RUNNING_TOLERANCE = 1e-3;
    private static final String DIR = "/fixtures/scheduler/";
    private static final JsonNode FIXTURES = readJson(DIR + "cases.json");
    private static final float[] POOL = Npy.resource(DIR + "model_output_pool.npy").floats();
    private static final int POOL_SIZE = Npy.resource(DIR + "model_output_pool.npy").shape()[0];
    private static final Map<String, String> REPORT = new TreeMap<>();

    @Test
    void alphasCumprodMatchTorchBitForBit() {
        for (Iterator<String> names = FIXTURES.get("configs").fieldNames(); names.hasNext(); ) {
            String name = names.next();
            float[] expected = Npy.resource(DIR + "alphas_cumprod_" + name + ".npy").floats();
            float[] actual = TrainingSchedule.of(config(name)).alphasCumprod;
            assertArrayEquals(expected, actual, 0f, "alphas_cumprod of config " + name);
        }
    }

    @Test
    void everySchedulerOfTheFixturesIsAvailable() {
        for (JsonNode c : FIXTURES.get("cases")) {
            assertTrue(Schedulers.names().contains(c.get("scheduler").asText()), c.get("scheduler").asText());
        }
    }

    @TestFactory
    Stream<DynamicTest> matchesDiffusersStepByStep() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : FIXTURES.get("cases")) {
            if (Schedulers.names().contains(c.get("scheduler").asText())) {
                tests.add(DynamicTest.dynamicTest(c.get("id").asText(), () -> runCase(c)));
            }
        }
        return tests.stream();
    }

    private static void runCase(JsonNode c) {
        String name = c.get("scheduler").asText();
        int steps = c.get("steps").asInt();
        SchedulerConfig config = config(c.get("config").asText());
        String id = c.get("id").asText();
        if (c.has("error")) {
            // diffusers cannot run this combination; the Java scheduler must refuse it up front
            assertThrows(IllegalArgumentException.class, () -> Schedulers.create(name, config, steps), id);
            return;
        }
        Scheduler scheduler = c.get("eta").isNull() ? Schedulers.create(name, config, steps)
                : Schedulers.create(name, config, steps, c.get("eta").asDouble());

        double[] expectedTimesteps = Npy.resource(DIR + id + "_timesteps.npy").doubles();
        long[] timesteps = scheduler.timesteps();
        assertEquals(expectedTimesteps.length, timesteps.length, id + ": number of timesteps");
        for (int i = 0; i < timesteps.length; i++) {
            assertEquals(expectedTimesteps[i], (double) timesteps[i], 0.0, id + ": timestep " + i);
        }
        assertEquals(c.get("order").asInt(), scheduler.order(), id + ": order");
        assertEquals((float) c.get("init_noise_sigma").asDouble(), scheduler.initNoiseSigma(), id + ": init_noise_sigma");
        double sigmaError = 0;
        if (c.has("sigmas")) {
            float[] expected = Npy.resource(DIR + id + "_sigmas.npy").floats();
            float[] actual = ((SigmaScheduler) scheduler).sigmas();
            assertEquals(expected.length, actual.length, id + ": number of sigmas");
            for (int i = 0; i < expected.length; i++) {
                sigmaError = Math.max(sigmaError, check(expected[i], actual[i], id + ": sigma " + i, SIGMA_TOLERANCE));
            }
        }

        Npy.Array states = Npy.resource(DIR + id + "_states.npy");
        double freeRunning = runTrajectory(c, scheduler, states, false, FREE_RUNNING_TOLERANCE);
        Scheduler fresh = c.get("eta").isNull() ? Schedulers.create(name, config, steps)
                : Schedulers.create(name, config, steps, c.get("eta").asDouble());
        double perStep = runTrajectory(c, fresh, states, true, PER_STEP_TOLERANCE);
        REPORT.put(id, String.format("per-step %.2e  free-running %.2e  sigmas %.2e", perStep, freeRunning, sigmaError));
    }

    /**
     * Replays the diffusers loop. With {@code teacherForced} every step starts from diffusers' own state (the
     * error of one step); otherwise Java continues from its own state (the error of a whole run).
     */
    private static double runTrajectory(JsonNode c, Scheduler scheduler, Npy.Array states, boolean teacherForced,
            double tolerance) {
        String id = c.get("id").asText() + (teacherForced ? " (per step)" : " (free running)");
        float[] expected = states.floats();
        int n = states.shape()[1];
        long[] timesteps = scheduler.timesteps();
        TorchGenerator generator = new TorchGenerator(c.get("seed").asLong());
        float[] latents = new float[n];
        int begin = 0;
        if (c.get("strength").isNull()) {
            generator.fillNormal(latents);
            for (int j = 0; j < n; j++) {
                latents[j] *= scheduler.initNoiseSigma();
            }
        } else {
            begin = Schedulers.beginIndex(scheduler, c.get("steps").asInt(), c.get("strength").asDouble());
            assertEquals(c.get("begin_index").asInt(), begin, id + ": begin index");
            float[] clean = java.util.Arrays.copyOfRange(POOL, 0, n);
            float[] noise = java.util.Arrays.copyOfRange(POOL, n, 2 * n);
            scheduler.addNoise(clean, noise, timesteps[begin], latents);
        }
        double maxError = compareState(expected, 0, latents, id + ": initial latents", tolerance);
        float[] modelInput = new float[n];
        float[] modelOutput = new float[n];
        for (int i = begin, row = 1; i < timesteps.length; i++, row++) {
            if (teacherForced) {
                System.arraycopy(expected, (row - 1) * n, latents, 0, n);
            }
            System.arraycopy(latents, 0, modelInput, 0, n);
            scheduler.scaleModelInput(modelInput, i);
            int poolRow = (i % POOL_SIZE) * n;
            for (int j = 0; j < n; j++) {
                modelOutput[j] = POOL[poolRow + j] + 0.1f * modelInput[j];
            }
            scheduler.step(modelOutput, i, latents, generator);
            maxError = Math.max(maxError, compareState(expected, row * n, latents, id + ": after step " + i, tolerance));
        }
        return maxError;
    }

    private static double compareState(float[] expected, int offset, float[] actual, String where, double tolerance) {
        double worst = 0;
        for (int j = 0; j < actual.length; j++) {
            worst = Math.max(worst, check(expected[offset + j], actual[j], where + ", element " + j, tolerance));
        }
        return worst;
    }

    /** Scaled error |a - e| / max(1, |e|), failing beyond the tolerance. */
    private static double check(float expected, float actual, String where, double tolerance) {
        double error = Math.abs((double) actual - expected) / Math.max(1.0, Math.abs(expected));
        if (!(error <= tolerance)) {
            fail(where + ": expected " + expected + ", got " + actual + " (scaled error " + error + ")");
        }
        return error;
    }

    @AfterAll
    static void printReport() {
        REPORT.forEach((id, line) -> System.out.println("[scheduler-golden] " + id + ": " + line));
    }

    static SchedulerConfig config(String name) {
        Map<String, Object> map = new ObjectMapper().convertValue(FIXTURES.get("configs").get(name),
                new TypeReference<Map<String, Object>>() { });
        return SchedulerConfig.fromMap(map);
    }

    private static JsonNode readJson(String resource) {
        try (InputStream in = SchedulerGoldenTest.class.getResourceAsStream(resource)) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }
}
