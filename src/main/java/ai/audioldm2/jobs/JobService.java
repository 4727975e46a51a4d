package ai.audioldm2.jobs;

import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.telemetry.GenerationTracing;
import ai.audioldm2.telemetry.ServiceMetrics;
import io.opentelemetry.context.Context;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Durable jobs: stored before they are acknowledged, run by {@link JobRunner}, answered from the store so that
 * every replica can serve every job.
 */
@ApplicationScoped
public class JobService {

    /** The canonical text of a random UUID; anything else is no job of ours. */
    private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    private static final Logger LOG = Logger.getLogger(JobService.class);
    static final long POLL_MILLIS = 1000;

    private final ScheduledExecutorService polling = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "jobs-watch");
        thread.setDaemon(true);
        return thread;
    });

    @Inject
    ServiceConfig config;

    @Inject
    JobStore store;

    @Inject
    JobRunner runner;

    @Inject
    JobViews views;

    @Inject
    JobEvents events;

    @Inject
    GenerationTracing tracing;

    @Inject
    ServiceMetrics metrics;

    /**
     * Stores a job under a new random id (UUIDv4: 122 random bits from a SecureRandom) and returns its view.
     *
     * @param request     the request as {@link JobCodec#read} reads it back, seed filled in
     * @param requestView the request as the view shows it
     * @param submit      the submit's trace context, the parent of the run's spans
     * @throws QueueFullException        when {@code audioldm2.jobs.max-queued} jobs are queued
     * @throws StoreUnavailableException when the store cannot be written
     */
    public JobView submit(String request, String requestView, Context submit) {
        StoredJob job = store.insert(UUID.randomUUID().toString(),
                new NewJob(request, requestView, tracing.traceparent(submit)), config.jobs().maxQueued());
        metrics.jobSubmitted();
        runner.wake();
        return views.of(job, null);
    }

    /** @throws JobNotFoundException for an unknown or malformed id */
    public JobView view(String id) {
        return views.of(stored(id), runner.liveProgress(id).orElse(null));
    }

    /** Newest first; {@code status} null for all. */
    public List<JobView> list(JobStatus status, int limit) {
        return store.list(status, limit).stream()
                .map(job -> views.of(job, runner.liveProgress(job.id()).orElse(null))).toList();
    }

    /**
     * DELETE: a queued or running job is cancelled (a running one stops at its next step) and its view returned;
     * a finished one is removed with its audio, and empty is returned.
     */
    public Optional<JobView> cancelOrRemove(String id) {
        StoredJob job = stored(id);
        if (!job.status().isFinished() && store.cancel(id)) {
            runner.stopLocal(id);
            JobView cancelled = views.of(stored(id), null);
            events.publish(cancelled);
            return Optional.of(cancelled);
        }
        store.delete(id); // finished, possibly just now; a job removed meanwhile is gone all the same
        return Optional.empty();
    }

    /**
     * The WAV of candidate {@code candidate} (0 = the best, /predict's answer).
     *
     * @throws JobNotFoundException     for an unknown job
     * @throws JobNotFinishedException when the job has not succeeded or has no such candidate
     */
    public byte[] audio(String id, int candidate) {
        StoredJob job = stored(id);
        if (job.status() != JobStatus.SUCCEEDED) {
            throw new JobNotFinishedException("job " + id + " is " + job.status().label() + ": it has no audio"
                    + (job.status().isFinished() ? "" : " yet"));
        }
        try {
            return store.audio(id, candidate).orElseThrow(() -> new JobNotFinishedException(
                    "job " + id + " has no candidate " + candidate));
        } catch (JobStore.CorruptResultException corrupt) {
            LOG.errorf("%s: the job runs again (same request and seed, same audio)", corrupt.getMessage());
            store.requeue(id, null);
            runner.wake();
            throw new JobNotFinishedException("the stored audio of job " + id
                    + " was damaged; the job is queued to run again");
        }
    }

    /**
     * Tells {@code watcher} of each change of job {@code id} until the handle is closed: at once for a job running
     * on this replica, and by reading the store every {@value #POLL_MILLIS} ms for one queued, running elsewhere, or
     * cancelled from another replica. A view may come twice. Subscribe before reading the current view, so that no
     * change falls between the two.
     */
    public AutoCloseable watch(String id, Consumer<JobView> watcher) {
        AutoCloseable local = events.watch(id, watcher);
        AtomicReference<JobView> polled = new AtomicReference<>();
        ScheduledFuture<?> poll = polling.scheduleWithFixedDelay(() -> {
            try {
                JobView view = view(id);
                if (!view.equals(polled.getAndSet(view))) {
                    watcher.accept(view);
                }
            } catch (JobNotFoundException | StoreUnavailableException e) {
                // removed meanwhile, or the store is down for now: the stream stays open until the client leaves
            }
        }, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
        return () -> {
            poll.cancel(false);
            local.close();
        };
    }

    @PreDestroy
    void stop() {
        polling.shutdownNow();
    }

    private StoredJob stored(String id) {
        if (id == null || !JOB_ID.matcher(id).matches()) {
            throw new JobNotFoundException(id);
        }
        return store.find(id).orElseThrow(() -> new JobNotFoundException(id));
    }
}
