package ai.audioldm2.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where jobs and their audio live, shared by every replica that uses the same store. Every method throws
 * {@link StoreUnavailableException} when the store cannot be reached or written.
 */
public interface JobStore {

    /** True when this process is the store's only user (the embedded file, which H2 locks). */
    boolean isExclusive();

    /** Where the store is, for log lines. */
    String describe();

    /**
     * Stores a new queued job, unless {@code maxQueued} jobs are already queued.
     *
     * @throws QueueFullException when the queue is full
     */
    StoredJob insert(String id, NewJob job, int maxQueued);

    Optional<StoredJob> find(String id);

    /** Newest first; {@code status} null for every status. */
    List<StoredJob> list(JobStatus status, int limit);

    /** How many jobs are in each status. */
    Map<JobStatus, Long> counts();

    /**
     * Claims the oldest queued job, or a running one whose lease expired (its replica died), for {@code owner}
     * until {@code leaseUntil}; the job becomes running, started now, with no progress.
     */
    Optional<StoredJob> claim(String owner, Instant leaseUntil);

    /** Extends the lease and records progress; false once the job is no longer running under {@code owner}. */
    boolean renew(String id, String owner, Instant leaseUntil, String progress);

    /** Records the result, the audio of each candidate (best first) and the last progress; false when no longer owned. */
    boolean succeed(String id, String owner, String progress, String result, List<byte[]> audio);

    /** Records the failure and the last progress; false when no longer owned. */
    boolean fail(String id, String owner, String progress, String error);

    /** Puts a job back in the queue to run again from the start; {@code owner} null for any running job. */
    boolean requeue(String id, String owner);

    /** Puts every running job of {@code owner} (null: of any owner) back in the queue; how many. */
    int requeueRunning(String owner);

    /** A queued or running job becomes cancelled; false when it is not (any more) queued or running. */
    boolean cancel(String id);

    /** Removes a finished job with its audio; false when there is no finished job with this id. */
    boolean delete(String id);

    /**
     * The stored WAV of one candidate, or empty when there is none.
     *
     * @throws CorruptResultException when the bytes no longer match the checksum written with them
     */
    Optional<byte[]> audio(String id, int candidate);

    /**
     * Removes finished jobs that finished before {@code finishedBefore}, then the oldest finished jobs until the
     * stored audio is at most {@code maxResultBytes}; how many were removed.
     */
    int prune(Instant finishedBefore, long maxResultBytes);

    /** The stored audio does not match its checksum. */
    class CorruptResultException extends RuntimeException {
        public CorruptResultException(String message) {
            super(message);
        }
    }
}
