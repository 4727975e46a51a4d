package ai.audioldm2.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/** Polls a condition that another thread makes true; fails after a generous limit instead of hanging. */
public final class Eventually {

    /** A hang guard, not a speed check: conditions normally hold within milliseconds. */
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private Eventually() {
    }

    /** Waits for the background model load; a failed load fails the test at once, with its reason. */
    public static void modelReady(GenerationService generation) {
        await("the model is loaded", () -> {
            ModelState state = generation.modelState();
            if (state.status() == ModelState.Status.FAILED) {
                throw new AssertionError("the model failed to load: " + state.error());
            }
            return state.status() == ModelState.Status.READY;
        });
    }

    public static void await(String what, BooleanSupplier condition) {
        Instant giveUp = Instant.now().plus(LIMIT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(giveUp)) {
                throw new AssertionError("gave up waiting until " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
