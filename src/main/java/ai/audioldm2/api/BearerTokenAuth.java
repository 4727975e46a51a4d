package ai.audioldm2.api;

import ai.audioldm2.config.ServiceConfig;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Optional bearer-token authentication, off until tokens are configured ({@code AUDIOLDM2_AUTH_TOKENS}, comma
 * separated, and/or {@code AUDIOLDM2_AUTH_TOKENS_FILE}, one a line). Then every path that does work or shows data
 * ({@link #PROTECTED}: generation and jobs; the metrics, OpenAPI document and Swagger UI unless
 * {@code audioldm2.auth.open-docs-and-metrics}) answers 401 {@code {"detail": ...}} with
 * {@code WWW-Authenticate: Bearer} without a valid {@code Authorization: Bearer <token>}. Health probes, the
 * playground's static files and CORS preflights stay open. Runs first in the router, before the body is read.
 */
@ApplicationScoped
public class BearerTokenAuth {

    /** Ahead of the body-size check ({@link HttpErrorRoutes#BEFORE_QUARKUS_LIMITS}): no body is read for a stranger. */
    static final int FIRST = HttpErrorRoutes.BEFORE_QUARKUS_LIMITS - 1;
    /** The prefixes a token guards: what generates, what shows jobs and their audio. */
    static final List<String> PROTECTED = List.of("/predict", "/jobs");
    /** Guarded too unless the operator opens them. */
    static final List<String> DOCS_AND_METRICS = List.of("/q/metrics", "/q/openapi", "/q/swagger-ui");

    private static final Logger LOG = Logger.getLogger(BearerTokenAuth.class);
    private static final String BEARER = "Bearer ";

    @Inject
    ServiceConfig config;

    @Inject
    ObjectMapper mapper;

    void install(@Observes Router router) {
        List<byte[]> tokens = tokenDigests(config.auth());
        if (tokens.isEmpty()) {
            LOG.info("authentication is off (no AUDIOLDM2_AUTH_TOKENS or AUDIOLDM2_AUTH_TOKENS_FILE)");
            return;
        }
        List<String> guarded = config.auth().openDocsAndMetrics() ? PROTECTED
                : Stream.concat(PROTECTED.stream(), DOCS_AND_METRICS.stream()).toList();
        LOG.infof("bearer-token authentication is on for %s (%d token(s))", guarded, tokens.size());
        router.route().order(FIRST).handler(context -> {
            if (context.request().method() == HttpMethod.OPTIONS || !isUnder(context.normalizedPath(), guarded)
                    || isValid(context.request().getHeader(HttpHeaders.AUTHORIZATION), tokens)) {
                context.next();
            } else {
                refuse(context);
            }
        });
    }

    private static boolean isUnder(String path, List<String> prefixes) {
        return prefixes.stream().anyMatch(p -> path.equals(p) || path.startsWith(p + "/"));
    }

    /**
     * Compares digests in constant time: equal-length SHA-256 values, every configured token checked, so neither
     * the length nor the position of a match shows in the time taken.
     */
    static boolean isValid(String authorization, List<byte[]> tokens) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] offered = sha256(authorization.substring(BEARER.length()).strip());
        boolean valid = false;
        for (byte[] token : tokens) {
            valid |= MessageDigest.isEqual(offered, token);
        }
        return valid;
    }

    private void refuse(RoutingContext context) {
        String body;
        try {
            body = mapper.writeValueAsString(new ErrorDetail(context.request().getHeader(HttpHeaders.AUTHORIZATION)
                    == null ? "authentication required: send Authorization: Bearer <token>"
                    : "invalid bearer token"));
        } catch (JsonProcessingException e) {
            body = "{\"detail\":\"authentication required\"}";
        }
        context.response().setStatusCode(401)
                .putHeader("WWW-Authenticate", "Bearer")
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(body);
    }

    /** The configured tokens' digests; a tokens file that cannot be read stops the service from starting. */
    static List<byte[]> tokenDigests(ServiceConfig.Auth auth) {
        List<String> tokens = new ArrayList<>(auth.tokens().orElse(List.of()));
        auth.tokensFile().ifPresent(file -> tokens.addAll(readTokens(file)));
        return tokens.stream().map(String::strip).filter(t -> !t.isEmpty()).map(BearerTokenAuth::sha256).toList();
    }

    private static List<String> readTokens(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read AUDIOLDM2_AUTH_TOKENS_FILE " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
