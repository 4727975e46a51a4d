package ai.audioldm2.scheduler;

/** Guards the history of a multistep scheduler: steps must run at consecutive indices from any start. */
final class StepOrder {

    private int expected = -1;

    void accept(int stepIndex, String scheduler) {
        if (expected >= 0 && stepIndex != expected) {
            throw new IllegalStateException(scheduler + " keeps a history of previous steps and expects step index "
                    + expected + ", got " + stepIndex + "; use a new scheduler for each run");
        }
        expected = stepIndex + 1;
    }
}
