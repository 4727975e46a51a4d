"""The committed fixture is self-consistent: running its ONNX graphs and tokenizer.json files the way the Java
pipeline will (tokenize, encode, GPT-2 KV loop, CFG denoising, VAE decode, vocoder) reproduces the diffusers
reference outputs stored next to them. Only the initial latents are taken from the reference (the RNG is not
part of the bundle)."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

FIXTURE = Path(__file__).resolve().parents[2] / "models-onnx" / "tiny-random"
CASES = {c["id"]: c for c in json.loads((FIXTURE / "reference" / "cases.json").read_text())}


@pytest.fixture(scope="module")
def bundle():
    from tokenizers import Tokenizer

    from audioldm2_export.validation import ort_session

    manifest = json.loads((FIXTURE / "manifest.json").read_text())
    sessions = {name: ort_session(FIXTURE / g["file"]) for name, g in manifest["graphs"].items()}
    clap = Tokenizer.from_file(str(FIXTURE / "tokenizer" / "tokenizer.json"))
    t5 = Tokenizer.from_file(str(FIXTURE / "tokenizer_2" / "tokenizer.json"))
    return manifest["config"], sessions, clap, t5


def encode(tokenizer, texts, length=None, max_length=None):
    """length: pad and truncate to exactly this many tokens; otherwise truncate at max_length, pad to longest."""
    tokenizer.enable_truncation(length or max_length)
    tokenizer.enable_padding(length=length, pad_id=tokenizer.padding["pad_id"], pad_token=tokenizer.padding["pad_token"])
    encodings = tokenizer.encode_batch(texts)
    return (np.array([e.ids for e in encodings], np.int64), np.array([e.attention_mask for e in encodings], np.int64))


def condition(config, sessions, clap, t5, texts, t5_length=None):
    """CLAP + T5 + projection + GPT-2: returns the UNet's (t5 states, t5 mask, gpt2 states) and the token ids."""
    clap_ids, clap_mask = encode(clap, texts, length=config["clap_max_length"])
    t5_ids, t5_mask = encode(t5, texts, length=t5_length, max_length=config["t5_max_length"])
    clap_embeds = sessions["clap_text"].run(None, {"input_ids": clap_ids, "attention_mask": clap_mask})[0]
    t5_embeds = sessions["t5_encoder"].run(None, {"input_ids": t5_ids, "attention_mask": t5_mask})[0]
    hidden, mask = sessions["projection"].run(None, {
        "clap_embeds": clap_embeds[:, None, :], "clap_mask": np.ones((len(texts), 1), np.int64),
        "t5_embeds": t5_embeds, "t5_mask": t5_mask})
    gpt2 = config["gpt2"]
    past = {f"past_{k}_{i}": np.zeros((len(texts), gpt2["heads"], 0, gpt2["head_dim"]), np.float32)
            for i in range(gpt2["layers"]) for k in ("key", "value")}
    generated = []
    for _ in range(config["max_new_tokens"]):
        past_len = next(iter(past.values())).shape[2]
        positions = np.broadcast_to(past_len + np.arange(hidden.shape[1]), hidden.shape[:2]).astype(np.int64)
        outputs = sessions["gpt2"].run(None, {"inputs_embeds": hidden, "attention_mask": mask,
                                              "position_ids": positions, **past})
        hidden = outputs[0][:, -1:, :]
        generated.append(hidden)
        past = {name: outputs[1 + j] for j, name in enumerate(past)}
        mask = np.concatenate([mask, np.ones((len(texts), 1), np.int64)], axis=1)
    return t5_embeds, t5_mask, np.concatenate(generated, axis=1), clap_ids, t5_ids


def relative_error(got, expected):
    return float(np.abs(got - expected).max() / np.abs(expected).max())


# Tolerance: the graphs match PyTorch to about 1e-6 of the output scale (manifest validation); through 10 denoising
# steps with guidance and the decoder they stay below 6e-6 relative (measured on these five cases).
# 1e-4 leaves margin; a wrong input order, mask or timestep gives errors of order 1.
TOLERANCE = 1e-4


@pytest.mark.parametrize("case_id", ["ddim_cfg", "odd_height", "long_negative", "two_prompts", "ddim_no_cfg"])
def test_onnx_pipeline_reproduces_the_diffusers_reference(bundle, case_id):
    from diffusers import DDIMScheduler

    config, sessions, clap, t5 = bundle
    case = CASES[case_id]
    ref = {name: np.load(FIXTURE / "reference" / case_id / f"{name}.npy") for name in case["files"]}
    prompts = case["prompt"] if isinstance(case["prompt"], list) else [case["prompt"]]
    t5_states, t5_mask, gpt2_states, clap_ids, t5_ids = condition(config, sessions, clap, t5, prompts)
    if case["do_classifier_free_guidance"]:
        negative = case["negative_prompt"] or ""
        negatives = negative if isinstance(negative, list) else [negative] * len(prompts)
        # the negative T5 tokens are padded and truncated to the prompt's T5 length
        n_t5, n_mask, n_gpt2, n_clap_ids, n_t5_ids = condition(config, sessions, clap, t5, negatives,
                                                               t5_length=t5_ids.shape[1])
        t5_states, t5_mask = np.concatenate([n_t5, t5_states]), np.concatenate([n_mask, t5_mask])
        gpt2_states = np.concatenate([n_gpt2, gpt2_states])
        clap_ids, t5_ids = np.concatenate([n_clap_ids, clap_ids]), np.concatenate([n_t5_ids, t5_ids])
    assert np.array_equal(clap_ids, ref["clap_input_ids"]) and np.array_equal(t5_ids, ref["t5_input_ids"])
    assert np.array_equal(t5_mask, ref["t5_mask"])
    assert relative_error(t5_states, ref["t5_embeds"]) < TOLERANCE
    assert relative_error(gpt2_states, ref["gpt2_embeds"]) < TOLERANCE

    scheduler = DDIMScheduler.from_config(json.loads((FIXTURE / "scheduler_config.json").read_text()))
    scheduler.set_timesteps(case["steps"])
    assert [int(t) for t in scheduler.timesteps] == case["timesteps"]
    latents = torch.from_numpy(ref["initial_latents"])
    cfg = case["do_classifier_free_guidance"]
    for t in scheduler.timesteps:
        model_input = torch.cat([latents] * 2) if cfg else latents
        noise = torch.from_numpy(sessions["unet"].run(None, {
            "sample": model_input.numpy(), "timestep": np.array(int(t), np.int64),
            "encoder_hidden_states": gpt2_states, "encoder_hidden_states_1": t5_states,
            "encoder_attention_mask_1": t5_mask})[0])
        if cfg:
            uncond, text = noise.chunk(2)
            noise = uncond + case["guidance_scale"] * (text - uncond)
        latents = scheduler.step(noise, t, latents, eta=case["eta"]).prev_sample
    assert relative_error(latents.numpy(), ref["final_latents"]) < TOLERANCE

    scaled = (1 / config["vae_scaling_factor"] * latents).numpy()
    mel = sessions["vae_decoder"].run(None, {"latents": scaled})[0]
    assert relative_error(mel, ref["mel"]) < TOLERANCE
    waveform = sessions["vocoder"].run(None, {"mel": mel[:, 0]})[0][:, :case["waveform_samples"]]
    assert relative_error(waveform, ref["waveform"]) < TOLERANCE
