package ai.audioldm2.scheduler;

/** The timestep selections of diffusers' {@code set_timesteps}, with numpy's float64 arithmetic. */
final class Spacing {

    private Spacing() {
    }

    /**
     * DDIMScheduler (and the Euler/Heun/LMS family for leading and trailing spacing): {@code numSteps}
     * descending integer timesteps.
     */
    static long[] discrete(String spacing, int trainSteps, int numSteps, int stepsOffset) {
        requirePositive(numSteps);
        return switch (spacing) {
            case "linspace" -> roundDescending(linspace(0, trainSteps - 1, numSteps), 0);
            case "leading" -> leading(trainSteps / numSteps, numSteps, stepsOffset);
            case "trailing" -> trailing(trainSteps, trainSteps / (double) numSteps);
            default -> throw new IllegalArgumentException("unknown timestep_spacing " + spacing);
        };
    }

    /** {@code (np.arange(0, count) * ratio).round()[::-1] + offset}. */
    static long[] leading(long ratio, int count, int offset) {
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = (long) (count - 1 - i) * ratio + offset;
        }
        return out;
    }

    /** {@code np.round(np.arange(start, 0, -ratio)) - 1}. */
    static long[] trailing(double start, double ratio) {
        double[] values = arange(start, 0, -ratio);
        long[] out = new long[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) Math.rint(values[i]) - 1;
        }
        return out;
    }

    /** {@code values.round()[::-1]} as int64, skipping the last {@code drop} entries of the reversed array. */
    static long[] roundDescending(double[] values, int drop) {
        long[] out = new long[values.length - drop];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) Math.rint(values[values.length - 1 - i]);
        }
        return out;
    }

    /** {@code np.linspace(start, stop, num)} (float64, endpoint included). */
    static double[] linspace(double start, double stop, int num) {
        double[] out = new double[num];
        if (num == 1) {
            out[0] = start;
            return out;
        }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) {
            out[i] = i * step + start;
        }
        out[num - 1] = stop;
        return out;
    }

    /**
     * {@code np.arange(start, stop, step)} for floats: numpy stores start and start + step, then fills
     * element i with start + i * (second - start).
     */
    static double[] arange(double start, double stop, double step) {
        int length = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] out = new double[length];
        if (length > 0) {
            out[0] = start;
        }
        if (length > 1) {
            out[1] = start + step;
            double delta = out[1] - start;
            for (int i = 2; i < length; i++) {
                out[i] = start + i * delta;
            }
        }
        return out;
    }

    static void requirePositive(int numSteps) {
        if (numSteps < 1) {
            throw new IllegalArgumentException("the number of inference steps must be at least 1, got " + numSteps);
        }
    }
}
