package ai.audioldm2.jobs;

import java.util.function.BooleanSupplier;

/** Polls a condition that another thread makes true; fails after a generous limit instead of hanging. */
public final class Eventually {

    private static final long LIMIT_MILLIS = 60_000;

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
        long deadline = System.currentTimeMillis() + LIMIT_MILLIS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
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
