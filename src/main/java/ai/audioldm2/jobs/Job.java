package ai.audioldm2.jobs;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * One unit of work in a {@link GenerationQueue}. Cancelling a queued job removes it from the queue; cancelling a
 * running job raises a flag that the work polls between steps (see {@link #isCancelled()}).
 */
public final class Job<T> implements Runnable {

    /** Where a job is in its life. */
    public enum State { QUEUED, RUNNING, FINISHED, CANCELLED_WHILE_QUEUED }

    private final Function<BooleanSupplier, T> work;
    private final GenerationQueue owner;
    private final int places;
    private final AtomicReference<State> state = new AtomicReference<>(State.QUEUED);
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private volatile boolean cancelRequested;

    Job(Function<BooleanSupplier, T> work, GenerationQueue owner, int places) {
        this.work = work;
        this.owner = owner;
        this.places = places;
    }

    /** Queue places this job takes while admitted. */
    int places() {
        return places;
    }

    /**
     * Completes with the work's value, or exceptionally with its exception or a {@link JobCancelledException}.
     * A read-only view: a caller cancelling its copy (as Mutiny does) cannot complete the job's own result.
     */
    public CompletionStage<T> result() {
        return result.minimalCompletionStage();
    }

    public State state() {
        return state.get();
    }

    /** True once cancellation was asked for, or the queue is shutting down. */
    public boolean isCancelled() {
        return cancelRequested || owner.isClosing();
    }

    /** Withdraws the job: a queued job leaves the queue now, a running one stops at its next poll. */
    public void cancel() {
        cancelRequested = true;
        if (state.compareAndSet(State.QUEUED, State.CANCELLED_WHILE_QUEUED)) {
            owner.dequeue(this);
            result.completeExceptionally(new JobCancelledException("cancelled while waiting in the queue"));
        }
    }

    @Override
    public void run() {
        if (!state.compareAndSet(State.QUEUED, State.RUNNING)) {
            return; // cancelled between being taken from the queue and starting
        }
        owner.jobStarted();
        T value = null;
        Throwable failure = null;
        try {
            value = work.apply(this::isCancelled);
        } catch (Throwable e) {
            failure = e;
        } finally {
            state.set(State.FINISHED);
            owner.jobFinished(this);
        }
        // Only now: a client answered may submit again at once and find the place it held free.
        if (failure != null) {
            result.completeExceptionally(failure);
        } else {
            result.complete(value);
        }
    }
}
