package ai.audioldm2.jobs;

/** The job was withdrawn (its client went away) before or while it ran. */
public class JobCancelledException extends RuntimeException {
    public JobCancelledException(String message) {
        super(message);
    }
}
