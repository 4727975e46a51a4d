"""Full-size configs: checked against the documented parameter counts without allocating weights."""

import numpy as np
import pytest
import torch

from audioldm2_export.configs import full_size_spec, tiny_spec


def unet_parameters(config):
    from diffusers import AudioLDM2UNet2DConditionModel

    with torch.device("meta"):
        return sum(p.numel() for p in AudioLDM2UNet2DConditionModel(**config).parameters())


@pytest.mark.parametrize("model_id, millions", [
    ("cvssp/audioldm2", 350),        # "350M" UNet in the diffusers docs
    ("cvssp/audioldm2-music", 350),
    ("cvssp/audioldm2-large", 750),  # "750M" UNet in the diffusers docs
])
def test_unet_size_matches_the_documented_parameter_count(model_id, millions):
    # The docs round to two significant figures; 5 % covers that rounding.
    assert unet_parameters(full_size_spec(model_id).unet) == pytest.approx(millions * 1e6, rel=0.05)


@pytest.mark.parametrize("spec", [full_size_spec("cvssp/audioldm2"), tiny_spec()], ids=["full", "tiny"])
def test_real_and_tiny_share_the_time_and_frequency_layout(spec):
    # Durations, mel heights and waveform lengths of the tiny fixture are those of the real checkpoints.
    assert np.prod(spec.vocoder["upsample_rates"]) == 160 and spec.vocoder["sampling_rate"] == 16000
    assert spec.vocoder["model_in_dim"] == 64 and len(spec.vae["block_out_channels"]) == 3
    assert spec.unet["cross_attention_dim"][0][1:] == [spec.gpt2["n_embd"], spec.t5["d_model"]]
    assert spec.t5_max_length == 128 and spec.max_new_tokens == 8


# The original authors' package audioldm2==0.1.0 (PyPI), audioldm2/utils.py, default_audioldm_config: a model name
# containing "-large-" gets the UNet context_dim [768, 1024, None] and transformer_depth 2 (num_res_blocks stays 2).
# Its UNetModel (audioldm2/latent_diffusion/modules/diffusionmodules/openaimodel.py, extra_sa_layer=True) puts one
# self-attention SpatialTransformer before the context_dim ones; every one has `transformer_depth` blocks, and one
# with context_dim None attends to itself twice.
ORIGINAL_LARGE_CONTEXT_DIM = [768, 1024, None]
ORIGINAL_LARGE_TRANSFORMER_DEPTH = 2
ORIGINAL_NUM_RES_BLOCKS = 2


def test_large_unet_is_the_original_default_audioldm_config():
    from diffusers import AudioLDM2UNet2DConditionModel

    with torch.device("meta"):
        unet = AudioLDM2UNet2DConditionModel(**full_size_spec("cvssp/audioldm2-large").unet)
    per_layer = [None] + ORIGINAL_LARGE_CONTEXT_DIM  # the extra self-attention layer first
    layers = {"down": ORIGINAL_NUM_RES_BLOCKS, "mid": 1, "up": ORIGINAL_NUM_RES_BLOCKS + 1}
    blocks = [("down", b) for b in unet.down_blocks] + [("mid", unet.mid_block)] + [("up", b) for b in unet.up_blocks]
    checked = 0
    for kind, block in blocks:
        if not hasattr(block, "attentions"):
            continue
        assert [t.config.cross_attention_dim for t in block.attentions] == per_layer * layers[kind]
        for transformer in block.attentions:
            assert len(transformer.transformer_blocks) == ORIGINAL_LARGE_TRANSFORMER_DEPTH
            for layer in transformer.transformer_blocks:
                context = transformer.config.cross_attention_dim
                assert layer.attn2 is not None and layer.attn2.is_cross_attention == (context is not None)
                if context is not None:
                    assert layer.attn2.to_k.in_features == context
        checked += 1
    assert checked == 7  # 3 down, the mid block, 3 up
