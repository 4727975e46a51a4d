package ai.audioldm2.pipeline;

import ai.audioldm2.text.TokenBatch;

/**
 * Receives the intermediate tensors of a generation, for parity tests against diffusers. Arrays are the pipeline's
 * live buffers, valid only during the call: copy what you keep. {@link #NONE} ignores everything, so the normal path
 * pays one no-op call per stage.
 */
public interface IntermediatesSink {

    IntermediatesSink NONE = new IntermediatesSink() { };

    /** Token ids and masks of both text encoders, rows [negative, positive] under guidance, before repetition. */
    default void tokens(TokenBatch clap, TokenBatch t5) { }

    /** Audio-to-audio: the log-mel the VAE encoder receives (1, 1, T, F). */
    default void melInput(float[] data, long[] shape) { }

    /** Audio-to-audio: the posterior's mean and logvar and its sample (before the scaling factor), all (B*n, C, h, w). */
    default void posterior(float[] mean, float[] logvar, float[] sample, long[] shape) { }

    /**
     * Latents the denoising loop starts from (B*n, C, h, w): the initial noise after init_noise_sigma, or for
     * audio-to-audio the encoded input after add_noise.
     */
    default void initialLatents(float[] data, long[] shape) { }

    /** encoder_hidden_states_1 and encoder_attention_mask_1 as the UNet receives them. */
    default void t5(float[] embeds, long[] embedsShape, long[] mask, long[] maskShape) { }

    /** encoder_hidden_states: the GPT-2 generated states as the UNet receives them. */
    default void generatedEmbeds(float[] data, long[] shape) { }

    /** Latents after the last denoising step, before scaling for the VAE. */
    default void finalLatents(float[] data, long[] shape) { }

    /** VAE output (B*n, 1, T, F). */
    default void mel(float[] data, long[] shape) { }

    /** The vocoder's waveforms in generation order, before CLAP ranking, [B*n][samples]. */
    default void generatedWaveforms(float[][] waveforms) { }
}
