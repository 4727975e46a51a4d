"""Reference outputs from diffusers' own AudioLDM2Pipeline, which the Java pipeline must reproduce.

Each case runs `pipe(...)` on CPU in float32 with torch.Generator('cpu').manual_seed(seed). Intermediates are
captured by wrapping pipeline methods and module calls; every wrapper returns exactly what it received, so the
results are those of an unwrapped call. Wrapped methods keep their signatures (functools.wraps): the pipeline
inspects `scheduler.step`'s parameters to decide whether to pass eta and the generator.
"""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import numpy as np
import torch

from . import audio_to_audio, ranking
from . import manifest as mf
from .bundle import REFERENCE_DIR, log, same_source
from .errors import ExportError
from .schedulers import SCHEDULERS, scheduler
CASE_FIELDS = {"id", "prompt", "negative_prompt", "steps", "guidance_scale", "duration", "seed", "scheduler",
               "num_waveforms_per_prompt", "eta"} | audio_to_audio.CASE_FIELDS


def read_cases(path: Path) -> list[dict]:
    """Reads and checks the case list; fills the optional fields with the pipeline's defaults."""
    try:
        cases = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExportError(f"--reference {path}: cannot read ({exc.strerror})") from exc
    except ValueError as exc:
        raise ExportError(f"--reference {path}: not valid JSON ({exc})") from exc
    if not isinstance(cases, list) or not cases:
        raise ExportError(f"--reference {path}: expected a non-empty JSON list of cases")
    seen = set()
    checked = []
    for i, case in enumerate(cases):
        where = f"--reference {path}: case {i}"
        if not isinstance(case, dict):
            raise ExportError(f"{where}: expected an object")
        unknown = set(case) - CASE_FIELDS
        if unknown:
            raise ExportError(f"{where}: unknown fields {sorted(unknown)}")
        for required in ("id", "prompt", "steps", "guidance_scale", "duration", "seed"):
            if required not in case:
                raise ExportError(f"{where}: missing field {required!r}")
        case = {"negative_prompt": None, "scheduler": "ddim", "num_waveforms_per_prompt": 1, "eta": 0.0, **case}
        if not isinstance(case["id"], str) or not case["id"] or not case["id"].replace("-", "").replace("_", "").isalnum():
            raise ExportError(f"{where}: id must be letters, digits, '-' or '_'")
        if case["id"] in seen:
            raise ExportError(f"{where}: duplicate id {case['id']!r}")
        seen.add(case["id"])
        if case["scheduler"] not in SCHEDULERS:
            raise ExportError(f"{where}: scheduler {case['scheduler']!r} is not one of {', '.join(SCHEDULERS)}")
        checked.append(case)
    return checked


class _Capture:
    """Wraps the pipeline for one call and records what flows between its stages."""

    def __init__(self, pipe):
        self.pipe = pipe
        self.saved = {}
        self.calls = {"clap": [], "t5": []}
        self.pre_ranking = None
        self._restore = []

    def _wrap(self, owner, name, after):
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            result = original(*args, **kwargs)
            after(args, kwargs, result)
            return result

        setattr(owner, name, wrapper)
        self._restore.append((owner, name))

    def __enter__(self):
        pipe = self.pipe

        def on_encode(args, kwargs, result):
            t5_embeds, t5_mask, gpt2_embeds = result
            self.saved.update(t5_embeds=t5_embeds, t5_mask=t5_mask, gpt2_embeds=gpt2_embeds)

        def on_latents(args, kwargs, result):
            self.saved["initial_latents"] = result.clone()

        def on_step(args, kwargs, result):
            self.saved["final_latents"] = result.prev_sample.clone()  # the last step's output survives

        def on_vocoder(args, kwargs, result):
            self.saved["mel"] = args[0].clone()

        def on_score(args, kwargs, result):
            self.pre_ranking = kwargs["audio"].clone()

        def on_clap_text(args, kwargs, result):
            ids = kwargs.get("input_ids", args[0] if args else None)
            self.calls["clap"].append((ids.clone(), kwargs["attention_mask"].clone()))

        self._wrap(pipe, "encode_prompt", on_encode)
        self._wrap(pipe, "prepare_latents", on_latents)
        self._wrap(pipe.scheduler, "step", on_step)
        self._wrap(pipe, "mel_spectrogram_to_waveform", on_vocoder)
        self._wrap(pipe, "score_waveforms", on_score)
        self._wrap(pipe.text_encoder, "get_text_features", on_clap_text)
        self._t5_hook = pipe.text_encoder_2.register_forward_pre_hook(self._on_t5, with_kwargs=True)
        return self

    def _on_t5(self, module, args, kwargs):
        ids = kwargs.get("input_ids", args[0] if args else None)
        self.calls["t5"].append((ids.clone(), kwargs["attention_mask"].clone()))

    def __exit__(self, *exc):
        for owner, name in reversed(self._restore):
            delattr(owner, name)  # drops the instance attribute; the class method shows through again
        self._t5_hook.remove()
        return False


def _cfg_order(calls: list, cfg: bool) -> tuple[np.ndarray, np.ndarray]:
    """encode_prompt tokenizes the prompt first, then the negative prompt; the UNet batch is [negative, positive]."""
    if cfg:
        (pos_ids, pos_mask), (neg_ids, neg_mask) = calls
        return torch.cat([neg_ids, pos_ids]).numpy(), torch.cat([neg_mask, pos_mask]).numpy()
    (ids, mask), = calls
    return ids.numpy(), mask.numpy()


def run_case(pipe, case: dict, base_scheduler_config) -> tuple[dict, dict]:
    """Runs one case; returns the arrays to save and the facts to record in cases.json."""
    from diffusers.utils import is_librosa_available

    pipe.scheduler = scheduler(case["scheduler"], base_scheduler_config)
    n = case["num_waveforms_per_prompt"]
    with _Capture(pipe) as capture:
        audios = pipe(prompt=case["prompt"], negative_prompt=case["negative_prompt"],
                      num_inference_steps=case["steps"], guidance_scale=case["guidance_scale"],
                      audio_length_in_s=case["duration"], num_waveforms_per_prompt=n, eta=case["eta"],
                      generator=torch.Generator("cpu").manual_seed(case["seed"]), output_type="np").audios
    cfg = case["guidance_scale"] > 1.0
    arrays = {name: t.detach().numpy() for name, t in capture.saved.items()}
    arrays["t5_mask"] = arrays["t5_mask"].astype(np.int64)
    arrays["clap_input_ids"], arrays["clap_attention_mask"] = _cfg_order(capture.calls["clap"], cfg)
    arrays["t5_input_ids"], arrays["t5_attention_mask"] = _cfg_order(capture.calls["t5"], cfg)
    arrays["waveform"] = np.asarray(audios, dtype=np.float32)
    facts = {"do_classifier_free_guidance": cfg, "timesteps": [int(t) for t in pipe.scheduler.timesteps],
             "mel_frames": int(arrays["mel"].shape[2]), "latent_shape": list(arrays["initial_latents"].shape),
             "waveform_samples": int(arrays["waveform"].shape[1])}
    if capture.pre_ranking is not None:
        generated = capture.pre_ranking.numpy().astype(np.float32)
        arrays["waveform_generated"] = generated
        if is_librosa_available():
            # score_waveforms returns whole rows of its input: find which, in output order.
            indices = [int(np.flatnonzero((generated == row).all(axis=1))[0]) for row in arrays["waveform"]]
            arrays["ranking_indices"] = np.asarray(indices, dtype=np.int64)
            facts["ranking"] = "applied: waveform.npy = waveform_generated.npy[ranking_indices]"
        else:
            facts["ranking"] = ("not applied: diffusers skips CLAP ranking when librosa is not installed, so "
                                "waveform.npy is in generation order")
    return arrays, facts


def check_bundle(out: Path, source: dict, force: bool = False) -> dict:
    """Returns the manifest of the bundle in `out`, which must come from the same model as `source`."""
    existing = mf.read_manifest(out)
    if existing is None:
        raise ExportError(f"--out {out}: holds no bundle (manifest.json); export it first")
    if not same_source(existing.get("source"), source) and not force:
        raise ExportError(f"--out {out}: holds a bundle of a different model ({existing['source'].get('id')}) "
                          "than the reference source; use --force to write references anyway")
    return existing


def write_references(pipe, cases: list[dict], out: Path, existing: dict) -> None:
    """Runs every case and writes out/reference/; records the cases and file hashes in the manifest."""
    ref_dir = out / REFERENCE_DIR
    if ref_dir.exists():
        shutil.rmtree(ref_dir)
    ref_dir.mkdir(parents=True)
    base_config = pipe.scheduler.config
    written = []
    for case in cases:
        runner = audio_to_audio.run_case if audio_to_audio.applies(case) else run_case
        arrays, facts = runner(pipe, case, base_config)
        case_dir = ref_dir / case["id"]
        case_dir.mkdir()
        for name, array in sorted(arrays.items()):
            np.save(case_dir / f"{name}.npy", array)
        if audio_to_audio.applies(case):
            audio_to_audio.write_input_wav(case_dir, case)
        written.append({**case, **facts, "files": {name: {"shape": list(a.shape), "dtype": a.dtype.name}
                                                   for name, a in sorted(arrays.items())}})
        log(f"reference {case['id']}: waveform {arrays['waveform'].shape}, "
            f"{len(facts['timesteps'])} steps")
    (ref_dir / "cases.json").write_text(json.dumps(written, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    ranking.write_fixtures(pipe, ref_dir)
    import diffusers
    import transformers

    existing["reference"] = {"cases": [c["id"] for c in written], "device": "cpu", "dtype": "float32",
                             "generator": "torch.Generator('cpu').manual_seed(seed)",
                             "versions": {"torch": torch.__version__, "diffusers": diffusers.__version__,
                                          "transformers": transformers.__version__}}
    mf.write_manifest(out, existing)
