package ai.audioldm2.bundle;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Collections;
import java.util.List;

/**
 * The activation sizes of the UNet, the VAE decoder and the vocoder ({@code manifest.json → config.geometry},
 * docs/BUNDLE.md), from which the per-request memory estimate is made. Bundles exported before it have none:
 * {@link #conservative} stands in for it.
 */
public record ModelGeometry(@JsonProperty(value = "unet", required = true) Unet unet,
                            @JsonProperty(value = "vae_decoder", required = true) VaeDecoder vaeDecoder,
                            @JsonProperty(value = "vocoder", required = true) Vocoder vocoder) {

    /**
     * @param blockOutChannels       channels per resolution level (level i runs at the latent size / 2^i)
     * @param selfAttentionHeads     per level, the self-attention heads of its down or up block (0: none)
     * @param midSelfAttentionHeads  the mid block's, at the last level's resolution (0: none)
     */
    public record Unet(@JsonProperty(value = "block_out_channels", required = true) List<Integer> blockOutChannels,
                       @JsonProperty(value = "self_attention_heads", required = true) List<Integer> selfAttentionHeads,
                       @JsonProperty(value = "mid_self_attention_heads", required = true) int midSelfAttentionHeads) {
    }

    /**
     * @param blockOutChannels      the VAE's, encoder order: the decoder runs them backwards, from the latent size
     *                              (last entry) up to the mel spectrogram's (first entry)
     * @param midSelfAttentionHeads the decoder mid block's self-attention, at the latent size (0: none)
     */
    public record VaeDecoder(@JsonProperty(value = "block_out_channels", required = true) List<Integer> blockOutChannels,
                             @JsonProperty(value = "mid_self_attention_heads", required = true) int midSelfAttentionHeads) {
    }

    /** HiFi-GAN: channels after conv_pre, halved by each up-sampling stage, and each stage's rate. */
    public record Vocoder(@JsonProperty(value = "upsample_initial_channel", required = true) int upsampleInitialChannel,
                          @JsonProperty(value = "upsample_rates", required = true) List<Integer> upsampleRates) {
    }

    /** cvssp/audioldm2's widest channels and most heads at every level, one vocoder stage of the whole hop. */
    private static final int UNET_LEVELS = 4;
    private static final int WIDEST_UNET_CHANNELS = 640;
    private static final int MOST_UNET_HEADS = 8;
    private static final int WIDEST_VAE_CHANNELS = 512;
    private static final int WIDEST_VOCODER_CHANNELS = 1024;

    /**
     * For a manifest without geometry: cvssp/audioldm2's largest sizes everywhere (its UNet's 640 channels and
     * 8 self-attention heads at each of its 4 levels, the full-size level included, the VAE's 512 channels with a one-head mid attention, the vocoder's
     * 1024 channels up-sampled by the whole hop in one stage), the VAE's levels implied by its scale factor.
     * It overestimates every known checkpoint.
     */
    public static ModelGeometry conservative(ModelConfig config) {
        int vaeLevels = Integer.numberOfTrailingZeros(Integer.highestOneBit(config.vaeScaleFactor())) + 1;
        return new ModelGeometry(
                new Unet(Collections.nCopies(UNET_LEVELS, WIDEST_UNET_CHANNELS),
                        Collections.nCopies(UNET_LEVELS, MOST_UNET_HEADS), MOST_UNET_HEADS),
                new VaeDecoder(Collections.nCopies(vaeLevels, WIDEST_VAE_CHANNELS), 1),
                new Vocoder(WIDEST_VOCODER_CHANNELS, List.of(config.vocoderHop())));
    }

    /** Fails when a list is empty or a size is not positive (heads may be 0). */
    void validate() {
        requireSizes("geometry.unet.block_out_channels", unet.blockOutChannels(), 1);
        requireSizes("geometry.unet.self_attention_heads", unet.selfAttentionHeads(), 0);
        if (unet.selfAttentionHeads().size() != unet.blockOutChannels().size()) {
            throw new ModelBundleException("manifest.json: config.geometry.unet.self_attention_heads has "
                    + unet.selfAttentionHeads().size() + " levels, block_out_channels " + unet.blockOutChannels().size());
        }
        requireSizes("geometry.vae_decoder.block_out_channels", vaeDecoder.blockOutChannels(), 1);
        requireSizes("geometry.vocoder.upsample_rates", vocoder.upsampleRates(), 1);
        if (unet.midSelfAttentionHeads() < 0 || vaeDecoder.midSelfAttentionHeads() < 0
                || vocoder.upsampleInitialChannel() <= 0) {
            throw new ModelBundleException("manifest.json: config.geometry has a negative head count or no vocoder "
                    + "channels");
        }
    }

    private static void requireSizes(String field, List<Integer> values, int least) {
        if (values == null || values.isEmpty() || values.stream().anyMatch(v -> v == null || v < least)) {
            throw new ModelBundleException("manifest.json: config." + field + " must list numbers >= " + least
                    + ", got " + values);
        }
    }
}
