package ai.audioldm2.jobs;

import ai.audioldm2.pipeline.GenerationObserver;
import ai.audioldm2.pipeline.Stage;
import ai.audioldm2.telemetry.GenerationTracing;
import ai.audioldm2.telemetry.ServiceMetrics;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Connects one running generation to its job's cancellation flag, the step metrics and the trace spans of the
 * requests it serves: one for a lone request, one per item when batched items share the stages, and to whoever
 * follows its progress.
 */
final class JobObserver implements GenerationObserver {

    private final BooleanSupplier cancelled;
    private final List<GenerationTracing.GenerationSpan> spans;
    private final ServiceMetrics metrics;
    private final GenerationObserver progress;
    private int stepsDone;

    /** @param progress also told of every stage start and step (a stored job's progress), or NONE */
    JobObserver(BooleanSupplier cancelled, List<GenerationTracing.GenerationSpan> spans, ServiceMetrics metrics,
                GenerationObserver progress) {
        this.cancelled = cancelled;
        this.spans = List.copyOf(spans);
        this.metrics = metrics;
        this.progress = progress;
    }

    @Override
    public void stageStarted(Stage stage) {
        spans.forEach(span -> span.stageStarted(stage));
        progress.stageStarted(stage);
    }

    @Override
    public void stageFinished(Stage stage, long nanos) {
        spans.forEach(span -> span.stageFinished(stage));
        if (stage == Stage.DENOISING) {
            metrics.denoisingRate(stepsDone, nanos);
        }
    }

    @Override
    public void stepFinished(int step, int totalSteps) {
        stepsDone = step;
        metrics.denoisingStep();
        progress.stepFinished(step, totalSteps);
    }

    @Override
    public boolean isCancelled() {
        return cancelled.getAsBoolean();
    }
}
