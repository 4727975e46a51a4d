"""Resolves `--model` (a local diffusers folder or a Hub id) and loads the pipeline (CPU, float32 by default)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from .errors import ExportError

# Components the bundle needs, with the classes this exporter knows how to export.
EXPECTED_COMPONENTS = {
    "text_encoder": {"ClapModel"},
    "text_encoder_2": {"T5EncoderModel"},
    "projection_model": {"AudioLDM2ProjectionModel"},
    "language_model": {"GPT2Model", "GPT2LMHeadModel"},
    "unet": {"AudioLDM2UNet2DConditionModel"},
    "vae": {"AutoencoderKL"},
    "vocoder": {"SpeechT5HifiGan"},
    "tokenizer": {"RobertaTokenizer", "RobertaTokenizerFast"},
    "tokenizer_2": {"T5Tokenizer", "T5TokenizerFast"},
    "feature_extractor": {"ClapFeatureExtractor"},
    "scheduler": None,  # any diffusers scheduler; its config is copied verbatim
}

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def folder_sha256(folder: Path) -> str:
    """One hash over every file's relative path and bytes, in sorted order: identifies a diffusers folder."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file() and ".cache" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def resolve_model(model: str, revision: str | None) -> tuple[Path, dict]:
    """Returns the local diffusers folder for `model` and the manifest's `source` block."""
    path = Path(model).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ExportError(f"--model {model}: is a file, expected a diffusers folder (model_index.json + components)")
        if revision:
            raise ExportError("--revision applies to Hub ids only, not to the local folder " + model)
        check_audioldm2_folder(path)
        return path, {"kind": "folder", "id": str(path.resolve()), "folder_sha256": folder_sha256(path)}
    if not _HUB_ID.match(model) or model.startswith((".", "/", "~")):
        raise ExportError(f"--model {model}: no such folder (and not a Hub id of the form owner/name)")
    folder = _download(model, revision)
    check_audioldm2_folder(folder)
    return folder, {"kind": "hub", "id": model, "revision": folder.name, "folder_sha256": folder_sha256(folder)}


def _download(repo_id: str, revision: str | None) -> Path:
    try:
        from huggingface_hub import HfApi, snapshot_download

        # Only what the pipeline loads: configs, tokenizer files and one copy of the float32 weights
        # (safetensors where the repo has them, else .bin; fp16 variants are skipped).
        files = [s.rfilename for s in HfApi().model_info(repo_id, revision=revision).siblings or []]
        weights = "*/*.safetensors" if any(f.endswith(".safetensors") for f in files) else "*/*.bin"
        return Path(snapshot_download(repo_id, revision=revision, ignore_patterns=["*.fp16.*"],
                                      allow_patterns=["model_index.json", "*/*.json", "*/*.txt", "*/*.model",
                                                      weights]))
    except Exception as exc:  # network, auth, missing repo or revision: all reported as one line
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExportError(f"could not download {repo_id}"
                          f"{'@' + revision if revision else ''} from the Hugging Face Hub: {reason}") from exc


def check_audioldm2_folder(folder: Path) -> dict:
    """Checks model_index.json names an AudioLDM2Pipeline with components this exporter supports."""
    index_path = folder / "model_index.json"
    if not index_path.is_file():
        raise ExportError(f"{folder} is not a diffusers pipeline folder: model_index.json is missing")
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"{index_path}: unreadable JSON ({exc})") from exc
    if index.get("_class_name") != "AudioLDM2Pipeline":
        raise ExportError(f"{folder} holds a {index.get('_class_name')!r} pipeline, not an AudioLDM2Pipeline")
    for name, classes in EXPECTED_COMPONENTS.items():
        entry = index.get(name)
        if not entry or entry[1] is None:
            raise ExportError(f"{folder}: the AudioLDM2 pipeline has no {name} component")
        if classes is not None and entry[1] not in classes:
            raise ExportError(f"{folder}: {name} is {entry[1]}; this exporter supports {sorted(classes)} "
                              "(text-to-speech checkpoints with VITS are not supported)")
    for name in EXPECTED_COMPONENTS:
        if not (folder / name).is_dir():
            raise ExportError(f"{folder}: component folder {name}/ is missing")
    return index


def load_pipeline(folder: Path, dtype=None, device: str = "cpu"):
    """Loads the pipeline in `dtype` (default float32) on `device` (default CPU): the exporter's, the reference
    writer's, the benchmark's and fast's one loader. The language model is loaded as GPT2LMHeadModel
    whatever the folder says: hub checkpoints store GPT2Model, which current diffusers cannot run in
    generate_language_model (diffusers #12630); the LM-head class reads the same weights and gives identical hidden
    states."""
    import diffusers
    import torch
    import transformers
    from diffusers import AudioLDM2Pipeline
    from transformers import GPT2LMHeadModel

    dtype = dtype or torch.float32

    # Loading progress bars and the "accelerate not installed" advice are noise on the command line.
    for library in (diffusers, transformers):
        library.utils.logging.set_verbosity_error()
        library.utils.logging.disable_progress_bar()
    try:
        language_model = GPT2LMHeadModel.from_pretrained(Path(folder) / "language_model", dtype=dtype)
        pipe = AudioLDM2Pipeline.from_pretrained(folder, language_model=language_model, dtype=dtype)
    except Exception as exc:  # corrupt weights or configs: report the first line of the loader's message
        raise ExportError(f"could not load the AudioLDM2 pipeline from {folder}: "
                          f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}") from exc
    pipe.set_progress_bar_config(disable=True)
    for module in (pipe.unet, pipe.vae, pipe.vocoder, pipe.text_encoder, pipe.text_encoder_2,
                   pipe.projection_model, pipe.language_model):
        module.eval()
    return pipe if device == "cpu" else pipe.to(device)
