package ai.audioldm2.jobs;

import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.pipeline.AudioLdm2Pipeline;
import ai.audioldm2.pipeline.BatchShape;
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

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    public Job<TracedResult> submit(GenerationRequest request, String clientJobId, Context parent) {
        AudioLdm2Pipeline pipeline = readyPipeline();
        pipeline.validate(request); // refuse now what would fail after waiting in the queue
        List<BatchItem> alone = List.of(new BatchItem(request, clientJobId));
        return countingCancellations(queue.submit(
                cancelled -> generateTogether(pipeline, alone, parent, cancelled).get(0)));
    }

    /**
     * Queues requests as one job that takes one queue place per request and runs on one worker. Requests of one
     * {@link BatchShape} run through the same pipeline calls ({@link AudioLdm2Pipeline#generateBatch}), groups in
     * the order of their first request; the others run alone, one after another. Each request has its own
     * {@code generate_audio} span under {@code parent}. Results in request order.
     *
     * @throws ModelNotReadyException while the model loads or after it failed
     * @throws ai.audioldm2.pipeline.InvalidGenerationRequestException when the pipeline cannot run a request
     * @throws QueueFullException     when the queue has not that many places free
     */
    public Job<List<TracedResult>> submitBatch(List<BatchItem> items, Context parent) {
        AudioLdm2Pipeline pipeline = readyPipeline();
        items.forEach(item -> pipeline.validate(item.request()));
        return countingCancellations(queue.submit(items.size(),
                cancelled -> generate(pipeline, items, parent, cancelled)));
    }

    private <T> Job<T> countingCancellations(Job<T> job) {
        job.result().whenComplete((done, failure) -> {
            if (isCancellation(failure)) {
                metrics.failed(ServiceMetrics.FailureKind.CANCELLED);
            }
        });
        return job;
    }

    /** A request to generate and the caller's id for it (null when none). */
    public record BatchItem(GenerationRequest request, String clientJobId) {
    }

    /** The loaded pipeline. Also what a caller checks before validating requests against it. */
    public AudioLdm2Pipeline readyPipeline() {
        ModelState state = model.state();
        if (state.status() != ModelState.Status.READY) {
            throw new ModelNotReadyException(state);
        }
        return state.pipeline();
    }

    private List<TracedResult> generate(AudioLdm2Pipeline pipeline, List<BatchItem> items, Context parent,
                                     BooleanSupplier cancelled) {
        Map<Object, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            // a request that cannot be batched gets a key of its own
            Object shape = BatchShape.of(items.get(i).request()).map(Object.class::cast).orElseGet(Object::new);
            groups.computeIfAbsent(shape, key -> new ArrayList<>()).add(i);
        }
        TracedResult[] generated = new TracedResult[items.size()];
        for (List<Integer> group : groups.values()) {
            List<BatchItem> members = group.stream().map(items::get).toList();
            List<TracedResult> results = generateTogether(pipeline, members, parent, cancelled);
            for (int k = 0; k < group.size(); k++) {
                generated[group.get(k)] = results.get(k);
            }
        }
        return List.of(generated);
    }

    private List<TracedResult> generateTogether(AudioLdm2Pipeline pipeline, List<BatchItem> items, Context parent,
                                             BooleanSupplier cancelled) {
        List<GenerationTracing.GenerationSpan> spans = items.stream()
                .map(item -> tracing.start(parent, item.request(), item.clientJobId())).toList();
        JobObserver observer = new JobObserver(cancelled, spans, metrics);
        List<GenerationRequest> requests = items.stream().map(BatchItem::request).toList();
        RuntimeException failure = null;
        try {
            List<GenerationResult> results = requests.size() == 1
                    ? List.of(pipeline.generate(requests.get(0), observer))
                    : pipeline.generateBatch(requests, observer);
            List<TracedResult> generated = new ArrayList<>(results.size());
            for (int i = 0; i < results.size(); i++) {
                generated.add(new TracedResult(results.get(i), spans.get(i).traceId(), spans.get(i).spanId()));
            }
            return generated;
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            for (GenerationTracing.GenerationSpan span : spans) {
                span.end(failure);
            }
        }
    }

    /** The job was withdrawn in the queue or stopped between steps. */
    public static boolean isCancellation(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause instanceof JobCancelledException || cause instanceof GenerationCancelledException;
    }
}
