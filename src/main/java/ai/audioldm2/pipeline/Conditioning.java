package ai.audioldm2.pipeline;

import ai.audioldm2.onnx.FloatTensor;
import ai.audioldm2.onnx.LongTensor;

/**
 * What the UNet is conditioned on, one row per UNet batch row: with guidance the rows are
 * [negative × waveforms, positive × waveforms] (diffusers' torch.cat([negative, positive]) after repeat).
 *
 * @param generatedEmbeds GPT-2 states (R, max_new_tokens, H): encoder_hidden_states
 * @param t5Embeds        T5 states (R, L, D1): encoder_hidden_states_1
 * @param t5Mask          T5 mask (R, L): encoder_attention_mask_1
 * @param guided          whether rows come in [negative, positive] halves for classifier-free guidance
 */
record Conditioning(FloatTensor generatedEmbeds, FloatTensor t5Embeds, LongTensor t5Mask, boolean guided) {
}
