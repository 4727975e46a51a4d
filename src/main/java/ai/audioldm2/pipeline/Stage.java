package ai.audioldm2.pipeline;

/**
 * The stages of one generation, in the order they run; used for timings, progress and tracing. AUDIO_ENCODING runs
 * for audio-to-audio only, RANKING only with several waveforms per prompt.
 */
public enum Stage {
    TEXT_ENCODING("text_encoding"),
    LANGUAGE_MODEL("language_model"),
    AUDIO_ENCODING("audio_encoding"),
    DENOISING("denoising"),
    VAE_DECODE("vae_decode"),
    VOCODER("vocoder"),
    RANKING("ranking");

    private final String label;

    Stage(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
