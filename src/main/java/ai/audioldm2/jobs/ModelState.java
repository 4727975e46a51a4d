package ai.audioldm2.jobs;

import ai.audioldm2.pipeline.AudioLdm2Pipeline;
import ai.audioldm2.pipeline.ModelInfo;

/**
 * Where the model is: loading, ready to generate, or failed with a reason.
 *
 * @param pipeline the loaded pipeline, null unless READY
 * @param info     what the pipeline reports about itself, null unless READY
 * @param error    why loading failed, null unless FAILED
 */
public record ModelState(Status status, AudioLdm2Pipeline pipeline, ModelInfo info, String error) {

    /** The three phases of the model's life in the service. */
    public enum Status { LOADING, READY, FAILED }

    static ModelState loading() {
        return new ModelState(Status.LOADING, null, null, null);
    }

    static ModelState ready(AudioLdm2Pipeline pipeline) {
        return new ModelState(Status.READY, pipeline, pipeline.info(), null);
    }

    static ModelState failed(String error) {
        return new ModelState(Status.FAILED, null, null, error);
    }
}
