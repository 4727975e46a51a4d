package ai.audioldm2.scheduler;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields of a diffusers {@code scheduler_config.json} that the Java schedulers read (as
 * {@code SchedulerClass.from_config(config)} would). Keys the schedulers do not use are ignored.
 *
 * <p>{@code timestepSpacing}, {@code setAlphaToOne} and {@code clipSample} are null when the file does not
 * set them, because their defaults differ between diffusers scheduler classes; every other missing key takes
 * the default that all diffusers schedulers share.
 */
public record SchedulerConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        String betaSchedule,
        double[] trainedBetas,
        int stepsOffset,
        String timestepSpacing,
        String predictionType,
        Boolean setAlphaToOne,
        Boolean clipSample,
        double clipSampleRange) {

    static final Set<String> BETA_SCHEDULES = Set.of("linear", "scaled_linear", "squaredcos_cap_v2");
    static final Set<String> SPACINGS = Set.of("leading", "trailing", "linspace");
    static final Set<String> PREDICTION_TYPES = Set.of("epsilon", "v_prediction", "sample");

    public SchedulerConfig {
        if (numTrainTimesteps < 2) {
            throw new IllegalArgumentException("num_train_timesteps must be at least 2, got " + numTrainTimesteps);
        }
        requireOneOf("beta_schedule", betaSchedule, BETA_SCHEDULES);
        if (timestepSpacing != null) {
            requireOneOf("timestep_spacing", timestepSpacing, SPACINGS);
        }
        requireOneOf("prediction_type", predictionType, PREDICTION_TYPES);
        if (trainedBetas != null && trainedBetas.length != numTrainTimesteps) {
            throw new IllegalArgumentException("trained_betas has " + trainedBetas.length + " values but num_train_timesteps is "
                    + numTrainTimesteps);
        }
        if (stepsOffset < 0) {
            throw new IllegalArgumentException("steps_offset must not be negative, got " + stepsOffset);
        }
    }

    /**
     * Reads the parsed JSON object of a {@code scheduler_config.json}.
     *
     * @throws IllegalArgumentException for a value of the wrong type or outside what diffusers accepts, and for
     *                                  options these schedulers do not implement (thresholding, zero-SNR rescaling)
     */
    public static SchedulerConfig fromMap(Map<String, ?> json) {
        if (Boolean.TRUE.equals(json.get("thresholding"))) {
            throw new IllegalArgumentException("scheduler option thresholding=true is not supported");
        }
        if (Boolean.TRUE.equals(json.get("rescale_betas_zero_snr"))) {
            throw new IllegalArgumentException("scheduler option rescale_betas_zero_snr=true is not supported");
        }
        return new SchedulerConfig(
                intValue(json, "num_train_timesteps", 1000),
                doubleValue(json, "beta_start", 0.0001),
                doubleValue(json, "beta_end", 0.02),
                stringValue(json, "beta_schedule", "linear"),
                doubleList(json, "trained_betas"),
                intValue(json, "steps_offset", 0),
                stringValue(json, "timestep_spacing", null),
                stringValue(json, "prediction_type", "epsilon"),
                boolValue(json, "set_alpha_to_one"),
                boolValue(json, "clip_sample"),
                doubleValue(json, "clip_sample_range", 1.0));
    }

    /** The timestep spacing, or the given scheduler class default when the file does not set it. */
    String spacingOr(String schedulerDefault) {
        return timestepSpacing != null ? timestepSpacing : schedulerDefault;
    }

    private static void requireOneOf(String key, String value, Set<String> allowed) {
        if (value == null || !allowed.contains(value)) {
            throw new IllegalArgumentException(key + " must be one of " + allowed + ", got " + value);
        }
    }

    private static Object present(Map<String, ?> json, String key) {
        return json.containsKey(key) ? json.get(key) : null;
    }

    private static int intValue(Map<String, ?> json, String key, int fallback) {
        Object v = present(json, key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        throw new IllegalArgumentException(key + " must be an integer, got " + v);
    }

    private static double doubleValue(Map<String, ?> json, String key, double fallback) {
        Object v = present(json, key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException(key + " must be a finite number, got " + v);
    }

    private static String stringValue(Map<String, ?> json, String key, String fallback) {
        Object v = present(json, key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(key + " must be a string, got " + v);
    }

    private static Boolean boolValue(Map<String, ?> json, String key) {
        Object v = present(json, key);
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        throw new IllegalArgumentException(key + " must be true or false, got " + v);
    }

    private static double[] doubleList(Map<String, ?> json, String key) {
        Object v = present(json, key);
        if (v == null) {
            return null;
        }
        if (v instanceof List<?> list) {
            double[] out = new double[list.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(list.get(i) instanceof Number n)) {
                    throw new IllegalArgumentException(key + " must be a list of numbers, got " + list.get(i));
                }
                out[i] = n.doubleValue();
            }
            return out;
        }
        throw new IllegalArgumentException(key + " must be a list of numbers, got " + v);
    }
}
