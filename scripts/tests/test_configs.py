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
