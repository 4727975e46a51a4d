package ai.audioldm2.api;

import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.telemetry.ServiceMetrics;
import ai.audioldm2.telemetry.ServiceMetrics.FailureKind;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
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
 * the resource). This handler runs first: a declared Content-Length over the limit is refused here, and a
 * body of unknown length (HTTP/1.1 chunked, HTTP/2 without content-length) is buffered here with the limit, so an oversize body gets
 * {@code 413 {"detail": ...}} either way. Quarkus REST then reads the buffered body. Bodies with a length are
 * left to Quarkus REST to read: buffering them here breaks empty bodies and h2c upgrades.
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
        BodyHandler bufferChunked = BodyHandler.create(false).setBodyLimit(limit);
        router.route().order(BEFORE_QUARKUS_LIMITS).handler(context -> {
            String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length == null && hasStreamedBody(context)) {
                bufferChunked.handle(context);
            } else if (length != null && declaredLength(length) > limit) {
                context.fail(413);
            } else {
                context.next();
            }
        }).failureHandler(this::renderFailure);
    }

    /** A body of unknown length: chunked in HTTP/1.1; in HTTP/2 any body sent without a content-length. */
    private static boolean hasStreamedBody(RoutingContext context) {
        if (context.request().version() == HttpVersion.HTTP_2) {
            HttpMethod method = context.request().method();
            return method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH;
        }
        return context.request().headers().contains(HttpHeaders.TRANSFER_ENCODING, "chunked", true);
    }

    /** An unparsable length is left to the HTTP layer, which rejects it. */
    private static long declaredLength(String header) {
        try {
            return Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void renderFailure(RoutingContext context) {
        int status = context.statusCode() > 0 ? context.statusCode() : 500;
        String detail;
        if (status == 413) {
            metrics.failed(FailureKind.TOO_LARGE);
            detail = "request body larger than " + config.limits().maxBodySize().asLongValue() + " bytes";
            if (context.request().version() != HttpVersion.HTTP_2) {
                // The unread rest of the body would otherwise be taken for the next request. HTTP/2 resets the
                // stream instead and forbids this header.
                context.response().putHeader(HttpHeaders.CONNECTION, "close");
            }
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
