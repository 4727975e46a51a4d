package ai.audioldm2.bundle;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The checkpoint constants of {@code manifest.json → config}: everything the Java side needs to know about a model,
 * so that no Java constant describes one.
 */
public record ModelConfig(
        @JsonProperty(value = "sampling_rate", required = true) int samplingRate,
        @JsonProperty(value = "vocoder_hop", required = true) int vocoderHop,
        @JsonProperty(value = "mel_bins", required = true) int melBins,
        @JsonProperty(value = "vae_scale_factor", required = true) int vaeScaleFactor,
        @JsonProperty(value = "vae_scaling_factor", required = true) double vaeScalingFactor,
        @JsonProperty(value = "latent_channels", required = true) int latentChannels,
        @JsonProperty(value = "max_new_tokens", required = true) int maxNewTokens,
        @JsonProperty(value = "gpt2", required = true) Gpt2 gpt2,
        @JsonProperty(value = "clap_max_length", required = true) int clapMaxLength,
        @JsonProperty(value = "t5_max_length", required = true) int t5MaxLength,
        @JsonProperty(value = "clap_pad_id", required = true) long clapPadId,
        @JsonProperty(value = "t5_pad_id", required = true) long t5PadId,
        @JsonProperty(value = "t5_eos_id", required = true) long t5EosId,
        @JsonProperty("stft") Stft stft,
        @JsonProperty("clap_feature_extractor") ClapFeatures clapFeatureExtractor,
        @JsonProperty("clap_logit_scale") Double clapLogitScale,
        @JsonProperty("geometry") ModelGeometry geometry) {

    /**
     * The log-mel front end of audio-to-audio (AudioLDM's TacotronSTFT); null in bundles exported before it.
     * The sample rate is {@code sampling_rate}.
     */
    public record Stft(@JsonProperty(value = "n_fft", required = true) int nFft,
                       @JsonProperty(value = "win_length", required = true) int winLength,
                       @JsonProperty(value = "hop_length", required = true) int hopLength,
                       @JsonProperty(value = "fmin", required = true) double fmin,
                       @JsonProperty(value = "fmax", required = true) double fmax,
                       @JsonProperty(value = "mel_bins", required = true) int melBins) {
    }

    /** transformers' ClapFeatureExtractor settings (CLAP ranking); null in bundles exported before it. */
    public record ClapFeatures(@JsonProperty(value = "sampling_rate", required = true) int samplingRate,
                               @JsonProperty(value = "feature_size", required = true) int featureSize,
                               @JsonProperty(value = "fft_window_size", required = true) int fftWindowSize,
                               @JsonProperty(value = "hop_length", required = true) int hopLength,
                               @JsonProperty(value = "max_length_s", required = true) double maxLengthSeconds,
                               @JsonProperty(value = "frequency_min", required = true) double frequencyMin,
                               @JsonProperty(value = "frequency_max", required = true) double frequencyMax) {
    }

    /** Shape of GPT-2's key/value cache. */
    public record Gpt2(@JsonProperty(value = "layers", required = true) int layers,
                       @JsonProperty(value = "heads", required = true) int heads,
                       @JsonProperty(value = "head_dim", required = true) int headDim,
                       @JsonProperty(value = "hidden", required = true) int hidden) {
    }

    /** The manifest's activation sizes, or {@link ModelGeometry#conservative} for a manifest without them. */
    public ModelGeometry geometryOrConservative() {
        return geometry != null ? geometry : ModelGeometry.conservative(this);
    }

    /** Seconds of audio per mel frame (diffusers' vocoder_upsample_factor: prod(upsample_rates) / sampling_rate). */
    public double secondsPerMelFrame() {
        return (double) vocoderHop / samplingRate;
    }

    /** The shortest audio the bundle can represent: one latent frame (diffusers' check_inputs bound). */
    public double minDurationSeconds() {
        return secondsPerMelFrame() * vaeScaleFactor;
    }

    /** Fails when a value would make the pipeline divide by zero or build empty tensors. */
    void validate() {
        requirePositive("sampling_rate", samplingRate);
        requirePositive("vocoder_hop", vocoderHop);
        requirePositive("mel_bins", melBins);
        requirePositive("vae_scale_factor", vaeScaleFactor);
        requirePositive("latent_channels", latentChannels);
        requirePositive("max_new_tokens", maxNewTokens);
        requirePositive("clap_max_length", clapMaxLength);
        requirePositive("t5_max_length", t5MaxLength);
        requirePositive("gpt2.layers", gpt2.layers());
        requirePositive("gpt2.heads", gpt2.heads());
        requirePositive("gpt2.head_dim", gpt2.headDim());
        requirePositive("gpt2.hidden", gpt2.hidden());
        if (!(vaeScalingFactor > 0) || !Double.isFinite(vaeScalingFactor)) {
            throw new ModelBundleException("manifest.json: config.vae_scaling_factor must be a positive number, got "
                    + vaeScalingFactor);
        }
        if (geometry != null) {
            geometry.validate();
        }
        if (stft != null && stft.melBins() != melBins) {
            throw new ModelBundleException("manifest.json: config.stft.mel_bins " + stft.melBins()
                    + " differs from config.mel_bins " + melBins);
        }
        if (melBins % vaeScaleFactor != 0) {
            throw new ModelBundleException("manifest.json: config.mel_bins " + melBins
                    + " is not a multiple of vae_scale_factor " + vaeScaleFactor);
        }
    }

    private static void requirePositive(String field, long value) {
        if (value <= 0) {
            throw new ModelBundleException("manifest.json: config." + field + " must be > 0, got " + value);
        }
    }
}
