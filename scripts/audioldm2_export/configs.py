"""Component configs: the tiny test fixture, diffusers' own test pipeline and the full-size cvssp checkpoints
(random weights).

A `PipelineSpec` holds plain numbers only; `tiny.build_pipeline` turns it into modules. The full-size numbers
come from the hub configs of cvssp/audioldm2 (mirrored at revision c8e7e189, quoted in
shared/notes/audioldm2-pipeline-facts.md section 3) and from diffusers'
scripts/convert_original_audioldm2_to_diffusers.py. Values that were inferred rather than read are marked
INFERRED where they are defined.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

# cvssp/audioldm2 scheduler/scheduler_config.json, verbatim (mirror c8e7e189). The converter writes the same
# values for every checkpoint (linear_start/linear_end/timesteps of the original config, steps_offset=1,
# set_alpha_to_one=False, epsilon), so -large and -music share it.
CVSSP_SCHEDULER_CONFIG = {
    "beta_end": 0.0195,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.0015,
    "clip_sample": False,
    "clip_sample_range": 1.0,
    "dynamic_thresholding_ratio": 0.995,
    "num_train_timesteps": 1000,
    "prediction_type": "epsilon",
    "rescale_betas_zero_snr": False,
    "sample_max_value": 1.0,
    "set_alpha_to_one": False,
    "steps_offset": 1,
    "thresholding": False,
    "timestep_spacing": "leading",
    "trained_betas": None,
}

# cvssp/audioldm2 feature_extractor/preprocessor_config.json (laion/clap-htsat-unfused settings).
CVSSP_FEATURE_EXTRACTOR = {
    "feature_size": 64,
    "sampling_rate": 48000,
    "hop_length": 480,
    "max_length_s": 10,
    "fft_window_size": 1024,
    "padding_value": 0.0,
    "return_attention_mask": False,
    "frequency_min": 50,
    "frequency_max": 14000,
    "top_db": None,
    "truncation": "rand_trunc",
    "padding": "repeatpad",
}

@dataclass
class PipelineSpec:
    """Everything needed to build one AudioLDM2 pipeline with seeded random weights."""

    name: str
    unet: dict
    vae: dict
    vocoder: dict
    clap_text: dict
    clap_audio: dict
    clap_projection_dim: int
    clap_logit_scale_init: float
    t5: dict
    gpt2: dict
    max_new_tokens: int
    clap_max_length: int
    t5_max_length: int
    feature_extractor: dict
    scheduler: dict = field(default_factory=lambda: copy.deepcopy(CVSSP_SCHEDULER_CONFIG))
    # Vocabulary sizes of the locally trained tokenizers; full-size specs keep the real embedding sizes and only
    # use the low ids of these small tokenizers.
    bpe_vocab_size: int = 1000
    unigram_vocab_size: int = 400


def _unet(block_out_channels, layers_per_block, heads, norm_groups, gpt_dim, t5_dim, sample_size) -> dict:
    """The AudioLDM2 UNet layout of cvssp/audioldm2: one plain and three cross-attention blocks each way, every
    attention layer nested [self-attention, GPT-2 cross-attention, T5 cross-attention]."""
    return dict(
        sample_size=sample_size, in_channels=8, out_channels=8,
        down_block_types=["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
        up_block_types=["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
        block_out_channels=block_out_channels, layers_per_block=layers_per_block,
        cross_attention_dim=[[None, gpt_dim, t5_dim]] * 4, transformer_layers_per_block=1,
        attention_head_dim=heads,  # diffusers reads this as the number of heads (diffusers #2011)
        norm_num_groups=norm_groups, norm_eps=1e-5, flip_sin_to_cos=True, use_linear_projection=False,
        upcast_attention=False,
    )


def _vae(block_out_channels, layers_per_block, norm_groups, sample_size) -> dict:
    return dict(
        in_channels=1, out_channels=1, latent_channels=8, block_out_channels=block_out_channels,
        down_block_types=["DownEncoderBlock2D"] * 3, up_block_types=["UpDecoderBlock2D"] * 3,
        layers_per_block=layers_per_block, norm_num_groups=norm_groups, sample_size=sample_size,
        scaling_factor=0.4110932946205139,  # cvssp/audioldm2's learned scale_by_std value
    )


def _vocoder(upsample_initial_channel, resblock_kernel_sizes) -> dict:
    """SpeechT5HifiGan at 16 kHz with hop 5*4*2*2*2 = 160 and 64 mel bins."""
    return dict(
        model_in_dim=64, sampling_rate=16000, upsample_initial_channel=upsample_initial_channel,
        upsample_rates=[5, 4, 2, 2, 2], upsample_kernel_sizes=[16, 16, 8, 4, 4],
        resblock_kernel_sizes=resblock_kernel_sizes, resblock_dilation_sizes=[[1, 3, 5]] * len(resblock_kernel_sizes),
        leaky_relu_slope=0.1, normalize_before=False,
    )


def _cvssp_base() -> PipelineSpec:
    """cvssp/audioldm2: every number read from its hub configs (see module docstring)."""
    gpt_dim, t5_dim = 768, 1024
    return PipelineSpec(
        name="cvssp/audioldm2",
        unet=_unet([128, 256, 384, 640], layers_per_block=2, heads=8, norm_groups=32, gpt_dim=gpt_dim,
                   t5_dim=t5_dim, sample_size=256),
        vae=_vae([128, 256, 512], layers_per_block=2, norm_groups=32, sample_size=1024),
        vocoder=_vocoder(upsample_initial_channel=1024, resblock_kernel_sizes=[3, 7, 11]),
        # laion/clap-htsat-unfused text tower (RoBERTa-base sizes).
        clap_text=dict(
            vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
            intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1, pad_token_id=1,
            bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-12, projection_hidden_act="relu",
        ),
        # ClapAudioConfig defaults (HTSAT) with the AudioLDM2 override depths/hidden_size/patch_embeds_hidden_size.
        clap_audio=dict(
            spec_size=256, window_size=8, num_mel_bins=64, patch_size=4, patch_stride=[4, 4],
            depths=[2, 2, 12, 2], num_attention_heads=[4, 8, 16, 32], hidden_size=1024,
            patch_embeds_hidden_size=128, enable_fusion=False, projection_hidden_act="relu",
        ),
        clap_projection_dim=512,
        clap_logit_scale_init=1 / 0.07,  # 14.2857
        # google/flan-t5-large encoder.
        t5=dict(
            vocab_size=32128, d_model=t5_dim, d_kv=64, d_ff=2816, num_layers=24, num_heads=16,
            feed_forward_proj="gated-gelu", layer_norm_epsilon=1e-6, relative_attention_num_buckets=32,
            relative_attention_max_distance=128, tie_word_embeddings=False,
        ),
        # gpt2 (base).
        gpt2=dict(n_embd=gpt_dim, n_layer=12, n_head=12, n_positions=1024, vocab_size=50257,
                  activation_function="gelu_new"),
        max_new_tokens=8,
        clap_max_length=512,
        t5_max_length=128,  # hard-coded by the converter ("not retrievable from the config")
        feature_extractor=copy.deepcopy(CVSSP_FEATURE_EXTRACTOR),
    )


def _cvssp_large() -> PipelineSpec:
    """cvssp/audioldm2-large; its unet/config.json could not be read here, so the UNet follows the original code:
    - cross_attention_dim [[None, 768, 1024, None]] x 4 and transformer_layers_per_block 2: the original authors'
      package audioldm2==0.1.0 (PyPI), audioldm2/utils.py, default_audioldm_config, sets the UNet's
      context_dim [768, 1024, None] and transformer_depth 2 for a model name containing "-large-"; its UNetModel
      (latent_diffusion/modules/diffusionmodules/openaimodel.py) prepends a self-attention layer
      (extra_sa_layer=True), hence the leading None. Checked by tests/test_configs.py;
    - layers_per_block 2 and block_out_channels [128, 256, 384, 640]: get_basic_config's num_res_blocks 2,
      model_channels 128 and channel_mult [1, 2, 3, 5], which "-large-" leaves unchanged.
    Check against the documented sizes (750 M UNet, 1.5 B in all): this layout has 718 M UNet parameters, while
    192 channels with depth 2 would give 1.24 B and 256 channels 2.2 B.
    Everything else (VAE, vocoder, text encoders, GPT-2, scheduler, VAE scaling factor) as cvssp/audioldm2.
    """
    spec = _cvssp_base()
    spec.name = "cvssp/audioldm2-large"
    spec.unet.update(cross_attention_dim=[[None, 768, 1024, None]] * 4, transformer_layers_per_block=2)
    return spec


def _cvssp_music() -> PipelineSpec:
    """cvssp/audioldm2-music: documented as the base architecture (350 M UNet) trained on music.
    INFERRED: all sizes as cvssp/audioldm2, including the VAE scaling factor (which the converter learns per
    checkpoint; the real value differs but does not change the architecture)."""
    spec = _cvssp_base()
    spec.name = "cvssp/audioldm2-music"
    return spec


FULL_SIZE_SPECS = {
    "cvssp/audioldm2": _cvssp_base,
    "cvssp/audioldm2-large": _cvssp_large,
    "cvssp/audioldm2-music": _cvssp_music,
}


def full_size_spec(model_id: str) -> PipelineSpec:
    return FULL_SIZE_SPECS[model_id]()


def diffusers_test_spec() -> PipelineSpec:
    """diffusers' own fast-test pipeline: AudioLDM2PipelineFastTests.get_dummy_components in diffusers'
    tests/pipelines/audioldm2/test_audioldm2.py, values quoted in shared/notes/audioldm2-pipeline-facts.md section 4.
    A geometry unlike the real checkpoints': 4 samples per mel frame, 8 mel bins, VAE scale 2, 2 UNet blocks with a
    flat cross_attention_dim (GPT-2 only). Its CLAP audio branch takes num_mel_bins=8 while the feature extractor
    makes feature_size=64 mel bins, so the branch cannot run on the extractor's features: the bundle gets no
    clap_audio graph and no ranking (manifest "ranking_unavailable").
    Differences from the test: the tokenizers are trained locally (hf-internal-testing/tiny-random-roberta and
    -T5Model are on the Hub), every component is seeded by tiny.build_pipeline, and the feature extractor is
    ClapFeatureExtractor's defaults with the test's hop_length=7900 (INFERRED: the preprocessor config of
    hf-internal-testing/tiny-random-ClapModel could not be read here).
    """
    return PipelineSpec(
        name="diffusers-tests",
        unet=dict(block_out_channels=(8, 16), layers_per_block=1, norm_num_groups=8, sample_size=32, in_channels=4,
                  out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                  up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=(8, 16)),
        vae=dict(block_out_channels=[8, 16], in_channels=1, out_channels=1, norm_num_groups=8,
                 down_block_types=["DownEncoderBlock2D"] * 2, up_block_types=["UpDecoderBlock2D"] * 2,
                 latent_channels=4),
        vocoder=dict(model_in_dim=8, sampling_rate=16000, upsample_initial_channel=16, upsample_rates=[2, 2],
                     upsample_kernel_sizes=[4, 4], resblock_kernel_sizes=[3, 7],
                     resblock_dilation_sizes=[[1, 3, 5], [1, 3, 5]], normalize_before=False),
        clap_text=dict(bos_token_id=0, eos_token_id=2, hidden_size=8, intermediate_size=37, layer_norm_eps=1e-05,
                       num_attention_heads=1, num_hidden_layers=1, pad_token_id=1, vocab_size=1000, projection_dim=8),
        clap_audio=dict(spec_size=8, window_size=4, num_mel_bins=8, intermediate_size=37, layer_norm_eps=1e-05,
                        depths=[1, 1], num_attention_heads=[1, 1], num_hidden_layers=1, hidden_size=192,
                        projection_dim=8, patch_size=2, patch_stride=2, patch_embed_input_channels=4),
        clap_projection_dim=16,  # ClapConfig's projection_dim=16 overrides both branches' 8
        clap_logit_scale_init=1 / 0.07,  # ClapConfig's default
        t5=dict(vocab_size=32100, d_model=32, d_ff=37, d_kv=8, num_heads=1, num_layers=1),
        gpt2=dict(n_embd=16, n_head=1, n_layer=1, vocab_size=1000, n_ctx=99, n_positions=99),
        max_new_tokens=8,
        clap_max_length=77,
        t5_max_length=77,
        feature_extractor={"hop_length": 7900},  # the rest: ClapFeatureExtractor() defaults
        scheduler=dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                       set_alpha_to_one=False),
    )


# Random-weight pipelines export_onnx.py --random-weights builds: the full-size ones and diffusers' test pipeline.
RANDOM_WEIGHT_SPECS = {**FULL_SIZE_SPECS, "diffusers-tests": diffusers_test_spec}


def tiny_spec() -> PipelineSpec:
    """A few-MB pipeline with the real pipeline's structure where it matters for the Java port:
    - nested cross-attention [[None, gpt, t5]] per block (as cvssp/audioldm2), so the T5 states reach the UNet;
    - 4 UNet blocks, so 2**num_upsamplers = 8 and many durations give latent heights that are not multiples of 8;
    - GPT-2 with 2 layers (the KV cache crosses layers);
    - the real sampling rate, vocoder hop (160), mel bins (64), VAE scale factor (4) and scheduler, so durations,
      heights and waveform lengths are those of the real checkpoints;
    - CLAP padded to 77 tokens, T5 truncated at 128 like the real checkpoints; GPT-2, T5 and CLAP widths all differ.
    """
    gpt_dim, t5_dim = 16, 24
    return PipelineSpec(
        name="tiny-random",
        unet=_unet([8, 8, 16, 16], layers_per_block=1, heads=2, norm_groups=8, gpt_dim=gpt_dim, t5_dim=t5_dim,
                   sample_size=64),
        vae=_vae([8, 16, 16], layers_per_block=1, norm_groups=8, sample_size=256),
        vocoder=_vocoder(upsample_initial_channel=32, resblock_kernel_sizes=[3, 7]),
        clap_text=dict(
            hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
            max_position_embeddings=80, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
            layer_norm_eps=1e-5, projection_hidden_act="relu",
        ),
        # spec_size * (spec_size // num_mel_bins) = 256 time slots >= the 201 frames of a 2 s clip.
        clap_audio=dict(
            spec_size=128, window_size=4, num_mel_bins=64, patch_size=4, patch_stride=[4, 4],
            depths=[1, 1], num_attention_heads=[1, 2], hidden_size=32, patch_embeds_hidden_size=16,
            intermediate_size=37, enable_fusion=False, projection_hidden_act="relu",
        ),
        clap_projection_dim=12,
        clap_logit_scale_init=1 / 0.07,
        t5=dict(
            d_model=t5_dim, d_kv=12, d_ff=48, num_layers=2, num_heads=2, feed_forward_proj="gated-gelu",
            layer_norm_epsilon=1e-6, relative_attention_num_buckets=32, relative_attention_max_distance=128,
            tie_word_embeddings=False,
        ),
        gpt2=dict(n_embd=gpt_dim, n_layer=2, n_head=2, n_positions=256, activation_function="gelu_new"),
        max_new_tokens=8,
        clap_max_length=77,
        t5_max_length=128,
        feature_extractor={**CVSSP_FEATURE_EXTRACTOR, "max_length_s": 2},
        bpe_vocab_size=1000,
        unigram_vocab_size=400,
    )
