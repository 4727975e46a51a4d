package ai.audioldm2.jobs;

import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.telemetry.GenerationTracing;
import ai.audioldm2.telemetry.ServiceMetrics;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs stored jobs on the {@link GenerationQueue}'s workers, so /predict and jobs share one capacity. A job is
 * claimed from the store only when a worker is idle: waiting /predict requests go first, and a claimed job never
 * sits in this replica's memory while another replica could run it. One scheduler thread claims (every
 * {@value #DISPATCH_MILLIS} ms and whenever a job is submitted or finishes), renews the leases of this replica's
 * jobs every third of the lease (writing their progress), and removes old results every minute. A job whose
 * lease cannot be renewed (cancelled, or taken over after this replica stalled) is stopped at its next step.
 *
 * <p>Durability: on the first claim after start, jobs left running by a crash go back to the queue (all of them
 * for the embedded store, which only this process uses; on a shared store those of this instance id, the others
 * when their leases expire). A job always runs again from the start with its stored seed, so it gives the same
 * audio. On shutdown this replica's running jobs go back to the queue.
 */
@Startup
@ApplicationScoped
public class JobRunner {

    static final long DISPATCH_MILLIS = 500;
    private static final long PRUNE_SECONDS = 60;
    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    @Inject
    ServiceConfig config;

    @Inject
    JobStore store;

    @Inject
    JobCodec codec;

    @Inject
    JobEvents events;

    @Inject
    JobViews views;

    @Inject
    GenerationService generation;

    @Inject
    GenerationTracing tracing;

    @Inject
    ServiceMetrics metrics;

    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;
    private String owner;
    private volatile boolean recovered;
    private volatile boolean stopping;
    private volatile Map<String, Long> counted;
    private volatile long countedAt;

    /** A job this replica runs. */
    private record Running(StoredJob job, ProgressTracker progress, Job<TracedResult> handle) {
    }

    @PostConstruct
    void start() {
        owner = config.jobs().instanceId().orElseGet(() -> "audioldm2-" + UUID.randomUUID());
        scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "jobs-scheduler");
            thread.setDaemon(true);
            return thread;
        });
        long renewMillis = Math.max(1, config.jobs().leaseSeconds() * 1000L / 3);
        scheduler.scheduleWithFixedDelay(guarded(this::dispatch), DISPATCH_MILLIS, DISPATCH_MILLIS,
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(guarded(this::renew), renewMillis, renewMillis, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(guarded(this::prune), PRUNE_SECONDS, PRUNE_SECONDS, TimeUnit.SECONDS);
        scheduler.execute(guarded(store::counts)); // opens the store and migrates its schema before the first job
        metrics.watchJobs(Arrays.stream(JobStatus.values()).map(JobStatus::label).toList(), this::countsForMetrics);
    }

    /** Before the generation queue closes (default priority 2500): this replica's running jobs are queued again. */
    void onStop(@Observes @Priority(100) ShutdownEvent stopped) {
        stopping = true;
        scheduler.shutdownNow();
        running.values().forEach(job -> {
            try {
                store.requeue(job.job().id(), owner);
            } catch (StoreUnavailableException e) {
                // logged by the store; the lease expires and the job runs again after all
            }
            job.handle().cancel();
        });
    }

    /** Progress of a job running on this replica, newer than what the store holds. */
    Optional<JobProgress> liveProgress(String id) {
        return Optional.ofNullable(running.get(id)).map(job -> job.progress().progress());
    }

    /** Stops a job running here at its next step (it was cancelled in the store). */
    void stopLocal(String id) {
        Running job = running.get(id);
        if (job != null) {
            job.handle().cancel();
        }
    }

    /** Claims new work soon rather than at the next tick. */
    void wake() {
        try {
            scheduler.execute(guarded(this::dispatch));
        } catch (RejectedExecutionException shuttingDown) {
            // the next start claims it
        }
    }

    private void dispatch() {
        if (stopping || generation.modelState().status() != ModelState.Status.READY) {
            return;
        }
        if (!recovered) {
            int requeued = store.requeueRunning(store.isExclusive() ? null : owner);
            recovered = true;
            if (requeued > 0) {
                LOG.infof("%d job(s) interrupted by the last stop run again from the start", requeued);
                metrics.jobsRecovered(requeued);
            }
        }
        while (idleWorker()) {
            Optional<StoredJob> claimed = store.claim(owner, leaseUntil());
            if (claimed.isEmpty()) {
                return;
            }
            run(claimed.get());
        }
    }

    private boolean idleWorker() {
        GenerationQueue queue = generation.queue();
        return Math.max(running.size(), queue.running() + queue.queued()) < config.queue().concurrency();
    }

    private void run(StoredJob job) {
        ProgressTracker progress = new ProgressTracker(live -> events.publish(views.of(job, live)));
        try {
            JobCodec.Work work = codec.read(job.request());
            PlannedGeneration planned = generation.plan(work.request(), work.clientJobId());
            events.publish(views.of(job, JobProgress.NONE)); // running, before its first stage's event
            Job<TracedResult> handle = generation.submit(planned, tracing.fromTraceparent(job.traceparent()),
                    progress);
            running.put(job.id(), new Running(job, progress, handle)); // before finished() can remove it
            handle.result().whenComplete((generated, failure) -> finished(job, progress, generated, failure));
        } catch (QueueFullException | ModelNotReadyException notNow) {
            store.requeue(job.id(), owner); // /predict took the worker meanwhile, or the model went away
        } catch (RuntimeException invalid) {
            finished(job, progress, null, invalid); // the stored request no longer passes the limits in effect
        }
    }

    private void finished(StoredJob job, ProgressTracker progress, TracedResult generated, Throwable failure) {
        running.remove(job.id());
        String last = views.json(progress.progress());
        try {
            if (failure == null) {
                store.succeed(job.id(), owner, last, codec.result(job.id(), job.request(), generated),
                        codec.audio(generated));
                metrics.jobFinished(JobStatus.SUCCEEDED.label());
            } else if (GenerationService.isCancellation(failure)) {
                metrics.jobFinished(JobStatus.CANCELLED.label()); // DELETE marked it in the store; shutdown queued it again
            } else {
                String traceId = traceId(job.traceparent());
                LOG.errorf(failure, "job %s failed, trace id %s", job.id(), traceId);
                store.fail(job.id(), owner, last, views.json(codec.failure(failure, traceId)));
                metrics.jobFinished(JobStatus.FAILED.label());
            }
            store.find(job.id()).ifPresent(stored -> events.publish(views.of(stored, null)));
        } catch (StoreUnavailableException e) {
            // Logged by the store. The job stays running under a lease nobody renews: once it expires the job
            // runs again, on this replica or another.
        }
        wake();
    }

    private void renew() {
        running.forEach((id, job) -> {
            if (!store.renew(id, owner, leaseUntil(), views.json(job.progress().progress()))) {
                LOG.infof("job %s is no longer this replica's (cancelled or taken over): stopping it", id);
                job.handle().cancel();
            }
        });
    }

    private void prune() {
        ServiceConfig.Jobs jobs = config.jobs();
        int removed = store.prune(Instant.now().minus(jobs.retention()), jobs.maxResultBytes().asLongValue());
        if (removed > 0) {
            LOG.infof("removed %d finished job(s) past the retention time or the result budget", removed);
        }
    }

    /** Jobs per status label, read at most once a second (one scrape reads a gauge per status); empty while the
     * store cannot be read. */
    private Map<String, Long> countsForMetrics() {
        long now = System.nanoTime();
        if (now - countedAt < 1_000_000_000L && counted != null) {
            return counted;
        }
        Map<String, Long> counts = new HashMap<>();
        try {
            store.counts().forEach((status, count) -> counts.put(status.label(), count));
        } catch (StoreUnavailableException e) {
            // empty: the gauges read NaN
        }
        counted = counts;
        countedAt = now;
        return counts;
    }

    /** The submit's trace id (what /predict's 500 names), or a fresh one that still ties the error to the log. */
    private String traceId(String traceparent) {
        SpanContext span = Span.fromContext(tracing.fromTraceparent(traceparent)).getSpanContext();
        if (span.isValid()) {
            return span.getTraceId();
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return String.format("%016x%016x", random.nextLong(), random.nextLong());
    }

    private Instant leaseUntil() {
        return Instant.now().plusSeconds(config.jobs().leaseSeconds());
    }

    /** A scheduled task that survives its failures (a store that is down is logged by the store). */
    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (StoreUnavailableException e) {
                // logged where it happened; tried again at the next tick
            } catch (RuntimeException e) {
                LOG.error("jobs scheduler task failed", e);
            }
        };
    }
}
