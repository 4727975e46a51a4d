package ai.audioldm2.jobs;

/**
 * A job to store, as {@link JobCodec} wrote its request.
 *
 * @param request     everything a run needs, read back by {@link JobCodec#read}
 * @param requestView what the job view shows (the request without bulky input audio)
 * @param traceparent the W3C traceparent of the submit, or null
 */
public record NewJob(String request, String requestView, String traceparent) {
}
