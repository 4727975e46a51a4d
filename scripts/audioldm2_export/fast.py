"""Fast mode (issue 15; the manifest block is docs/BUNDLE.md "fast"): int8 graphs beside the exact ones, under <bundle>/fast/, and the
manifest's "fast" block with the measured error of the whole fast mode against exact mode.

The one implementation of the int8 quantisation (scripts/quantize_unet.py is a thin command line over it):

- UNet, method "matmul" (default): MatMul/Gemm dynamic-quantised (QInt8 weights, activations quantised per call).
  ONNX Runtime's CPU kernels pair u8 activations with s8 weights (AVX512-VNNI / AMX-INT8); QUInt8 weights are
  slower, and ConvInteger (dynamic Conv) is slower and less exact (docs/PERFORMANCE.md,
  ../shared/notes/cpu-precision-levers.md). Needs no calibration.
- UNet, method "matmul+conv": also the ResNet, resampling and attention-projection convolutions statically (QDQ:
  per-channel QInt8 weights, QUInt8 activations, MinMax ranges calibrated on inputs recorded from diffusers' own fp32
  pipeline with CALIBRATION's prompts and seeds, which the error measurement does not use). conv_in, conv_out and
  the conv_shortcuts stay fp32 (each of those groups alone gave 2-6x the error of all ResNet conv1s).
- vae_decoder / vocoder, method "conv" (opt-in): static QDQ of their Conv nodes (not ConvTranspose), calibrated
  the same way on the recorded VAE latents / vocoder mels; the modules seeing the raw input or writing the output
  stay fp32 (FP32_CONV_MODULES).

The error measurement (measure_error) runs diffusers' own AudioLDM2Pipeline (fp32 torch, CPU) per case for exact
mode, and the same pipeline with the fast ONNX graphs swapped in and the guidance interval applied (guided_unet) for
fast mode; the anchor is the torch UNet cast to bfloat16. The metric is the log-mel (dsp.tacotron_log_mel with the
bundle's config.stft, of the final waveform) RMS of the difference over the exact mel's std, and its max.
"""

from __future__ import annotations

import contextlib
import copy
import json
import shutil
import tempfile
import types
from pathlib import Path

import numpy as np

from . import manifest as mf
from .errors import ExportError


def log(message: str) -> None:
    from .bundle import log as bundle_log

    bundle_log(message)

FAST_DIR = "fast"
# The guidance interval's default (scheduler timesteps, inclusive), the one place it is set. None: guide every step.
GUIDANCE_TIMESTEPS: tuple[int, int] | None = (200, 800)

UNET_METHODS = ("matmul", "matmul+conv")
CONV_METHOD = "conv"
QUANTIZED_OPS = ["MatMul", "Gemm"]
# Conv nodes are named /<module path>/Conv by the exporter (onnx_files._name_nodes_by_module); these stay fp32
FP32_CONV_MODULES = {
    "unet": ("conv_in", "conv_out", "conv_shortcut"),
    "vae_decoder": ("post_quant_conv", "conv_in", "conv_out", "conv_shortcut"),
    "vocoder": ("conv_pre", "conv_post"),
}
METHODS = {
    "matmul": "dynamic int8 MatMul/Gemm (QInt8 weights)",
    "matmul+conv": "dynamic int8 MatMul/Gemm (QInt8 weights) + static QDQ int8 Conv (per-channel QInt8 weights, "
                   "QUInt8 activations, MinMax calibration; conv_in, conv_out, conv_shortcut fp32)",
    "conv": "static QDQ int8 Conv (per-channel QInt8 weights, QUInt8 activations, MinMax calibration)",
}
# Calibration: other prompts and seeds than the error cases'; the benchmark's guidance and negative prompt.
CALIBRATION = {"prompts": ["A dog barks in a quiet park, birds sing in the background",
                           "Slow piano ballad with soft strings"],
               "negative_prompt": "Low quality, average quality.", "seeds": [1, 2], "scheduler": "dpm++2m",
               "steps": 10, "guidance_scale": 3.5}
# The error cases: every prompt with every seed (none of them calibration's)
EVAL_PROMPTS = ["Techno music with a strong, upbeat tempo and high melodic riffs",
                "Rain on a tin roof with distant thunder"]
EVAL_SEEDS = [11, 12]
EVAL = {"scheduler": "dpm++2m", "steps": 10, "guidance_scale": 3.5}


def parse_guidance_timesteps(text: str) -> tuple[int, int] | None:
    """'LO,HI' (integers, LO <= HI) or 'none' (guidance on every step)."""
    if text.strip().lower() == "none":
        return None
    try:
        lo, hi = (int(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"expected LO,HI (two integers) or none, not {text!r}") from None
    if lo > hi or lo < 0:
        raise ValueError(f"expected 0 <= LO <= HI, not {text!r}")
    return lo, hi


# ---------------------------------------------------------------- quantisation

def graph_files(manifest: dict, name: str) -> list[str]:
    """The graph's file and, in large bundles, its external weights, as listed in the manifest."""
    graph_file = manifest["graphs"][name]["file"]
    return [f for f in (graph_file, f"{graph_file}.data") if f in manifest["files"]]


def _save(src: Path, dst: Path) -> None:
    """Re-saves a quantiser's output as the exporter saves graphs (external data over 64 MiB of weights)."""
    import onnx

    from .onnx_files import save

    dst.parent.mkdir(parents=True, exist_ok=True)
    save(onnx.load(str(src)), dst)


def quantize_graph(name: str, method: str, src: Path, dst: Path, feeds: list[dict] | None) -> dict:
    """Writes the int8 version of graph `name` (fp32 file `src`) to `dst`; returns what was done. `feeds` (recorded
    inputs of the graph) are needed by every method with convolutions."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    dst.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dst.parent) as scratch:
        scratch = Path(scratch)
        record = {"method": METHODS[method]}
        source = src
        if method in ("matmul+conv", "conv"):
            if not feeds:
                raise ExportError(f"{name}: {method} needs calibration inputs (recorded from the source pipeline)")
            source = scratch / "qdq.onnx"
            record["convolutions"] = quantize_convolutions(name, src, source, feeds)
        if method in ("matmul", "matmul+conv"):
            dynamic = scratch / "dynamic.onnx"
            quantize_dynamic(str(source), str(dynamic), op_types_to_quantize=QUANTIZED_OPS,
                             weight_type=QuantType.QInt8, per_channel=False, reduce_range=False,
                             use_external_data_format=True)
            record["matmul"] = {"tool": "onnxruntime.quantization.quantize_dynamic", "op_types": QUANTIZED_OPS,
                                "weight_type": "QInt8", "per_channel": False}
            source = dynamic
        _save(source, dst)
    return record


def quantize_convolutions(name: str, src: Path, dst: Path, feeds: list[dict]) -> dict:
    """Static QDQ int8 for the Conv nodes outside FP32_CONV_MODULES[name]; returns what was done."""
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)

    convs = [n.name for n in onnx.load(str(src), load_external_data=False).graph.node if n.op_type == "Conv"]
    kept = FP32_CONV_MODULES[name]
    quantized = [c for c in convs if c.rsplit("/", 2)[-2] not in kept]

    class Recorded(CalibrationDataReader):
        def __init__(self):
            self.feeds = iter(feeds)

        def get_next(self):
            return next(self.feeds, None)

    quantize_static(str(src), str(dst), Recorded(), quant_format=QuantFormat.QDQ, op_types_to_quantize=["Conv"],
                    nodes_to_quantize=quantized, per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
                    use_external_data_format=True)
    return {"tool": "onnxruntime.quantization.quantize_static (QDQ, MinMax)", "weight_type": "QInt8",
            "per_channel": True, "activation_type": "QUInt8", "quantized": len(quantized),
            "kept_fp32": len(convs) - len(quantized), "fp32_modules": list(kept),
            "calibration": {**CALIBRATION, "recorded_inputs": len(feeds)}}


def unet_feed(sample, timestep, encoder_hidden_states, encoder_hidden_states_1, encoder_attention_mask_1) -> dict:
    """The ONNX UNet's inputs from diffusers' UNet call arguments."""
    import torch

    return {"sample": sample.float().numpy().copy(), "timestep": np.asarray(int(timestep), dtype=np.int64),
            "encoder_hidden_states": encoder_hidden_states.float().numpy().copy(),
            "encoder_hidden_states_1": encoder_hidden_states_1.float().numpy().copy(),
            "encoder_attention_mask_1": encoder_attention_mask_1.to(torch.int64).numpy().copy()}


def record_inputs(pipe, audio_length_in_s: float, prompts=None, seeds=None, steps=None) -> dict:
    """Every UNet, VAE decoder and vocoder call's ONNX inputs while diffusers' fp32 pipeline runs these prompts with
    these seeds, pairwise (default CALIBRATION's), with CALIBRATION's settings."""
    import torch

    from .schedulers import scheduler

    recorded = {"unet": [], "vae_decoder": [], "vocoder": []}
    unet_forward, vae_decode, vocoder_forward = pipe.unet.forward, pipe.vae.decode, pipe.vocoder.forward

    def unet(sample, timestep, encoder_hidden_states=None, encoder_hidden_states_1=None,
             encoder_attention_mask_1=None, return_dict=False):
        recorded["unet"].append(unet_feed(sample, timestep, encoder_hidden_states, encoder_hidden_states_1,
                                          encoder_attention_mask_1))
        return unet_forward(sample, timestep, encoder_hidden_states=encoder_hidden_states,
                            encoder_hidden_states_1=encoder_hidden_states_1,
                            encoder_attention_mask_1=encoder_attention_mask_1, return_dict=return_dict)

    def vae(latents, *args, **kwargs):
        recorded["vae_decoder"].append({"latents": latents.float().numpy().copy()})
        return vae_decode(latents, *args, **kwargs)

    def vocoder(mel):
        recorded["vocoder"].append({"mel": mel.float().numpy().copy()})
        return vocoder_forward(mel)

    base = pipe.scheduler
    pipe.scheduler = scheduler(CALIBRATION["scheduler"], base.config)
    pipe.unet.forward, pipe.vae.decode, pipe.vocoder.forward = unet, vae, vocoder
    try:
        with torch.inference_mode(), measure_threads(pipe):
            for prompt, seed in zip(prompts or CALIBRATION["prompts"], seeds or CALIBRATION["seeds"]):
                pipe(prompt, negative_prompt=CALIBRATION["negative_prompt"],
                     num_inference_steps=steps or CALIBRATION["steps"],
                     guidance_scale=CALIBRATION["guidance_scale"], audio_length_in_s=audio_length_in_s,
                     generator=torch.Generator("cpu").manual_seed(seed), output_type="np")
    finally:
        del pipe.unet.forward, pipe.vae.decode, pipe.vocoder.forward   # back to the class methods
        pipe.scheduler = base
    log(f"recorded calibration inputs: {', '.join(f'{len(v)} {k}' for k, v in recorded.items())}")
    return recorded


# ---------------------------------------------------------------- the guidance interval and the swapped graphs

def guided_unet(forward, interval: tuple[int, int] | None, cfg: bool):
    """Wraps a UNet forward (diffusers' call signature) with the contract's guidance interval: at a timestep t with
    lo <= t <= hi (or with no interval, or without CFG) it is called as is; outside, on the cond half of the CFG
    batch only (diffusers concatenates [uncond, cond]), and that output is returned for both halves, so diffusers'
    uncond + g * (cond - uncond) yields cond."""
    import torch

    def call(sample, timestep, encoder_hidden_states=None, encoder_hidden_states_1=None,
             encoder_attention_mask_1=None, return_dict=False):
        kwargs = {"encoder_hidden_states": encoder_hidden_states, "encoder_hidden_states_1": encoder_hidden_states_1,
                  "encoder_attention_mask_1": encoder_attention_mask_1}
        if not cfg or interval is None or interval[0] <= int(timestep) <= interval[1]:
            return forward(sample, timestep, **kwargs, return_dict=False)
        half = sample.shape[0] // 2
        cond = forward(sample[half:], timestep, **{k: v[half:] for k, v in kwargs.items()}, return_dict=False)[0]
        return (torch.cat([cond, cond]),)

    return call


def _session(path: Path):
    import onnxruntime as ort
    import torch

    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()  # as many as the torch side (measure_threads)
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


# A pipeline this small (the tiny fixture) runs 5-30x faster on one thread than on two when the cores are shared:
# its tensors are too small to split, and the threads wait on each other.
SMALL_UNET_PARAMETERS = 50_000_000


@contextlib.contextmanager
def measure_threads(pipe):
    """torch (and so the measurement's ORT sessions) on one thread for a tiny pipeline, as configured otherwise."""
    import torch

    before = torch.get_num_threads()
    if sum(p.numel() for p in pipe.unet.parameters()) < SMALL_UNET_PARAMETERS:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def onnx_unet(path: Path):
    import torch

    session = _session(path)

    def call(sample, timestep, encoder_hidden_states=None, encoder_hidden_states_1=None,
             encoder_attention_mask_1=None, return_dict=False):
        feed = unet_feed(sample, timestep, encoder_hidden_states, encoder_hidden_states_1, encoder_attention_mask_1)
        return (torch.from_numpy(session.run(["noise_pred"], feed)[0]),)

    return call


def onnx_vae_decode(path: Path):
    import torch

    session = _session(path)

    def decode(latents, *args, **kwargs):
        mel = session.run(["mel"], {"latents": latents.float().numpy()})[0]
        return types.SimpleNamespace(sample=torch.from_numpy(mel))

    return decode


def onnx_vocoder(path: Path):
    import torch

    session = _session(path)
    return lambda mel: torch.from_numpy(session.run(["waveform"], {"mel": mel.float().numpy()})[0])


def bf16_unet(pipe):
    """diffusers' UNet cast to bfloat16 (PyTorch's own fast mode, the anchor), fp32 in and out."""
    import torch

    unet = copy.deepcopy(pipe.unet).to(torch.bfloat16)

    def call(sample, timestep, encoder_hidden_states=None, encoder_hidden_states_1=None,
             encoder_attention_mask_1=None, return_dict=False):
        bf16 = [t.to(torch.bfloat16) for t in (sample, encoder_hidden_states, encoder_hidden_states_1)]
        return (unet(bf16[0], timestep, encoder_hidden_states=bf16[1], encoder_hidden_states_1=bf16[2],
                     encoder_attention_mask_1=encoder_attention_mask_1, return_dict=False)[0].float(),)

    return call


@contextlib.contextmanager
def swapped(pipe, unet=None, vae_decode=None, vocoder=None):
    """The pipeline with these replacements of its UNet forward, VAE decode and vocoder forward."""
    for owner, attr, value in ((pipe.unet, "forward", unet), (pipe.vae, "decode", vae_decode),
                               (pipe.vocoder, "forward", vocoder)):
        if value is not None:
            setattr(owner, attr, value)
    try:
        yield pipe
    finally:
        for owner, attr in ((pipe.unet, "forward"), (pipe.vae, "decode"), (pipe.vocoder, "forward")):
            owner.__dict__.pop(attr, None)


# ---------------------------------------------------------------- the error measurement

def eval_cases(audio_length_in_s: float, steps: int = EVAL["steps"], count: int | None = None) -> list[dict]:
    cases = [{"prompt": p, "seed": s, "scheduler": EVAL["scheduler"], "steps": steps,
              "audio_length_in_s": audio_length_in_s, "guidance_scale": EVAL["guidance_scale"]}
             for p in EVAL_PROMPTS for s in EVAL_SEEDS]
    return cases[:count] if count else cases


def case_mel(pipe, case: dict, config: dict, unet_wrapper=None) -> np.ndarray:
    """Runs one case through diffusers' pipeline as it stands (graphs swapped or not); the log-mel (config.stft) of
    its waveform. `unet_wrapper(forward, cfg)` wraps the UNet forward for this case (the guidance interval)."""
    import torch

    from .dsp import tacotron_log_mel
    from .schedulers import scheduler

    base, previous = pipe.scheduler, pipe.unet.__dict__.get("forward")
    pipe.scheduler = scheduler(case["scheduler"], base.config)
    if unet_wrapper is not None:
        pipe.unet.forward = unet_wrapper(pipe.unet.forward, case["guidance_scale"] > 1)
    try:
        with torch.inference_mode():
            audio = pipe(case["prompt"], num_inference_steps=case["steps"], guidance_scale=case["guidance_scale"],
                         audio_length_in_s=case["audio_length_in_s"],
                         generator=torch.Generator("cpu").manual_seed(case["seed"]), output_type="np").audios
    finally:
        pipe.scheduler = base
        pipe.unet.__dict__.pop("forward", None)
        if previous is not None:
            pipe.unet.forward = previous
    stft = config["stft"]
    return np.stack([tacotron_log_mel(a, config["sampling_rate"], stft["n_fft"], stft["hop_length"],
                                      stft["win_length"], stft["mel_bins"], stft["fmin"], stft["fmax"],
                                      torch.float32) for a in audio])


def mel_error(candidates: list[np.ndarray], references: list[np.ndarray]) -> dict:
    """RMS and max of (candidate - exact) over the exact mel's std, each case by its own std, aggregated as the RMS
    over every case's elements and the max over all."""
    scaled = np.concatenate([((c - r) / r.std()).ravel() for c, r in zip(candidates, references)])
    return {"mel_rms_over_std": float(np.sqrt(np.mean(scaled ** 2))), "mel_max_over_std": float(np.abs(scaled).max())}


def measure_error(pipe, fast_paths: dict, interval, cases: list[dict], config: dict, components: bool = True,
                  random_weights: bool = False) -> tuple[dict, dict]:
    """The error block: the whole fast mode (every graph of fast_paths swapped in + the guidance interval), the bf16
    anchor, and (components) each graph alone and the guidance interval alone, all against exact mode."""
    log(f"measuring the fast error on {len(cases)} cases (exact, bf16 anchor, "
        f"{'each graph alone, guidance alone, ' if components else ''}fast)")
    with measure_threads(pipe):
        return _measure(pipe, fast_paths, interval, cases, config, components, random_weights)


def _measure(pipe, fast_paths, interval, cases, config, components, random_weights):
    import onnxruntime as ort
    import diffusers

    def run(unet=None, vae_decode=None, vocoder=None, guidance=False):
        wrapper = (lambda forward, cfg: guided_unet(forward, interval, cfg)) if guidance else None
        mels = []
        for case in cases:
            with swapped(pipe, unet, vae_decode, vocoder):
                mels.append(case_mel(pipe, case, config, wrapper))
        return mels

    swaps = {"unet": onnx_unet, "vae_decoder": onnx_vae_decode, "vocoder": onnx_vocoder}
    keyword = {"unet": "unet", "vae_decoder": "vae_decode", "vocoder": "vocoder"}
    exact = run()
    anchor = mel_error(run(unet=bf16_unet(pipe)), exact)
    per_graph = {}
    if components:
        for name, path in fast_paths.items():
            per_graph[name] = mel_error(run(**{keyword[name]: swaps[name](path)}), exact)
    everything = {keyword[name]: swaps[name](path) for name, path in fast_paths.items()}
    fast = run(**everything, guidance=interval is not None)
    block = {**mel_error(fast, exact), "bf16_anchor": anchor}
    if components:
        block["graphs_only"] = (per_graph[next(iter(fast_paths))] if len(fast_paths) == 1
                                else mel_error(run(**everything), exact))
        block["guidance_interval_only"] = (mel_error(run(guidance=True), exact) if interval is not None
                                           else {"mel_rms_over_std": 0.0, "mel_max_over_std": 0.0})
    block["cases"] = cases
    block["measured_with"] = (f"onnxruntime {ort.__version__} CPU, diffusers {diffusers.__version__}"
                              + ("; random weights are a proxy" if random_weights else ""))
    return block, per_graph


# ---------------------------------------------------------------- the manifest block

def add_fast(pipe, out: Path, source: dict, unet_method: str = "matmul", vae_decoder: bool = False,
             vocoder: bool = False, interval=GUIDANCE_TIMESTEPS, eval_length_s: float | None = None,
             eval_steps: int = EVAL["steps"], eval_count: int | None = None, components: bool = True) -> dict:
    """Writes <out>/fast/ and the manifest's "fast" block into the fp32 bundle `out` of `pipe`'s weights; every
    exact file stays as it is. Replaces an earlier fast block."""
    from .bundle import same_source

    manifest = mf.read_manifest(out)
    if manifest is None:
        raise ExportError(f"--out {out}: holds no bundle (manifest.json) to add the fast graphs to")
    if not same_source(manifest.get("source"), source):
        raise ExportError(f"--out {out}: is a bundle of another model ({manifest.get('source', {}).get('id')}) "
                          "than --model/--tiny-random/--random-weights names")
    if manifest.get("precision") != "fp32":
        raise ExportError(f"--out {out}: the fast graphs are made from an fp32 bundle, not {manifest.get('precision')}")
    if unet_method not in UNET_METHODS:
        raise ExportError(f"unknown UNet method {unet_method!r}; use one of {', '.join(UNET_METHODS)}")
    methods = {"unet": unet_method, **({"vae_decoder": CONV_METHOD} if vae_decoder else {}),
               **({"vocoder": CONV_METHOD} if vocoder else {})}
    length = eval_length_s or manifest["config"]["default_audio_length_s"]
    exact_before = {name: manifest["files"][name] for name in manifest["files"] if not name.startswith(FAST_DIR + "/")}

    fast_dir = out / FAST_DIR
    if "fast" in manifest or any(n.startswith(FAST_DIR + "/") for n in manifest["files"]):
        # the earlier fast block goes first, so that a failure below leaves a valid exact bundle
        manifest.pop("fast", None)
        manifest["files"] = exact_before
        (out / mf.MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if fast_dir.exists():
        shutil.rmtree(fast_dir)
    fast_dir.mkdir()
    needs_calibration = any(m in ("matmul+conv", CONV_METHOD) for m in methods.values())
    recorded = record_inputs(pipe, length) if needs_calibration else {}
    graphs, paths = {}, {}
    for name, method in methods.items():
        src = out / manifest["graphs"][name]["file"]
        dst = fast_dir / manifest["graphs"][name]["file"]
        record = quantize_graph(name, method, src, dst, recorded.get(name))
        paths[name] = dst
        graphs[name] = {"file": dst.relative_to(out).as_posix(), **mf.graph_io(dst), "precision": "int8",
                        "method": METHODS[method], "quantization": record}
        log(f"quantised {name} ({method}): {sum(p.stat().st_size for p in fast_dir.glob(dst.name + '*')) / 1e6:.1f} MB")

    cases = eval_cases(length, eval_steps, eval_count)
    error, per_graph = measure_error(pipe, paths, interval, cases, manifest["config"], components,
                                     random_weights=manifest["source"].get("weights") == "seeded random")
    for name, figures in per_graph.items():
        graphs[name]["error"] = figures
    block = {"graphs": graphs}
    if interval is not None:
        block["guidance_timesteps"] = [int(interval[0]), int(interval[1])]
    block["error"] = error
    manifest.pop("fast", None)
    manifest["fast"] = block
    mf.write_manifest(out, manifest)
    changed = [n for n, entry in exact_before.items() if manifest["files"].get(n) != entry]
    if changed:
        raise ExportError(f"exact files changed while adding the fast graphs: {changed}")
    log(f"fast error: mel RMS/std {error['mel_rms_over_std']:.4f}, max/std {error['mel_max_over_std']:.4f}; "
        f"bf16 anchor {error['bf16_anchor']['mel_rms_over_std']:.4f} / {error['bf16_anchor']['mel_max_over_std']:.4f}")
    return manifest
