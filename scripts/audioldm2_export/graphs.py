"""What the nine graphs of docs/BUNDLE.md are: PyTorch wrappers with fixed positional signatures, their input and
output names and dynamic axes, random example inputs for any shape, and the shapes to trace and validate at.
How they become ONNX files is onnx_files.py.

The tracing shapes are chosen so that no data-dependent branch is frozen the wrong way (see
shared/notes/unet-onnx-export-findings.md and gpt2-clap-onnx-findings.md):
- the UNet is traced with `num_upsamplers = 40`, so its up-samplers always interpolate to the skip tensor's size;
  that equals diffusers' answer at every latent height, multiples of 2**num_upsamplers or not;
- GPT-2 is traced with a non-empty past (P > 0) and explicit position ids.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Callable

import torch


# ---------------------------------------------------------------------------------------------------------------
# Wrappers: positional tensors in, tensors out.


class ClapTextGraph(torch.nn.Module):
    """CLAP text tower + projection; transformers already L2-normalises `get_text_features`."""

    def __init__(self, clap):
        super().__init__()
        self.clap = clap

    def forward(self, input_ids, attention_mask):
        return _pooled(self.clap.get_text_features(input_ids=input_ids, attention_mask=attention_mask))


class ClapAudioGraph(torch.nn.Module):
    """CLAP audio tower + projection, L2-normalised, as used by `score_waveforms`."""

    def __init__(self, clap):
        super().__init__()
        self.clap = clap

    def forward(self, input_features):
        return _pooled(self.clap.get_audio_features(input_features=input_features))


def _pooled(features):
    """transformers 5 returns an output object from get_*_features, 4.x a tensor."""
    return features if torch.is_tensor(features) else features.pooler_output


class T5EncoderGraph(torch.nn.Module):
    def __init__(self, t5):
        super().__init__()
        self.t5 = t5

    def forward(self, input_ids, attention_mask):
        return self.t5(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


class ProjectionGraph(torch.nn.Module):
    def __init__(self, projection):
        super().__init__()
        self.projection = projection

    def forward(self, clap_embeds, clap_mask, t5_embeds, t5_mask):
        out = self.projection(hidden_states=clap_embeds, hidden_states_1=t5_embeds,
                              attention_mask=clap_mask, attention_mask_1=t5_mask)
        return out.hidden_states, out.attention_mask


class GPT2Graph(torch.nn.Module):
    """GPT-2 body with inputs_embeds and a flat KV cache: past_key_i/past_value_i in, present_* out."""

    def __init__(self, gpt2_body):
        super().__init__()
        self.body = gpt2_body
        self.layers = gpt2_body.config.n_layer

    def forward(self, inputs_embeds, attention_mask, position_ids, *past):
        from transformers import DynamicCache

        cache = DynamicCache(ddp_cache_data=[(past[2 * i], past[2 * i + 1]) for i in range(self.layers)],
                             config=self.body.config)
        out = self.body(inputs_embeds=inputs_embeds, attention_mask=attention_mask, position_ids=position_ids,
                        past_key_values=cache, use_cache=True, return_dict=True)
        presents = [t for layer in out.past_key_values.layers for t in (layer.keys, layer.values)]
        return (out.last_hidden_state, *presents)


class UNetGraph(torch.nn.Module):
    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states, encoder_hidden_states_1, encoder_attention_mask_1):
        return self.unet(sample, timestep, encoder_hidden_states=encoder_hidden_states,
                         encoder_hidden_states_1=encoder_hidden_states_1,
                         encoder_attention_mask_1=encoder_attention_mask_1, return_dict=False)[0]


class VaeEncoderGraph(torch.nn.Module):
    """Encoder + quant_conv; mean and logvar of diffusers' DiagonalGaussianDistribution (logvar clamped)."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, mel):
        posterior = self.vae.encode(mel).latent_dist
        return posterior.mean, posterior.logvar


class VaeDecoderGraph(torch.nn.Module):
    """post_quant_conv + decoder; the latents are already divided by the scaling factor."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latents):
        return self.vae.decode(latents).sample


class VocoderGraph(torch.nn.Module):
    def __init__(self, vocoder):
        super().__init__()
        self.vocoder = vocoder

    def forward(self, mel):
        return self.vocoder(mel)


# ---------------------------------------------------------------------------------------------------------------
# Graph definitions.


@dataclass
class Dims:
    """Model sizes the example inputs need, read from the loaded pipeline."""

    clap_vocab: int
    clap_max_length: int
    clap_pad_id: int
    t5_vocab: int
    t5_max_length: int
    clap_dim: int
    t5_dim: int
    gpt2_dim: int
    gpt2_layers: int
    gpt2_heads: int
    max_new_tokens: int
    latent_channels: int
    latent_width: int
    mel_bins: int
    vae_scale_factor: int
    clap_audio_frames: int
    clap_audio_mel_bins: int

    @classmethod
    def of(cls, pipe) -> "Dims":
        import numpy as np

        fe = pipe.feature_extractor
        frames = fe(np.zeros(16000, dtype=np.float32), sampling_rate=fe.sampling_rate,
                    return_tensors="pt").input_features.shape[2]
        gpt2 = pipe.language_model.config
        vae_scale_factor = 2 ** (len(pipe.vae.config.block_out_channels) - 1)
        return cls(
            clap_vocab=pipe.text_encoder.config.text_config.vocab_size,
            clap_max_length=pipe.tokenizer.model_max_length, clap_pad_id=pipe.tokenizer.pad_token_id,
            t5_vocab=pipe.text_encoder_2.config.vocab_size, t5_max_length=pipe.tokenizer_2.model_max_length,
            clap_dim=pipe.text_encoder.config.projection_dim, t5_dim=pipe.text_encoder_2.config.d_model,
            gpt2_dim=gpt2.n_embd, gpt2_layers=gpt2.n_layer, gpt2_heads=gpt2.n_head,
            max_new_tokens=gpt2.max_new_tokens, latent_channels=pipe.unet.config.in_channels,
            latent_width=pipe.vocoder.config.model_in_dim // vae_scale_factor,
            mel_bins=pipe.vocoder.config.model_in_dim, vae_scale_factor=vae_scale_factor,
            clap_audio_frames=frames, clap_audio_mel_bins=fe.feature_size,
        )


@dataclass
class GraphDef:
    name: str
    module: torch.nn.Module
    input_names: list[str]
    output_names: list[str]
    dynamic_axes: dict[str, dict[int, str]]
    make_inputs: Callable[[dict, torch.Generator], tuple]  # shape parameters -> example inputs
    export_shape: dict
    validation_shapes: list[dict]
    # Context manager active while tracing (the UNet's size-based up-sampling switch).
    trace_context: Callable[[], contextlib.AbstractContextManager] = field(default=contextlib.nullcontext)
    # "torchscript" (the legacy tracer) or "dynamo" (torch.export, then the dynamo ONNX exporter): onnx_files.py
    exporter: str = "torchscript"

    @property
    def file(self) -> str:
        return f"{self.name}.onnx"


def _randn(gen, *shape):
    return torch.randn(*shape, generator=gen)


def _ids(gen, vocab, batch, length):
    return torch.randint(0, vocab, (batch, length), generator=gen, dtype=torch.int64)


def _padded_mask(batch, length, pads):
    """Row b has `pads[b]` trailing zeros: the layout padding="max_length"/"longest" produces."""
    mask = torch.ones(batch, length, dtype=torch.int64)
    for row, n in enumerate(pads[:batch]):
        if n:
            mask[row, length - n:] = 0
    return mask


def graph_defs(pipe, dims: Dims) -> list[GraphDef]:
    """The nine graphs of docs/BUNDLE.md, in export order."""
    return [_clap_text(pipe, dims), _t5_encoder(pipe, dims), _projection(pipe, dims), _gpt2(pipe, dims),
            _unet(pipe, dims), _vae_encoder(pipe, dims), _vae_decoder(pipe, dims), _vocoder(pipe, dims),
            _clap_audio(pipe, dims)]


def _clap_text(pipe, d: Dims) -> GraphDef:
    def inputs(s, g):
        return (_ids(g, d.clap_vocab, s["batch"], s["len"]), _padded_mask(s["batch"], s["len"], [0, s["len"] // 3]))

    return GraphDef("clap_text", ClapTextGraph(pipe.text_encoder), ["input_ids", "attention_mask"], ["text_embeds"],
                    {"input_ids": {0: "batch", 1: "clap_len"}, "attention_mask": {0: "batch", 1: "clap_len"},
                     "text_embeds": {0: "batch"}},
                    inputs, {"batch": 2, "len": 11},
                    [{"batch": 1, "len": d.clap_max_length}, {"batch": 2, "len": 11}, {"batch": 2, "len": 3}])


def _t5_encoder(pipe, d: Dims) -> GraphDef:
    def inputs(s, g):
        return (_ids(g, d.t5_vocab, s["batch"], s["len"]), _padded_mask(s["batch"], s["len"], [0, s["len"] // 2]))

    return GraphDef("t5_encoder", T5EncoderGraph(pipe.text_encoder_2), ["input_ids", "attention_mask"],
                    ["last_hidden_state"],
                    {"input_ids": {0: "batch", 1: "t5_len"}, "attention_mask": {0: "batch", 1: "t5_len"},
                     "last_hidden_state": {0: "batch", 1: "t5_len"}},
                    inputs, {"batch": 2, "len": 9},
                    [{"batch": 1, "len": 1}, {"batch": 2, "len": 17}, {"batch": 2, "len": d.t5_max_length}])


def _projection(pipe, d: Dims) -> GraphDef:
    def inputs(s, g):
        b, n = s["batch"], s["len"]
        return (_randn(g, b, 1, d.clap_dim), torch.ones(b, 1, dtype=torch.int64), _randn(g, b, n, d.t5_dim),
                _padded_mask(b, n, [0, n // 2]))

    return GraphDef("projection", ProjectionGraph(pipe.projection_model),
                    ["clap_embeds", "clap_mask", "t5_embeds", "t5_mask"], ["hidden_states", "attention_mask"],
                    {"clap_embeds": {0: "batch"}, "clap_mask": {0: "batch"}, "t5_embeds": {0: "batch", 1: "t5_len"},
                     "t5_mask": {0: "batch", 1: "t5_len"}, "hidden_states": {0: "batch", 1: "gpt2_len"},
                     "attention_mask": {0: "batch", 1: "gpt2_len"}},
                    inputs, {"batch": 2, "len": 9},
                    [{"batch": 1, "len": 1}, {"batch": 2, "len": 13}])


def _gpt2(pipe, d: Dims) -> GraphDef:
    kv_names = [f"{kind}_{i}" for i in range(d.gpt2_layers) for kind in ("key", "value")]
    past_names = [f"past_{n}" for n in kv_names]
    present_names = [f"present_{n}" for n in kv_names]
    head_dim = d.gpt2_dim // d.gpt2_heads

    def inputs(s, g):
        b, seq, past = s["batch"], s["seq"], s["past"]
        mask = torch.ones(b, past + seq, dtype=torch.int64)
        if past + seq > 3:  # a zero inside the sequence, as the projection's padded T5 part produces
            mask[-1, (past + seq) // 2] = 0
        positions = (past + torch.arange(seq, dtype=torch.int64)).expand(b, seq).contiguous()
        kv = [_randn(g, b, d.gpt2_heads, past, head_dim) for _ in range(2 * d.gpt2_layers)]
        return (_randn(g, b, seq, d.gpt2_dim), mask, positions, *kv)

    lm = pipe.language_model
    gpt2_body = lm.transformer if hasattr(lm, "transformer") else lm
    return GraphDef("gpt2", GPT2Graph(gpt2_body), ["inputs_embeds", "attention_mask", "position_ids", *past_names],
                    ["last_hidden_state", *present_names],
                    {"inputs_embeds": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "total"},
                     "position_ids": {0: "batch", 1: "seq"}, "last_hidden_state": {0: "batch", 1: "seq"},
                     **{n: {0: "batch", 2: "past"} for n in past_names},
                     **{n: {0: "batch", 2: "total"} for n in present_names}},
                    inputs, {"batch": 2, "seq": 3, "past": 4},  # P > 0: tracing with an empty past freezes a branch
                    [{"batch": 1, "seq": 12, "past": 0}, {"batch": 2, "seq": 1, "past": 12},
                     {"batch": 2, "seq": 3, "past": 4}])


def _unet(pipe, d: Dims) -> GraphDef:
    unet = pipe.unet

    def inputs(s, g):
        b, h, n = s["batch"], s["height"], s["t5_len"]
        return (_randn(g, b, d.latent_channels, h, d.latent_width), torch.tensor(s["timestep"], dtype=torch.int64),
                _randn(g, b, d.max_new_tokens, d.gpt2_dim), _randn(g, b, n, d.t5_dim), _padded_mask(b, n, [0, 2]))

    @contextlib.contextmanager
    def size_based_upsampling():
        saved = unet.num_upsamplers
        unet.num_upsamplers = 40  # 2**40 divides no real height: forward_upsample_size is always taken
        try:
            yield
        finally:
            unet.num_upsamplers = saved

    up = 2 ** unet.num_upsamplers  # heights that are not multiples of this need the size-based path
    return GraphDef("unet", UNetGraph(unet),
                    ["sample", "timestep", "encoder_hidden_states", "encoder_hidden_states_1",
                     "encoder_attention_mask_1"], ["noise_pred"],
                    {"sample": {0: "batch", 2: "height"}, "encoder_hidden_states": {0: "batch", 1: "gpt2_tokens"},
                     "encoder_hidden_states_1": {0: "batch", 1: "t5_len"},
                     "encoder_attention_mask_1": {0: "batch", 1: "t5_len"}, "noise_pred": {0: "batch", 2: "height"}},
                    inputs, {"batch": 2, "height": 4 * up, "t5_len": 7, "timestep": 500},
                    [{"batch": 2, "height": 25, "t5_len": 9, "timestep": 951},  # 1.0 s: 25 is not a multiple of 8
                     {"batch": 1, "height": 13, "t5_len": 5, "timestep": 1},
                     {"batch": 2, "height": 4 * up, "t5_len": 3, "timestep": 500},
                     {"batch": 1, "height": 2 * up - 1, "t5_len": 12, "timestep": 250},
                     {"batch": 2, "height": 1, "t5_len": 4, "timestep": 999},
                     {"batch": 1, "height": 750, "t5_len": 20, "timestep": 41}],  # 30 s, the longest supported
                    trace_context=size_based_upsampling, exporter="dynamo")


def _vae_encoder(pipe, d: Dims) -> GraphDef:
    def inputs(s, g):
        return (_randn(g, s["batch"], 1, s["frames"], d.mel_bins),)

    return GraphDef("vae_encoder", VaeEncoderGraph(pipe.vae), ["mel"], ["mean", "logvar"],
                    {"mel": {0: "batch", 2: "frames"}, "mean": {0: "batch", 2: "height"},
                     "logvar": {0: "batch", 2: "height"}},
                    inputs, {"batch": 1, "frames": 64},
                    [{"batch": 1, "frames": 100}, {"batch": 2, "frames": 52}, {"batch": 1, "frames": 128}])


def _vae_decoder(pipe, d: Dims) -> GraphDef:
    def inputs(s, g):
        return (_randn(g, s["batch"], d.latent_channels, s["height"], d.latent_width),)

    return GraphDef("vae_decoder", VaeDecoderGraph(pipe.vae), ["latents"], ["mel"],
                    {"latents": {0: "batch", 2: "height"}, "mel": {0: "batch", 2: "frames"}},
                    inputs, {"batch": 1, "height": 16},
                    [{"batch": 1, "height": 25}, {"batch": 2, "height": 13}, {"batch": 1, "height": 32}])


def _vocoder(pipe, d: Dims) -> GraphDef:
    def inputs(s, g):
        return (_randn(g, s["batch"], s["frames"], d.mel_bins) * 2 - 4,)  # log-mel-like values

    return GraphDef("vocoder", VocoderGraph(pipe.vocoder), ["mel"], ["waveform"],
                    {"mel": {0: "batch", 1: "frames"}, "waveform": {0: "batch", 1: "samples"}},
                    inputs, {"batch": 1, "frames": 64},
                    [{"batch": 1, "frames": 100}, {"batch": 2, "frames": 52}])


def _clap_audio(pipe, d: Dims) -> GraphDef:
    def inputs(s, g):
        return (_randn(g, s["batch"], 1, d.clap_audio_frames, d.clap_audio_mel_bins),)

    return GraphDef("clap_audio", ClapAudioGraph(pipe.text_encoder), ["input_features"], ["audio_embeds"],
                    {"input_features": {0: "batch"}, "audio_embeds": {0: "batch"}},
                    inputs, {"batch": 2}, [{"batch": 1}, {"batch": 2}])
