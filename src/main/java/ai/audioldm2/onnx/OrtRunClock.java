package ai.audioldm2.onnx;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Process-wide wall time spent inside {@code OrtSession.run}, summed per graph. Subtracted from a stage's wall time it
 * gives the time the Java side owns (tensor creation, copies, scheduler math, guidance). Two {@code nanoTime} calls
 * and one adder per run: cheap enough to stay on in production. Concurrent generations add into the same sums.
 */
public final class OrtRunClock {

    private static final Map<String, LongAdder> NANOS = new ConcurrentHashMap<>();

    private OrtRunClock() {
    }

    static void record(String graph, long nanos) {
        NANOS.computeIfAbsent(graph, g -> new LongAdder()).add(nanos);
    }

    /** Nanoseconds spent in runs of every graph, all graphs together, since the process started. */
    public static long totalNanos() {
        return NANOS.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Nanoseconds spent in runs of each graph since the process started. */
    public static Map<String, Long> perGraphNanos() {
        Map<String, Long> out = new TreeMap<>();
        NANOS.forEach((graph, sum) -> out.put(graph, sum.sum()));
        return out;
    }
}
