package ai.audioldm2.jobs;

import ai.audioldm2.pipeline.GenerationObserver;
import ai.audioldm2.pipeline.Stage;
import ai.audioldm2.telemetry.GenerationTracing;
import ai.audioldm2.telemetry.ServiceMetrics;

import java.util.function.BooleanSupplier;

/** Connects one running generation to its job's cancellation flag, its trace spans and the step metrics. */
final class JobObserver implements GenerationObserver {

    private final BooleanSupplier cancelled;
    private final GenerationTracing.GenerationSpan span;
    private final ServiceMetrics metrics;
    private int stepsDone;

    JobObserver(BooleanSupplier cancelled, GenerationTracing.GenerationSpan span, ServiceMetrics metrics) {
        this.cancelled = cancelled;
        this.span = span;
        this.metrics = metrics;
    }

    @Override
    public void stageStarted(Stage stage) {
        span.stageStarted(stage);
    }

    @Override
    public void stageFinished(Stage stage, long nanos) {
        span.stageFinished(stage);
        if (stage == Stage.DENOISING) {
            metrics.denoisingRate(stepsDone, nanos);
        }
    }

    @Override
    public void stepFinished(int step, int totalSteps) {
        stepsDone = step;
        metrics.denoisingStep();
    }

    @Override
    public boolean isCancelled() {
        return cancelled.getAsBoolean();
    }
}
