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
 * <p>Exact: the timesteps, the begin index, and torch's training alphas_cumprod (bit for bit). Toleranced,
 * as the scaled error |actual - expected| / max(1, |expected|):
 * <ul>
 *   <li>sigmas and init_noise_sigma: {@value #SIGMA_TOLERANCE} (2 ulp). torch computes float32 sqrt on the CPU
 *       with MKL's vector math, which is not correctly rounded: measured, about 20% of float32 inputs come out
 *       1 ulp away from IEEE sqrt, and the same holds for the 0-dim scalar coefficients of every step. Java uses
 *       correctly rounded sqrt/log/exp; MKL's cannot be reproduced. Everything else (the elementwise float32
 *       arithmetic) is done in torch's order: fed torch's own scalars, a numpy replica of the DDIM step
 *       matched diffusers bit for bit on 100,000 elements x 25 steps.</li>
 *   <li>per step (Java starts each step from diffusers' state): those 1-ulp scalar differences, amplified where a
 *       coefficient is a difference of nearby sigmas or lambdas, which grows with the step count.</li>
 *   <li>free running (Java continues from its own state, as in a real run): the above, accumulated.</li>
 * </ul>
 * The amplification is diffusers' own: recomputing only its sigma table with IEEE sqrt moves diffusers' 200-step
 * trajectories by up to 2.0e-4 (lms), 1.2e-4 (unipc), 8.9e-5 (euler-ancestral), 2.1e-5 (euler, dpm++2m),
 * 1.6e-5 (heun), which is what the 200-step tolerances allow for. Measured maxima are printed per case
 * ("[scheduler-golden]").
 */
class SchedulerGoldenTest {

    private static final double SIGMA_TOLERANCE = 2.5e-7;
    /**
     * ddim, the default sampler: coefficients are single sqrt values, with no differences of nearby sigmas
     * (measured max: 7.2e-7 per step, 4.3e-6 free running).
     */
    private static final double DDIM_PER_STEP_TOLERANCE = 2e-6;
    private static final double DDIM_FREE_RUNNING_TOLERANCE = 2e-5;
    /** Every other scheduler at up to 25 steps (measured max: 2.4e-6 per step, 1.2e-5 free running). */
    private static final double FEW_STEPS_PER_STEP_TOLERANCE = 5e-6;
    private static final double FEW_STEPS_FREE_RUNNING_TOLERANCE = 2e-5;
    /** Every other scheduler at 200 steps (measured max: 5.4e-5 per step, 9.6e-5 free running). */
    private static final double MANY_STEPS_PER_STEP_TOLERANCE = 2e-4;
    private static final double MANY_STEPS_FREE_RUNNING_TOLERANCE = 4e-4;
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
            assertThrows(IllegalArgumentException.class, () -> Schedulers.create(name, config, steps, 0.0), id);
            REPORT.put(id, "refused, as diffusers fails: " + c.get("error").asText());
            return;
        }
        double[] expectedTimesteps = Npy.resource(DIR + id + "_timesteps.npy").doubles();
        if (!allIntegral(expectedTimesteps)) {
            // diffusers feeds fractional timesteps to the UNet here; the Java API (long timesteps) refuses them
            assertThrows(IllegalArgumentException.class, () -> Schedulers.create(name, config, steps, 0.0), id);
            REPORT.put(id, "refused: fractional timesteps");
            return;
        }
        Scheduler scheduler = c.get("eta").isNull() ? Schedulers.create(name, config, steps, 0.0)
                : Schedulers.create(name, config, steps, c.get("eta").asDouble());

        long[] timesteps = scheduler.timesteps();
        assertEquals(expectedTimesteps.length, timesteps.length, id + ": number of timesteps");
        for (int i = 0; i < timesteps.length; i++) {
            assertEquals(expectedTimesteps[i], (double) timesteps[i], 0.0, id + ": timestep " + i);
        }
        assertEquals(c.get("order").asInt(), scheduler.order(), id + ": order");
        double sigmaError = check((float) c.get("init_noise_sigma").asDouble(), scheduler.initNoiseSigma(),
                id + ": init_noise_sigma", SIGMA_TOLERANCE);
        if (c.has("sigmas")) {
            float[] expected = Npy.resource(DIR + id + "_sigmas.npy").floats();
            float[] actual = ((SigmaScheduler) scheduler).sigmas();
            assertEquals(expected.length, actual.length, id + ": number of sigmas");
            for (int i = 0; i < expected.length; i++) {
                sigmaError = Math.max(sigmaError, check(expected[i], actual[i], id + ": sigma " + i, SIGMA_TOLERANCE));
            }
        }

        Npy.Array states = Npy.resource(DIR + id + "_states.npy");
        boolean ddim = name.equals("ddim");
        boolean manySteps = steps > 25;
        double freeRunningTolerance = ddim ? DDIM_FREE_RUNNING_TOLERANCE
                : manySteps ? MANY_STEPS_FREE_RUNNING_TOLERANCE : FEW_STEPS_FREE_RUNNING_TOLERANCE;
        double perStepTolerance = ddim ? DDIM_PER_STEP_TOLERANCE
                : manySteps ? MANY_STEPS_PER_STEP_TOLERANCE : FEW_STEPS_PER_STEP_TOLERANCE;
        double freeRunning = runTrajectory(c, scheduler, states, false, freeRunningTolerance);
        Scheduler fresh = c.get("eta").isNull() ? Schedulers.create(name, config, steps, 0.0)
                : Schedulers.create(name, config, steps, c.get("eta").asDouble());
        double perStep = runTrajectory(c, fresh, states, true, perStepTolerance);
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

    private static boolean allIntegral(double[] values) {
        for (double v : values) {
            if (v != Math.rint(v)) {
                return false;
            }
        }
        return true;
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
