package ai.audioldm2.api;

import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.telemetry.ServiceMetrics;
import ai.audioldm2.telemetry.ServiceMetrics.FailureKind;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Errors raised below Quarkus REST, in the Vert.x router, in FastAPI's JSON shape too. Quarkus answers an
 * oversize body with an empty 413 (from its own Content-Length check, or while streaming a chunked body into
 * the resource); this handler runs first and buffers bodies itself with the configured limit, so an oversize
 * body gets {@code 413 {"detail": ...}} either way. Quarkus REST then reads the buffered body.
 */
@ApplicationScoped
public class HttpErrorRoutes {

    /** Ahead of Quarkus' own body-size check, which is registered at order -2. */
    static final int BEFORE_QUARKUS_LIMITS = -3;

    private static final Logger LOG = Logger.getLogger(HttpErrorRoutes.class);

    @Inject
    ServiceConfig config;

    @Inject
    ServiceMetrics metrics;

    @Inject
    ObjectMapper mapper;

    void install(@Observes Router router) {
        long limit = config.limits().maxBodySize().asLongValue();
        router.route().order(BEFORE_QUARKUS_LIMITS)
                .handler(BodyHandler.create(false).setBodyLimit(limit).setDeleteUploadedFilesOnEnd(true))
                .failureHandler(this::renderFailure);
    }

    private void renderFailure(RoutingContext context) {
        int status = context.statusCode() > 0 ? context.statusCode() : 500;
        String detail;
        if (status == 413) {
            metrics.failed(FailureKind.TOO_LARGE);
            detail = "request body larger than " + config.limits().maxBodySize().asLongValue() + " bytes";
            context.response().putHeader(HttpHeaders.CONNECTION, "close");
        } else if (status >= 500) {
            LOG.error("request to " + context.normalizedPath() + " failed", context.failure());
            detail = "internal error";
        } else {
            detail = HttpResponseStatus.valueOf(status).reasonPhrase();
        }
        if (context.response().headWritten()) {
            return;
        }
        try {
            context.response().setStatusCode(status)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(mapper.writeValueAsString(new ErrorDetail(detail)));
        } catch (JsonProcessingException e) {
            context.response().setStatusCode(status).end();
        }
    }
}
