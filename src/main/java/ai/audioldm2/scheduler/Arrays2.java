package ai.audioldm2.scheduler;

/** Argument checks shared by the schedulers. */
final class Arrays2 {

    private Arrays2() {
    }

    static void requireSameLength(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("array lengths differ: " + a.length + " vs " + b.length);
        }
    }

    static int checkIndex(int stepIndex, int steps) {
        if (stepIndex < 0 || stepIndex >= steps) {
            throw new IllegalArgumentException("step index " + stepIndex + " is outside [0, " + steps + ")");
        }
        return stepIndex;
    }
}
