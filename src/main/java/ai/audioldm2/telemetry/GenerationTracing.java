package ai.audioldm2.telemetry;

import ai.audioldm2.pipeline.GenerationRequest;
import ai.audioldm2.pipeline.Stage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapGetter;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import io.opentelemetry.context.Context;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.function.Function;
import java.util.Map;

/**
 * The spans of one generation: {@code generate_audio}, child of the HTTP server span (which continues an
 * incoming W3C traceparent), with one child span per pipeline stage.
 *
 * <p>With no OTLP endpoint the SDK is off and Quarkus creates no server span; the caller's traceparent is then
 * read here, so the response still carries the caller's trace id (and no span id: nothing is recorded).
 */
@ApplicationScoped
public class GenerationTracing {

    static final int PROMPT_ATTRIBUTE_CHARS = 100;

    private static final TextMapGetter<Function<String, String>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Function<String, String> carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(Function<String, String> carrier, String key) {
            return carrier == null ? null : carrier.apply(key);
        }
    };

    @Inject
    Tracer tracer;

    @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false")
    boolean sdkDisabled;

    /**
     * The parent of the next {@code generate_audio} span. Call it on the request's thread.
     *
     * @param header reads a request header by name
     */
    public Context parentOf(Function<String, String> header) {
        return sdkDisabled
                ? W3CTraceContextPropagator.getInstance().extract(Context.root(), header, HEADERS)
                : Context.current();
    }

    /** The W3C traceparent of {@code context}, to store with a job; null when it holds no valid span. */
    public String traceparent(Context context) {
        Map<String, String> headers = new HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(context, headers, Map::put);
        return headers.get("traceparent");
    }

    /** The context a stored job runs under: the submit's span as the remote parent ({@link #traceparent}). */
    public Context fromTraceparent(String traceparent) {
        Map<String, String> headers = traceparent == null ? Map.of() : Map.of("traceparent", traceparent);
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), headers::get, HEADERS);
    }

    /** Starts {@code generate_audio} under {@code parent}; the caller ends it through the returned handle. */
    public GenerationSpan start(Context parent, GenerationRequest request, String clientJobId) {
        String prompt = request.prompts().get(0);
        var builder = tracer.spanBuilder("generate_audio")
                .setParent(parent)
                .setAttribute("prompt", prompt.length() > PROMPT_ATTRIBUTE_CHARS
                        ? prompt.substring(0, PROMPT_ATTRIBUTE_CHARS) : prompt)
                .setAttribute("duration", request.durationSeconds())
                .setAttribute("num_inference_steps", (long) request.numInferenceSteps())
                .setAttribute("guidance_scale", request.guidanceScale())
                .setAttribute("seed", request.seed())
                .setAttribute("scheduler", request.scheduler());
        if (clientJobId != null) {
            builder.setAttribute(AttributeKey.stringKey("client_job_id"), clientJobId);
        }
        return new GenerationSpan(builder.startSpan(), Span.fromContext(parent).getSpanContext());
    }

    /** An open {@code generate_audio} span and its open stage spans. */
    public final class GenerationSpan {
        private final Span span;
        private final SpanContext parent;
        private final Map<Stage, Span> stages = new EnumMap<>(Stage.class);

        private GenerationSpan(Span span, SpanContext parent) {
            this.span = span;
            this.parent = parent;
        }

        public void stageStarted(Stage stage) {
            stages.put(stage, tracer.spanBuilder(stage.label()).setParent(Context.root().with(span)).startSpan());
        }

        public void stageFinished(Stage stage) {
            Span stageSpan = stages.remove(stage);
            if (stageSpan != null) {
                stageSpan.end();
            }
        }

        /** 32 hex digits; null when tracing is off and the caller sent no traceparent. */
        public String traceId() {
            SpanContext ids = sdkDisabled ? parent : span.getSpanContext();
            return ids.isValid() ? ids.getTraceId() : null;
        }

        /** 16 hex digits of this span; null when tracing is off (the span exists nowhere else). */
        public String spanId() {
            return !sdkDisabled && span.getSpanContext().isValid() ? span.getSpanContext().getSpanId() : null;
        }

        public void end(Throwable failure) {
            stages.values().forEach(Span::end); // a stage interrupted by a failure or a cancellation
            stages.clear();
            if (failure != null) {
                span.recordException(failure);
                span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
            }
            span.end();
        }
    }
}
