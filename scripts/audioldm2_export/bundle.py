"""Writes a bundle: graphs, tokenizers, scheduler config, validation, manifest (docs/BUNDLE.md)."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from . import manifest as mf
from .errors import ExportError
from .graphs import Dims, graph_defs
from .onnx_files import export_graph
from .precision import FP16_REL_TOLERANCE, FRAGILE, convert_to_fp16
from .text_tokenizers import check_clap_ids, check_t5_ids, write_tokenizer_json
from .validation import FP32_REL_TOLERANCE, validate_graph

REFERENCE_DIR = "reference"
RANKING_GRAPH = "clap_audio"  # optional: without it the Java pipeline returns candidates unranked


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _size_mb(out: Path, graph_file: str) -> float:
    return sum(p.stat().st_size for p in out.glob(graph_file + "*")) / 1e6


def same_source(a: dict | None, b: dict) -> bool:
    """Two sources are the same model when their folder hashes agree (ids and paths may differ)."""
    return bool(a) and a.get("folder_sha256") == b.get("folder_sha256")


def prepare_out_dir(out: Path, source: dict, force: bool) -> dict | None:
    """Refuses to overwrite a folder holding something else than a bundle of the same model, unless forced.
    A bundle of the same model is refreshed in place and keeps its reference outputs: their manifest block is
    returned to be carried into the new manifest."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"--out {out}: exists and is not a folder")
    existing, keep = None, set()
    if out.exists() and any(out.iterdir()):
        existing = mf.read_manifest(out)
        if existing is None and not force:
            raise ExportError(f"--out {out}: folder is not empty and holds no bundle; use --force to overwrite it")
        if existing is not None and not same_source(existing.get("source"), source) and not force:
            raise ExportError(f"--out {out}: holds a bundle of a different model "
                              f"({existing.get('source', {}).get('id')}); use --force to replace it")
        keep = {REFERENCE_DIR} if existing is not None and same_source(existing.get("source"), source) else set()
        for child in out.iterdir():
            if child.name in keep:
                continue
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    out.mkdir(parents=True, exist_ok=True)
    return existing.get("reference") if keep and (out / REFERENCE_DIR).is_dir() else None


def ranking_unavailable(pipe, graph) -> str | None:
    """Why the clap_audio graph cannot be exported, or None. It serves only the CLAP ranking, so a CLAP audio branch
    that cannot run on the feature extractor's features (diffusers' test pipeline: num_mel_bins 8 against
    feature_size 64) leaves the bundle without ranking instead of failing the export."""
    import torch

    try:
        with torch.no_grad():
            graph.module(*graph.make_inputs(graph.export_shape, torch.Generator().manual_seed(0)))
        return None
    except Exception as exc:  # noqa: BLE001 - whatever stops the branch, the reason is its first line
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (f"the CLAP audio branch (num_mel_bins {pipe.text_encoder.config.audio_config.num_mel_bins}) cannot "
                f"run on the feature extractor's features (feature_size {pipe.feature_extractor.feature_size}): "
                f"{message}")


def export_bundle(pipe, folder: Path, out: Path, source: dict, name: str, precision: str = "fp32",
                  kept_reference: dict | None = None) -> dict:
    """Exports every graph of `pipe` (loaded from `folder`) into `out`, validates, and writes the manifest."""
    dims = Dims.of(pipe)
    manifest = {"format_version": mf.FORMAT_VERSION, "name": name, "source": source, "precision": precision,
                "fp32_kept": {}, "config": mf.model_config(pipe, dims), "graphs": {}, "files": {},
                "validation": {}}
    graphs = []
    for graph in graph_defs(pipe, dims):
        reason = ranking_unavailable(pipe, graph) if graph.name == RANKING_GRAPH else None
        if reason:
            manifest["ranking_unavailable"] = reason
            log(f"warning: {graph.name} not exported, the bundle has no ranking: {reason}")
        else:
            graphs.append(graph)

    for graph in graphs:
        started = time.time()
        path = export_graph(graph, out)
        if precision == "fp16":
            if graph.name in FRAGILE:
                manifest["fp32_kept"][graph.name] = FRAGILE[graph.name]
            else:
                convert_to_fp16(path, graph.name)
        log(f"exported {graph.file} ({_size_mb(out, graph.file):.1f} MB, {time.time() - started:.1f} s)")

    for graph in graphs:
        started = time.time()
        half = precision == "fp16" and graph.name not in manifest["fp32_kept"]
        try:
            figures = validate_graph(graph, out / graph.file, FP16_REL_TOLERANCE if half else FP32_REL_TOLERANCE)
        except ExportError as exc:
            if not half:
                raise
            # An fp16 overflow or rounding beyond the tolerance: this graph stays float32, with the reason.
            manifest["fp32_kept"][graph.name] = f"measured: float16 failed validation ({exc})"
            log(f"{graph.name}: float16 failed validation, exporting it in float32 instead")
            export_graph(graph, out)
            half = False
            figures = validate_graph(graph, out / graph.file, FP32_REL_TOLERANCE)
        manifest["validation"][graph.name] = figures
        manifest["graphs"][graph.name] = {"file": graph.file, "precision": "fp16" if half else "fp32",
                                          **mf.graph_io(out / graph.file)}
        log(f"validated {graph.name} ({'fp16' if half else 'fp32'}): max abs err {figures['max_abs_err']:.2e}, "
            f"worst relative {figures['worst_relative_err']:.2e} ({time.time() - started:.1f} s)")

    clap = write_tokenizer_json(folder / "tokenizer", out / "tokenizer")
    t5 = write_tokenizer_json(folder / "tokenizer_2", out / "tokenizer_2")
    manifest["validation"]["tokenizers"] = {
        "clap": check_clap_ids(pipe.tokenizer, out / "tokenizer" / "tokenizer.json", clap["model_max_length"]),
        "t5": check_t5_ids(pipe.tokenizer_2, out / "tokenizer_2" / "tokenizer.json", t5["model_max_length"]),
    }
    log("tokenizer.json ids match the Python tokenizers on "
        f"{manifest['validation']['tokenizers']['clap']['strings_checked']} test strings")

    shutil.copyfile(folder / "scheduler" / "scheduler_config.json", out / "scheduler_config.json")  # verbatim
    if kept_reference:
        manifest["reference"] = kept_reference
    mf.write_manifest(out, manifest)
    return manifest
