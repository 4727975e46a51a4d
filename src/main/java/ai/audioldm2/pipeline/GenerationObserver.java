package ai.audioldm2.pipeline;

/**
 * Watches one generation: stage boundaries, denoising progress, and cancellation.
 * Called on the generating thread; implementations must be cheap.
 */
public interface GenerationObserver {

    GenerationObserver NONE = new GenerationObserver() { };

    default void stageStarted(Stage stage) { }

    default void stageFinished(Stage stage, long nanos) { }

    /** After each denoising step; {@code step} counts from 1. */
    default void stepFinished(int step, int totalSteps) { }

    /** Polled between steps and stages; returning true stops the run with {@link GenerationCancelledException}. */
    default boolean isCancelled() {
        return false;
    }
}
