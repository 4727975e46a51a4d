package ai.audioldm2.scheduler;

/**
 * The training noise schedule, computed in float32 exactly as the diffusers scheduler constructors do with
 * torch on the CPU: {@code torch.linspace} (one fused multiply-add per element, from the start below the
 * halfway index and from the end above it), squaring, {@code 1 - betas}, and {@code torch.cumprod}, which
 * accumulates in double and rounds every partial product to float.
 */
final class TrainingSchedule {

    /** alphas_cumprod[t], float32. */
    final float[] alphasCumprod;

    private TrainingSchedule(float[] alphasCumprod) {
        this.alphasCumprod = alphasCumprod;
    }

    static TrainingSchedule of(SchedulerConfig config) {
        int n = config.numTrainTimesteps();
        float[] betas;
        if (config.trainedBetas() != null) {
            betas = toFloats(config.trainedBetas());
        } else {
            betas = switch (config.betaSchedule()) {
                case "linear" -> torchLinspace(config.betaStart(), config.betaEnd(), n);
                case "scaled_linear" -> square(torchLinspace(Math.sqrt(config.betaStart()), Math.sqrt(config.betaEnd()), n));
                case "squaredcos_cap_v2" -> toFloats(cosineBetas(n));
                default -> throw new IllegalArgumentException("unknown beta_schedule " + config.betaSchedule());
            };
        }
        float[] cumprod = new float[n];
        double product = 1.0;
        for (int i = 0; i < n; i++) {
            product *= 1.0f - betas[i];
            cumprod[i] = (float) product;
        }
        return new TrainingSchedule(cumprod);
    }

    /** sqrt((1 - alphas_cumprod) / alphas_cumprod) in float32, as the sigma-based schedulers compute it with torch. */
    float[] sigmas() {
        float[] sigmas = new float[alphasCumprod.length];
        for (int i = 0; i < sigmas.length; i++) {
            sigmas[i] = F32.sqrt((1.0f - alphasCumprod[i]) / alphasCumprod[i]);
        }
        return sigmas;
    }

    /** {@code torch.linspace(start, end, steps, dtype=torch.float32)} on the CPU. */
    static float[] torchLinspace(double start, double end, int steps) {
        float from = (float) start;
        float to = (float) end;
        float step = (to - from) / (float) (steps - 1);
        int halfway = steps / 2;
        float[] out = new float[steps];
        for (int i = 0; i < steps; i++) {
            out[i] = i < halfway ? Math.fma(step, (float) i, from) : Math.fma(-step, (float) (steps - i - 1), to);
        }
        return out;
    }

    /** diffusers' {@code betas_for_alpha_bar} with the cosine transform and max_beta 0.999 (in double). */
    private static double[] cosineBetas(int n) {
        double[] betas = new double[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n;
            double t2 = (double) (i + 1) / n;
            betas[i] = Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
        }
        return betas;
    }

    private static double alphaBar(double t) {
        double c = StrictMath.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    private static float[] square(float[] values) {
        for (int i = 0; i < values.length; i++) {
            values[i] = values[i] * values[i];
        }
        return values;
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
