package ai.audioldm2.jobs;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A fixed pool of generation workers in front of a bounded waiting queue of places. A job is accepted when its
 * places (one per request; a batch takes one per item) are free among concurrency + capacity (running or
 * waiting), and refused at once with
 * {@link QueueFullException} otherwise, so callers never wait to be told "busy". Admission is counted here
 * rather than by the executor's queue bound, because an idle worker takes its job through that queue: a
 * bounded hand-off would refuse jobs while a worker is about to be free. Workers are started up front so that
 * "workers alive" can be checked.
 */
public final class GenerationQueue implements AutoCloseable {

    private final int concurrency;
    private final int capacity;
    private final ThreadPoolExecutor executor;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger admitted = new AtomicInteger();
    private volatile boolean closing;

    public GenerationQueue(int concurrency, int capacity) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("queue concurrency must be at least 1, got " + concurrency);
        }
        if (capacity < 0) {
            throw new IllegalArgumentException("queue capacity must be 0 or more, got " + capacity);
        }
        this.concurrency = concurrency;
        this.capacity = capacity;
        // Unbounded here: never holds more than capacity jobs, because admission is checked before execute().
        this.executor = new ThreadPoolExecutor(concurrency, concurrency, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), workerThreads(), new ThreadPoolExecutor.AbortPolicy());
        executor.prestartAllCoreThreads();
    }

    /**
     * Queues {@code work}; it receives a cancellation flag to poll between steps.
     *
     * @throws QueueFullException when every worker is busy and the queue is full
     */
    public <T> Job<T> submit(Function<BooleanSupplier, T> work) {
        return submit(1, work);
    }

    /**
     * Queues work that stands for {@code requests} requests (a batch), which takes as many places, or every place
     * when it has more: a batch larger than the whole queue is accepted only when nothing else is admitted. It
     * still runs on one worker.
     *
     * @throws QueueFullException when its places are not free
     */
    public <T> Job<T> submit(int requests, Function<BooleanSupplier, T> work) {
        if (requests < 1) {
            throw new IllegalArgumentException("a job stands for at least one request, got " + requests);
        }
        int places = Math.min(requests, concurrency + capacity);
        if (admitted.addAndGet(places) > concurrency + capacity) {
            admitted.addAndGet(-places);
            throw new QueueFullException(capacity);
        }
        Job<T> job = new Job<>(work, this, places);
        try {
            executor.execute(job);
        } catch (RejectedExecutionException shutDown) {
            admitted.addAndGet(-places);
            throw new QueueFullException(capacity);
        }
        return job;
    }

    /** Places taken by jobs waiting for a worker (a waiting batch counts its places). */
    public int queued() {
        return executor.getQueue().stream().mapToInt(waiting -> ((Job<?>) waiting).places()).sum();
    }

    /** Jobs a worker is running now. */
    public int running() {
        return running.get();
    }

    /** All workers exist and the pool has not been shut down. */
    public boolean workersAlive() {
        return !executor.isShutdown() && executor.getPoolSize() == concurrency;
    }

    boolean isClosing() {
        return closing;
    }

    /** A job cancelled before it ran leaves the queue and gives back its place. */
    void dequeue(Job<?> job) {
        executor.remove(job);
        admitted.addAndGet(-job.places());
    }

    void jobStarted() {
        running.incrementAndGet();
    }

    void jobFinished(Job<?> job) {
        running.decrementAndGet();
        admitted.addAndGet(-job.places());
    }

    /** Stops taking work, asks running jobs to stop at their next poll, and waits for them briefly. */
    @Override
    public void close() {
        closing = true;
        executor.shutdown();
        executor.getQueue().forEach(queued -> ((Job<?>) queued).cancel());
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory workerThreads() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "generation-worker-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
