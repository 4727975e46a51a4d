package ai.audioldm2.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The service's own Prometheus metrics (exposed at /q/metrics next to Quarkus' HTTP and JVM metrics):
 * {@code audioldm2_predict_seconds} (latency by outcome), {@code audioldm2_queue_depth},
 * {@code audioldm2_jobs_running}, {@code audioldm2_denoising_steps_total},
 * {@code audioldm2_denoising_steps_per_second} (one observation per generation),
 * {@code audioldm2_failures_total} by kind, and for stored jobs {@code audioldm2_stored_jobs} by status and
 * {@code audioldm2_jobs_total} by outcome.
 */
@ApplicationScoped
public class ServiceMetrics {

    /** Why a request did not produce audio. */
    public enum FailureKind {
        VALIDATION, BAD_REQUEST, TOO_LARGE, QUEUE_FULL, MODEL_NOT_READY, CANCELLED, INTERNAL, STORE_UNAVAILABLE;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Inject
    MeterRegistry registry;

    /** Registers the queue gauges; the suppliers are read at scrape time and held strongly (gauges keep weak refs). */
    public void watchQueue(Supplier<Number> queued, Supplier<Number> running) {
        Gauge.builder("audioldm2.queue.depth", queued).description("requests waiting for a worker")
                .strongReference(true).register(registry);
        Gauge.builder("audioldm2.jobs.running", running).description("generations running now")
                .strongReference(true).register(registry);
    }

    /**
     * Registers {@code audioldm2_stored_jobs{status}}: the jobs store's count per status, read at scrape time
     * (absent from {@code counts} while the store cannot be read: NaN).
     */
    public void watchJobs(List<String> statuses, Supplier<Map<String, Long>> counts) {
        for (String status : statuses) {
            Gauge.builder("audioldm2.stored.jobs", () -> counts.get().getOrDefault(status, null))
                    .description("jobs in the jobs store by status").tag("status", status)
                    .strongReference(true).register(registry);
        }
    }

    /** {@code audioldm2_jobs_total{outcome}}: submitted, succeeded, failed, cancelled, recovered. */
    public void jobFinished(String outcome) {
        jobs(outcome, 1);
    }

    public void jobSubmitted() {
        jobs("submitted", 1);
    }

    public void jobsRecovered(int count) {
        jobs("recovered", count);
    }

    private void jobs(String outcome, int count) {
        Counter.builder("audioldm2.jobs").description("stored jobs by what happened to them")
                .tag("outcome", outcome).register(registry).increment(count);
    }

    public void predictFinished(String outcome, Duration latency) {
        Timer.builder("audioldm2.predict")
                .description("time from receiving /predict to its answer")
                .tag("outcome", outcome)
                .register(registry)
                .record(latency);
    }

    public void failed(FailureKind kind) {
        Counter.builder("audioldm2.failures").tag("kind", kind.tag()).register(registry).increment();
    }

    public void denoisingStep() {
        Counter.builder("audioldm2.denoising.steps").register(registry).increment();
    }

    public void denoisingRate(int steps, long nanos) {
        if (steps > 0 && nanos > 0) {
            DistributionSummary.builder("audioldm2.denoising.steps.per.second")
                    .description("denoising steps per second, one observation per generation")
                    .register(registry)
                    .record(steps / (nanos / 1e9));
        }
    }

    /** Count of a failure kind so far; tests and diagnostics read it. */
    public double failures(FailureKind kind) {
        Counter counter = registry.find("audioldm2.failures").tag("kind", kind.tag()).counter();
        return counter == null ? 0 : counter.count();
    }
}
