package ai.audioldm2.jobs;

import java.util.Locale;
import java.util.Optional;

/** Where a stored job is; the lower-case name is both the API's and the store's. */
public enum JobStatus {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isFinished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /** The status named {@code label}, or empty for an unknown name. */
    public static Optional<JobStatus> parse(String label) {
        for (JobStatus status : values()) {
            if (status.label().equals(label)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }
}
