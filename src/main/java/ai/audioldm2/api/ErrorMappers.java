package ai.audioldm2.api;

import ai.audioldm2.audio.AudioDecodeException;
import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.jobs.GenerationService;
import ai.audioldm2.jobs.JobCancelledException;
import ai.audioldm2.jobs.JobNotFinishedException;
import ai.audioldm2.jobs.JobNotFoundException;
import ai.audioldm2.jobs.ModelNotReadyException;
import ai.audioldm2.jobs.QueueFullException;
import ai.audioldm2.jobs.StoreUnavailableException;
import ai.audioldm2.pipeline.GenerationCancelledException;
import ai.audioldm2.pipeline.InvalidGenerationRequestException;
import ai.audioldm2.telemetry.ServiceMetrics;
import ai.audioldm2.telemetry.ServiceMetrics.FailureKind;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns every failure into the JSON FastAPI clients parse: {@code {"detail": "..."}}, or for 422 a list of
 * {@link ValidationError}. Framework errors (404, 405, 406, 415, bad bodies) included, so no HTML or plain text
 * ever leaves /predict and the other REST endpoints. See {@link HttpErrorRoutes} for errors raised before
 * Quarkus REST sees the request.
 */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @Inject
    ServiceMetrics metrics;

    @Inject
    ServiceConfig config;

    /** The request's own fault: 422 (schema, pipeline refusal), 400 (malformed JSON, base64, audio), 413 (audio). */
    @ServerExceptionMapper({RequestValidationException.class, InvalidGenerationRequestException.class,
            MalformedRequestException.class, AudioDecodeException.class})
    public Response requestAtFault(RuntimeException e) {
        ItemError error = ItemError.of(e, List.of("body")).orElseThrow(() -> e);
        metrics.failed(error.kind());
        return json(error.statusCode(), error.detail());
    }

    @ServerExceptionMapper
    public Response queueFull(QueueFullException e) {
        metrics.failed(FailureKind.QUEUE_FULL);
        return retryLater(e.getMessage());
    }

    @ServerExceptionMapper
    public Response storeUnavailable(StoreUnavailableException e) {
        metrics.failed(FailureKind.STORE_UNAVAILABLE); // the store logged the outage
        return retryLater("the jobs store is unavailable; try again later");
    }

    @ServerExceptionMapper
    public Response noSuchJob(JobNotFoundException e) {
        return json(404, e.getMessage());
    }

    @ServerExceptionMapper
    public Response jobNotFinished(JobNotFinishedException e) {
        return json(409, e.getMessage());
    }

    @ServerExceptionMapper
    public Response modelNotReady(ModelNotReadyException e) {
        metrics.failed(FailureKind.MODEL_NOT_READY);
        return retryLater(e.getMessage());
    }

    /** Reached only when the job stopped while its client still waits: the service is shutting down. */
    @ServerExceptionMapper({JobCancelledException.class, GenerationCancelledException.class})
    public Response cancelled(RuntimeException e) {
        return retryLater("the generation was cancelled: " + e.getMessage());
    }

    /** Errors Quarkus REST raises itself: unknown path, wrong method, unsupported content type, ... */
    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return internal(e);
        }
        Response.StatusType reason = e.getResponse().getStatusInfo();
        return json(status, reason.getReasonPhrase());
    }

    @ServerExceptionMapper
    public Response internal(Throwable e) {
        if (GenerationService.isCancellation(e)) {
            return cancelled((RuntimeException) (e.getCause() != null ? e.getCause() : e));
        }
        metrics.failed(FailureKind.INTERNAL);
        SpanContext span = Span.current().getSpanContext();
        // Without tracing there is no trace id; a fresh id still ties the answer to the log line.
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String traceId = span.isValid() ? span.getTraceId()
                : String.format("%016x%016x", random.nextLong(), random.nextLong());
        LOG.errorf(e, "internal error, trace id %s", traceId);
        return json(500, "internal error (trace id " + traceId + ")");
    }

    static Response json(int status, Object detail) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorDetail(detail)).build();
    }

    private Response retryLater(String detail) {
        return Response.status(503).type(MediaType.APPLICATION_JSON_TYPE)
                .header("Retry-After", config.queue().retryAfterSeconds())
                .entity(new ErrorDetail(detail)).build();
    }
}
