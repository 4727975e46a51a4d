package ai.audioldm2.scheduler;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sampler names the service accepts, each building the diffusers scheduler that
 * {@code SchedulerClass.from_config(checkpoint_ddim_config)} gives, set to a number of steps.
 */
public final class Schedulers {

    private interface Factory {
        Scheduler create(SchedulerConfig config, int numSteps);
    }

    private static final Map<String, Factory> FACTORIES = new LinkedHashMap<>();

    static {
        FACTORIES.put("ddim", (config, steps) -> new DdimScheduler(config, steps, 0.0));
        FACTORIES.put("dpm++2m", (config, steps) -> new DpmSolverMultistepScheduler(config, steps, false));
        FACTORIES.put("dpm++2m-karras", (config, steps) -> new DpmSolverMultistepScheduler(config, steps, true));
        FACTORIES.put("euler", EulerDiscreteScheduler::new);
        FACTORIES.put("euler-ancestral", EulerAncestralDiscreteScheduler::new);
        FACTORIES.put("heun", HeunDiscreteScheduler::new);
        FACTORIES.put("unipc", UniPcMultistepScheduler::new);
        FACTORIES.put("pndm", PndmScheduler::new);
        FACTORIES.put("lms", LmsDiscreteScheduler::new);
    }

    private Schedulers() {
    }

    /** The accepted names, in a stable order ("ddim" first). */
    public static List<String> names() {
        return List.copyOf(FACTORIES.keySet());
    }

    /**
     * A new scheduler for one run of {@code numSteps} denoising steps, with DDIM's eta (0 = deterministic DDIM,
     * 1 = DDPM-like); eta &gt; 0 draws variance noise from the NoiseSource given to each step. Only "ddim" takes an
     * eta.
     *
     * @throws IllegalArgumentException for an unknown name (the message lists the valid ones), a step count
     *                                  below 1 or above what the configuration allows, an eta for another scheduler
     */
    public static Scheduler create(String name, SchedulerConfig config, int numSteps, double eta) {
        Factory factory = factory(name);
        if ("ddim".equals(name)) {
            return withinTrainingRange(new DdimScheduler(config, numSteps, eta), config, numSteps);
        }
        if (eta != 0.0) {
            throw new IllegalArgumentException("eta applies to the ddim scheduler only, not to " + name);
        }
        return withinTrainingRange(factory.create(config, numSteps), config, numSteps);
    }

    /**
     * Refuses step counts whose timesteps leave the model's training range: with leading spacing and
     * steps_offset 1, 1000 steps ask for timestep 1000 of a 0..999 schedule (diffusers fails there with an IndexError).
     */
    private static Scheduler withinTrainingRange(Scheduler scheduler, SchedulerConfig config, int numSteps) {
        int trainSteps = config.numTrainTimesteps();
        for (long t : scheduler.timesteps()) {
            if (t < 0 || t >= trainSteps) {
                throw new IllegalArgumentException(numSteps + " steps give timestep " + t + ", outside the model's "
                        + "training range 0.." + (trainSteps - 1) + "; use fewer steps");
            }
        }
        return scheduler;
    }

    /**
     * diffusers' img2img start: {@code t_start * scheduler.order} with
     * {@code t_start = numSteps - min(int(numSteps * strength), numSteps)}; run the loop from this step index
     * (and add the initial noise at {@code timesteps()[index]}).
     */
    public static int beginIndex(Scheduler scheduler, int numSteps, double strength) {
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in [0, 1], got " + strength);
        }
        int initTimestep = Math.min((int) (numSteps * strength), numSteps);
        int tStart = Math.max(numSteps - initTimestep, 0);
        return tStart * scheduler.order();
    }

    private static Factory factory(String name) {
        Factory factory = name == null ? null : FACTORIES.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("unknown scheduler '" + name + "'; valid names: " + String.join(", ", names()));
        }
        return factory;
    }
}
