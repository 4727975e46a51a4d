package ai.audioldm2.pipeline;

/** The observer asked to stop; the run ended between two steps and released everything it held. */
public class GenerationCancelledException extends RuntimeException {
    public GenerationCancelledException(String message) {
        super(message);
    }
}
