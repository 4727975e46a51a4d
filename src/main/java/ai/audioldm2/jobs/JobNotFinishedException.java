package ai.audioldm2.jobs;

/** The job has no audio yet, or none at all (failed, cancelled, no such candidate); answered 409. */
public class JobNotFinishedException extends RuntimeException {
    public JobNotFinishedException(String message) {
        super(message);
    }
}
