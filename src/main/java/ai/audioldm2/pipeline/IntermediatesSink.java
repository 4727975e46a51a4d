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

    /** Initial noise (B*n, C, h, w), after init_noise_sigma. */
    default void initialLatents(float[] data, long[] shape) { }

    /** encoder_hidden_states_1 and encoder_attention_mask_1 as the UNet receives them. */
    default void t5(float[] embeds, long[] embedsShape, long[] mask, long[] maskShape) { }

    /** encoder_hidden_states: the GPT-2 generated states as the UNet receives them. */
    default void generatedEmbeds(float[] data, long[] shape) { }

    /** Latents after the last denoising step, before scaling for the VAE. */
    default void finalLatents(float[] data, long[] shape) { }

    /** VAE output (B*n, 1, T, F). */
    default void mel(float[] data, long[] shape) { }
}
