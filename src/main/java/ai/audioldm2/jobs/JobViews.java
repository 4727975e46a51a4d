package ai.audioldm2.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;

/** Builds job views from stored jobs, and writes progress as the store keeps it. */
@ApplicationScoped
public class JobViews {

    @Inject
    ObjectMapper mapper;

    /** The view of {@code job}; {@code live} is its progress on this replica, newer than the stored one, or null. */
    JobView of(StoredJob job, JobProgress live) {
        JobProgress progress = live != null && job.status() == JobStatus.RUNNING ? live : stored(job.progress());
        if (job.status().isFinished()) {
            progress = progress.finished(job.status() == JobStatus.SUCCEEDED);
        }
        return new JobView(job.id(), job.status().label(), progress, iso(job.createdAt()), iso(job.startedAt()),
                iso(job.finishedAt()), job.requestView(), job.result(), job.error());
    }

    String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value, e);
        }
    }

    private JobProgress stored(String progress) {
        if (progress == null) {
            return JobProgress.NONE;
        }
        try {
            return mapper.readValue(progress, JobProgress.class);
        } catch (JsonProcessingException unreadable) {
            return JobProgress.NONE; // progress is advisory; the run itself is unaffected
        }
    }

    private static String iso(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
