package ai.audioldm2.jobs;

/** A generation was asked for while the model is still loading, or after it failed to load. */
public class ModelNotReadyException extends RuntimeException {
    private final ModelState.Status status;

    public ModelNotReadyException(ModelState state) {
        super(state.status() == ModelState.Status.LOADING
                ? "the model is still loading; try again shortly"
                : "the model is not available: " + state.error());
        this.status = state.status();
    }

    public ModelState.Status status() {
        return status;
    }
}
