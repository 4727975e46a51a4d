"""manifest.json (docs/BUNDLE.md): the config block Java needs, graph I/O, file hashes."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


def model_config(pipe, dims) -> dict:
    """Every number the Java pipeline needs, read from the loaded components."""
    vocoder = pipe.vocoder.config
    hop = int(np.prod(vocoder.upsample_rates))
    fe = pipe.feature_extractor
    gpt2 = pipe.language_model.config
    return {
        "sampling_rate": int(vocoder.sampling_rate),
        "vocoder_hop": hop,
        "mel_bins": int(vocoder.model_in_dim),
        "vae_scale_factor": dims.vae_scale_factor,
        "vae_scaling_factor": float(pipe.vae.config.scaling_factor),
        "latent_channels": int(pipe.unet.config.in_channels),
        "latent_width": dims.latent_width,
        # Heights that are not multiples of this take diffusers' size-based up-sampling (handled by the graph).
        "unet_upsample_factor": 2 ** int(pipe.unet.num_upsamplers),
        # Pipeline default when audio_length_in_s is None: unet.sample_size * vae_scale_factor * hop / sr.
        "default_audio_length_s": float(pipe.unet.config.sample_size * dims.vae_scale_factor * hop
                                        / vocoder.sampling_rate),
        "max_new_tokens": int(gpt2.max_new_tokens),
        "gpt2": {"layers": gpt2.n_layer, "heads": gpt2.n_head, "head_dim": gpt2.n_embd // gpt2.n_head,
                 "hidden": gpt2.n_embd},
        "clap_max_length": int(pipe.tokenizer.model_max_length),
        "t5_max_length": int(pipe.tokenizer_2.model_max_length),
        "clap_pad_id": int(pipe.tokenizer.pad_token_id),
        "t5_pad_id": int(pipe.tokenizer_2.pad_token_id),
        "t5_eos_id": int(pipe.tokenizer_2.eos_token_id),
        "clap_embed_dim": dims.clap_dim,
        "t5_hidden": dims.t5_dim,
        # logits_per_text = text_embeds @ audio_embeds.T * exp(logit_scale_t)
        "clap_logit_scale": float(math.exp(float(pipe.text_encoder.logit_scale_t))),
        "clap_feature_extractor": {
            "sampling_rate": int(fe.sampling_rate), "feature_size": int(fe.feature_size),
            "fft_window_size": int(fe.fft_window_size), "hop_length": int(fe.hop_length),
            "max_length_s": fe.max_length_s if hasattr(fe, "max_length_s") else fe.nb_max_samples / fe.sampling_rate,
            "nb_max_samples": int(fe.nb_max_samples), "input_frames": dims.clap_audio_frames,
            "frequency_min": float(fe.frequency_min), "frequency_max": float(fe.frequency_max),
            "top_db": fe.top_db, "truncation": fe.truncation, "padding": fe.padding,
            "padding_value": float(fe.padding_value),
            # rand_trunc uses the slaney-scale, slaney-normalised filter bank; fusion the HTK one.
            "mel_scale": "slaney" if fe.truncation != "fusion" else "htk",
        },
        # The AudioLDM (v1) mel front end for audio-to-audio; matches the vocoder's mel layout.
        "stft": {"n_fft": 1024, "win_length": 1024, "hop_length": hop, "fmin": 0,
                 "fmax": int(vocoder.sampling_rate) // 2, "mel_bins": int(vocoder.model_in_dim)},
        "geometry": geometry(pipe),
    }


def _self_attention_heads(block) -> int:
    """Heads of the block's self-attention (attn1 of its first transformer), 0 when it has none."""
    attentions = [a for a in getattr(block, "attentions", None) or [] if a is not None]
    if not attentions:
        return 0
    first = attentions[0]
    return int(first.transformer_blocks[0].attn1.heads if hasattr(first, "transformer_blocks") else first.heads)


def geometry(pipe) -> dict:
    """The activation sizes Java's per-request memory estimate needs (docs/BUNDLE.md "geometry"), read from the
    modules rather than the configs, whose head counts diffusers names inconsistently (diffusers #2011)."""
    unet = pipe.unet
    levels = len(unet.config.block_out_channels)
    decoder = pipe.vae.decoder
    vocoder = pipe.vocoder.config
    return {
        "unet": {
            "block_out_channels": [int(c) for c in unet.config.block_out_channels],
            # level i: the down block i and the up block that runs at its resolution
            "self_attention_heads": [max(_self_attention_heads(unet.down_blocks[i]),
                                         _self_attention_heads(unet.up_blocks[levels - 1 - i]))
                                     for i in range(levels)],
            "mid_self_attention_heads": _self_attention_heads(unet.mid_block),
        },
        "vae_decoder": {
            "block_out_channels": [int(c) for c in pipe.vae.config.block_out_channels],
            "mid_self_attention_heads": _self_attention_heads(decoder.mid_block),
        },
        "vocoder": {
            "upsample_initial_channel": int(vocoder.upsample_initial_channel),
            "upsample_rates": [int(r) for r in vocoder.upsample_rates],
        },
    }


def _dtype_name(elem_type: int) -> str:
    import onnx

    return np.dtype(onnx.helper.tensor_dtype_to_np_dtype(elem_type)).name


def graph_io(onnx_path: Path) -> dict:
    """Names, dtypes and shapes (symbolic names for dynamic axes) read back from the written graph."""
    import onnx

    model = onnx.load(str(onnx_path), load_external_data=False)

    def describe(values):
        out = []
        for v in values:
            t = v.type.tensor_type
            shape = [d.dim_param if d.dim_param else int(d.dim_value) for d in t.shape.dim]
            out.append({"name": v.name, "dtype": _dtype_name(t.elem_type), "shape": shape})
        return out

    return {"inputs": describe(model.graph.input), "outputs": describe(model.graph.output)}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_table(bundle: Path) -> dict:
    """sha256 and size of every file in the bundle except the manifest itself."""
    table = {}
    for path in sorted(p for p in bundle.rglob("*") if p.is_file() and p.name != MANIFEST):
        table[path.relative_to(bundle).as_posix()] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    return table


def read_manifest(bundle: Path) -> dict | None:
    path = bundle / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def write_manifest(bundle: Path, manifest: dict) -> None:
    manifest["files"] = file_table(bundle)
    (bundle / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
