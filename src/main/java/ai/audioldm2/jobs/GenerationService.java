package ai.audioldm2.jobs;

import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.pipeline.AudioLdm2Pipeline;
import ai.audioldm2.pipeline.GenerationCancelledException;
import ai.audioldm2.pipeline.GenerationRequest;
import ai.audioldm2.pipeline.GenerationResult;
import ai.audioldm2.telemetry.GenerationTracing;
import ai.audioldm2.telemetry.ServiceMetrics;
import io.opentelemetry.context.Context;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;

/**
 * Runs generations on the bounded {@link GenerationQueue}, each under a {@code generate_audio} span whose parent
 * is the caller's trace context. Created at start-up so the workers exist before the first request.
 */
@Startup
@ApplicationScoped
public class GenerationService {

    @Inject
    ServiceConfig config;

    @Inject
    ModelLoader model;

    @Inject
    GenerationTracing tracing;

    @Inject
    ServiceMetrics metrics;

    private GenerationQueue queue;

    @PostConstruct
    void start() {
        queue = new GenerationQueue(config.queue().concurrency(), config.queue().capacity());
        metrics.watchQueue(queue::queued, queue::running);
    }

    void onStop(@Observes ShutdownEvent stopping) {
        queue.close(); // running jobs stop at their next step before the pipeline's sessions are closed
        model.close();
    }

    public GenerationQueue queue() {
        return queue;
    }

    public ModelState modelState() {
        return model.state();
    }

    /**
     * Queues a generation under the given trace context (see {@link GenerationTracing#parentOf}).
     *
     * @throws ModelNotReadyException while the model loads or after it failed
     * @throws ai.audioldm2.pipeline.InvalidGenerationRequestException when the pipeline cannot run the request
     * @throws QueueFullException     when no worker is free and the queue is full
     */
    public Job<Generated> submit(GenerationRequest request, String clientJobId, Context parent) {
        ModelState state = model.state();
        if (state.status() != ModelState.Status.READY) {
            throw new ModelNotReadyException(state);
        }
        state.pipeline().validate(request); // refuse now what would fail after waiting in the queue
        Job<Generated> job = queue.submit(cancelled -> generate(state.pipeline(), request, clientJobId, parent, cancelled));
        job.result().whenComplete((done, failure) -> {
            if (isCancellation(failure)) {
                metrics.failed(ServiceMetrics.FailureKind.CANCELLED);
            }
        });
        return job;
    }

    private Generated generate(AudioLdm2Pipeline pipeline, GenerationRequest request, String clientJobId,
                               Context parent, BooleanSupplier cancelled) {
        GenerationTracing.GenerationSpan span = tracing.start(parent, request, clientJobId);
        RuntimeException failure = null;
        try {
            GenerationResult result = pipeline.generate(request, new JobObserver(cancelled, span, metrics));
            return new Generated(result, span.traceId(), span.spanId());
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            span.end(failure);
        }
    }

    /** The job was withdrawn in the queue or stopped between steps. */
    public static boolean isCancellation(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause instanceof JobCancelledException || cause instanceof GenerationCancelledException;
    }
}
