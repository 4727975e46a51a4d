package ai.audioldm2.pipeline;

/** The stages of one generation, in the order they run; used for timings, progress and tracing. */
public enum Stage {
    TEXT_ENCODING("text_encoding"),
    LANGUAGE_MODEL("language_model"),
    DENOISING("denoising"),
    VAE_DECODE("vae_decode"),
    VOCODER("vocoder");

    private final String label;

    Stage(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
