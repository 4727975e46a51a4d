package ai.audioldm2.jobs;

import java.time.Instant;

/**
 * One row of the jobs store.
 *
 * @param request     the validated request with its seed, as the codec stores it (what a run reads again)
 * @param requestView the request as the job view shows it
 * @param progress    the last progress written, JSON, or null
 * @param result      the job view's result, JSON, once succeeded
 * @param error       {@code {"status_code", "detail"}}, JSON, once failed
 * @param traceparent the W3C traceparent of the submit, or null
 */
public record StoredJob(String id, JobStatus status, String request, String requestView, String progress,
                        Instant createdAt, Instant startedAt, Instant finishedAt, String result, String error,
                        String traceparent) {
}
