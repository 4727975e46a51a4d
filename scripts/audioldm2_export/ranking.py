"""CLAP ranking reference (issue 6): the scores diffusers' AudioLDM2Pipeline.score_waveforms computes, with three
deliberate differences that the Java pipeline (ClapRanker) shares:

- candidates are ranked per prompt (score_waveforms mixes prompts, diffusers #13602);
- 16 -> 48 kHz uses torchaudio's resample (the port in dsp.py, evaluated in float64 and
  rounded to float32) instead of librosa.resample (soxr_hq, which Java cannot reproduce bit-exactly); the effect of
  the swap on the scores is measured here and recorded in fixtures.json (`librosa_vs_sinc`);
- clips longer than the extractor's max length are cropped at the centred offset (len - max) // 2 instead of
  rand_trunc's random one.

Scores are logits_per_text of the pipeline's ClapModel (text_encoder) with the tokenizer at padding=True and the
pipeline's ClapFeatureExtractor. write_fixtures writes reference/clap_ranking/: a synthetic set (sine, noise, chirp,
silence, longer than the extractor's max length so the crop is exercised, two prompts) and the candidates of each
reference case with several waveforms per prompt (two_waveforms in the tiny bundle: shorter than the max length,
so repeat-padded).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from . import dsp
from .bundle import log

FOLDER = "clap_ranking"
SYNTHETIC_PROMPTS = ["A pure sine tone", "Loud white noise hissing"]


def _resample(waveform: np.ndarray, orig: int, new: int) -> np.ndarray:
    return dsp.torchaudio_resample(torch.from_numpy(waveform).double(), orig, new).numpy().astype(np.float32)


def centred_crop(clip: np.ndarray, max_samples: int) -> np.ndarray:
    if clip.size <= max_samples:
        return clip
    offset = (clip.size - max_samples) // 2
    return clip[offset:offset + max_samples]


def clap_scores(pipe, prompts: list[str], waveforms: np.ndarray, per_prompt: int, resample=None) -> dict:
    """Per-prompt CLAP logits of 16 kHz candidates (prompt p owns rows p*n .. p*n+n-1), and the order best first."""
    extractor = pipe.feature_extractor
    sr_in, sr_clap = pipe.vocoder.config.sampling_rate, extractor.sampling_rate
    resample = resample or (lambda w: _resample(w, sr_in, sr_clap))
    clips = [centred_crop(resample(w), extractor.nb_max_samples) for w in waveforms]
    features = extractor(clips, return_tensors="pt", sampling_rate=sr_clap).input_features
    inputs = pipe.tokenizer(prompts, return_tensors="pt", padding=True)
    with torch.no_grad():
        out = pipe.text_encoder(input_ids=inputs.input_ids, attention_mask=inputs.attention_mask,
                                input_features=features)
    logits = out.logits_per_text.numpy()
    scores = np.array([logits[i // per_prompt, i] for i in range(len(waveforms))], dtype=np.float32)
    order = np.concatenate([p * per_prompt + np.argsort(-scores[p * per_prompt:(p + 1) * per_prompt], kind="stable")
                            for p in range(len(prompts))]).astype(np.int64)
    return {"features": features.numpy(), "scores": scores, "order": order,
            "text_embeds": out.text_embeds.numpy(), "audio_embeds": out.audio_embeds.numpy()}


def synthetic_waveforms(sr: int, seconds: float) -> np.ndarray:
    import scipy.signal

    t = np.arange(int(sr * seconds)) / sr
    rng = np.random.RandomState(11)
    sine = 0.5 * np.sin(2 * np.pi * 440 * t)
    noise = 0.3 * rng.standard_normal(t.size)
    chirp = 0.4 * scipy.signal.chirp(t, f0=100, f1=7000, t1=t[-1], method="logarithmic")
    silence = np.zeros_like(t)
    return np.stack([sine, noise, chirp, silence]).astype(np.float32)


def _librosa_effect(pipe, prompts, waveforms, per_prompt, ours: dict) -> dict:
    """Scores with diffusers' resampler (librosa.resample, soxr_hq) against ours, same crop and extractor."""
    import librosa

    sr_in, sr_clap = pipe.vocoder.config.sampling_rate, pipe.feature_extractor.sampling_rate
    theirs = clap_scores(pipe, prompts, waveforms, per_prompt,
                         lambda w: librosa.resample(w, orig_sr=sr_in, target_sr=sr_clap).astype(np.float32))
    return {"max_abs_score_diff": float(np.max(np.abs(theirs["scores"] - ours["scores"]))),
            "max_abs_feature_diff_db": float(np.max(np.abs(theirs["features"] - ours["features"]))),
            "same_order": bool(np.array_equal(theirs["order"], ours["order"])),
            "librosa": librosa.__version__}


def write_fixtures(pipe, ref_dir: Path) -> None:
    out = ref_dir / FOLDER
    out.mkdir(exist_ok=True)
    sr = pipe.vocoder.config.sampling_rate
    # longer than the extractor's max length (2 s in the tiny bundle, 10 s in the real ones): the crop applies
    seconds = pipe.feature_extractor.nb_max_samples / pipe.feature_extractor.sampling_rate + 0.5
    synthetic = synthetic_waveforms(sr, seconds)
    sets = [("synthetic", SYNTHETIC_PROMPTS, np.concatenate([synthetic, synthetic[[1, 0, 2, 3]]]), 4)]
    # and the candidates of every text-to-audio reference case with several waveforms per prompt
    for case in json.loads((ref_dir / "cases.json").read_text(encoding="utf-8")):
        generated = ref_dir / case["id"] / "waveform_generated.npy"
        if generated.exists():
            prompts = case["prompt"] if isinstance(case["prompt"], list) else [case["prompt"]]
            sets.append((case["id"], prompts, np.load(generated), case["num_waveforms_per_prompt"]))
    index = []
    for name, prompts, waveforms, per_prompt in sets:
        result = clap_scores(pipe, prompts, waveforms, per_prompt)
        files = {"waveforms": waveforms, **result}
        for key, array in files.items():
            np.save(out / f"{name}_{key}.npy", array)
        gaps = [float(np.min(np.abs(np.diff(np.sort(result["scores"][p * per_prompt:(p + 1) * per_prompt])))))
                for p in range(len(prompts))]
        index.append({"name": name, "prompts": prompts, "waveforms_per_prompt": per_prompt,
                      "sample_rate": sr, "crop": "centred, offset (len - max) // 2, after resampling",
                      "min_score_gap_per_prompt": gaps,
                      "librosa_vs_sinc": _librosa_effect(pipe, prompts, waveforms, per_prompt, result),
                      "files": {key: f"{name}_{key}.npy" for key in files}})
        log(f"clap ranking {name}: scores {np.round(result['scores'], 4).tolist()}, order {result['order'].tolist()}, "
            f"librosa effect {index[-1]['librosa_vs_sinc']}")
    (out / "fixtures.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
