package ai.audioldm2.jobs;

import ai.audioldm2.config.ServiceConfig;
import ai.audioldm2.pipeline.AudioLdm2Pipeline;
import ai.audioldm2.pipeline.BatchShape;
import ai.audioldm2.pipeline.GenerationCancelledException;
import ai.audioldm2.pipeline.GenerationObserver;
import ai.audioldm2.pipeline.GenerationPlan;
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
     * Checks a request against the loaded pipeline and plans it, once: the plan is what a job runs.
     *
     * @param clientJobId the caller's id for the request, or null
     * @throws ModelNotReadyException while the model loads or after it failed
     * @throws ai.audioldm2.pipeline.InvalidGenerationRequestException when the pipeline cannot run the request
     */
    public PlannedGeneration plan(GenerationRequest request, String clientJobId) {
        AudioLdm2Pipeline pipeline = readyPipeline();
        return new PlannedGeneration(pipeline, pipeline.plan(request), clientJobId);
    }

    /**
     * Queues a planned generation under the given trace context (see {@link GenerationTracing#parentOf}).
     *
     * @throws QueueFullException when no worker is free and the queue is full
     */
    public Job<TracedResult> submit(PlannedGeneration planned, Context parent) {
        return submit(planned, parent, GenerationObserver.NONE);
    }

    /** As {@link #submit(PlannedGeneration, Context)}, telling {@code progress} of each stage and step. */
    Job<TracedResult> submit(PlannedGeneration planned, Context parent, GenerationObserver progress) {
        return countingCancellations(queue.submit(
                cancelled -> generateTogether(List.of(planned), parent, cancelled, progress).get(0)));
    }

    /**
     * Queues planned generations as one job that takes one queue place per request and runs on one worker.
     * Requests of one {@link BatchShape} run through the same pipeline calls ({@link AudioLdm2Pipeline#generateBatch}),
     * groups in the order of their first request; the others run alone, one after another. Each request has its
     * own {@code generate_audio} span under {@code parent}. Results in request order.
     *
     * @throws QueueFullException when the queue has not that many places free
     */
    public Job<List<TracedResult>> submitBatch(List<PlannedGeneration> items, Context parent) {
        return countingCancellations(queue.submit(items.size(), cancelled -> generate(items, parent, cancelled)));
    }

    private <T> Job<T> countingCancellations(Job<T> job) {
        job.result().whenComplete((done, failure) -> {
            if (isCancellation(failure)) {
                metrics.failed(ServiceMetrics.FailureKind.CANCELLED);
            }
        });
        return job;
    }

    private AudioLdm2Pipeline readyPipeline() {
        ModelState state = model.state();
        if (state.status() != ModelState.Status.READY) {
            throw new ModelNotReadyException(state);
        }
        return state.pipeline();
    }

    private List<TracedResult> generate(List<PlannedGeneration> items, Context parent, BooleanSupplier cancelled) {
        Map<Object, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            // a request that cannot be batched gets a key of its own
            Object shape = BatchShape.of(items.get(i).plan.request()).map(Object.class::cast).orElseGet(Object::new);
            groups.computeIfAbsent(shape, key -> new ArrayList<>()).add(i);
        }
        TracedResult[] generated = new TracedResult[items.size()];
        for (List<Integer> group : groups.values()) {
            List<PlannedGeneration> members = group.stream().map(items::get).toList();
            List<TracedResult> results = generateTogether(members, parent, cancelled, GenerationObserver.NONE);
            for (int k = 0; k < group.size(); k++) {
                generated[group.get(k)] = results.get(k);
            }
        }
        return List.of(generated);
    }

    private List<TracedResult> generateTogether(List<PlannedGeneration> items, Context parent,
                                                BooleanSupplier cancelled, GenerationObserver progress) {
        List<GenerationTracing.GenerationSpan> spans = items.stream()
                .map(item -> tracing.start(parent, item.plan.request(), item.clientJobId)).toList();
        JobObserver observer = new JobObserver(cancelled, spans, metrics, progress);
        AudioLdm2Pipeline pipeline = items.get(0).pipeline;
        List<GenerationPlan> plans = items.stream().map(item -> item.plan).toList();
        RuntimeException failure = null;
        try {
            List<GenerationResult> results = plans.size() == 1
                    ? List.of(pipeline.generate(plans.get(0), observer))
                    : pipeline.generateBatch(plans, observer);
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
