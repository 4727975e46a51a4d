package ai.audioldm2.pipeline;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

/** Runs the stages of one generation: cancellation check, observer callbacks, wall time per stage. */
final class StageRunner {

    private final GenerationObserver observer;
    private final Map<Stage, Long> nanos = new EnumMap<>(Stage.class);

    StageRunner(GenerationObserver observer) {
        this.observer = observer;
    }

    <T> T run(Stage stage, Supplier<T> work) {
        if (observer.isCancelled()) {
            throw new GenerationCancelledException("generation cancelled before " + stage.label());
        }
        observer.stageStarted(stage);
        long start = System.nanoTime();
        T result = work.get();
        long elapsed = System.nanoTime() - start;
        nanos.put(stage, elapsed);
        observer.stageFinished(stage, elapsed);
        return result;
    }

    Map<Stage, Long> nanos() {
        return Collections.unmodifiableMap(new EnumMap<>(nanos));
    }
}
