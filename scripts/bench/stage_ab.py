"""Per-graph A/B in one process: diffusers' torch module against ONNX Runtime sessions of the same weights, calls
interleaved (torch, ORT variant 1, ORT variant 2, torch, ...) so that load drift on a shared machine hits every
variant alike. Inputs are the real ones of the benchmark generation (10.24 s, prompt + negative prompt, CFG batch).

  PYTHONPATH=scripts .venv/bin/python -m bench.stage_ab --bundle build/full-random [--int8 build/full-random-int8unet] \
      [--graphs unet,vae_decoder,vocoder] [--rounds 5]

Prints one JSON line per graph and variant: median and min-max seconds, the ratio torch/variant, and the max abs
difference to torch's output (a variant that is fast but wrong shows here).
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from audioldm2_export.source import load_pipeline
from bench import workload

LEVELS = {"all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL, "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
          "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC}


def session(path, threads, level="all", spinning=True):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = LEVELS[level]
    so.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def real_inputs(pipe, args):
    """The conditioning and latent shapes of the benchmark generation, from diffusers itself."""
    with torch.inference_mode():
        embeds, mask, generated = pipe.encode_prompt(args.prompt, torch.device("cpu"), 1, True,
                                                     negative_prompt=args.negative_prompt)
    seconds_per_frame = np.prod(pipe.vocoder.config.upsample_rates) / pipe.vocoder.config.sampling_rate
    height = int(args.duration / seconds_per_frame) // pipe.vae_scale_factor
    generator = torch.Generator("cpu").manual_seed(0)
    latents = torch.randn((1, pipe.unet.config.in_channels, height, pipe.vocoder.config.model_in_dim
                           // pipe.vae_scale_factor), generator=generator)
    return embeds, mask, generated, latents


def graphs(pipe, args):
    """name -> (torch callable, ORT feed, list of (variant, bundle dir, level, spinning))."""
    embeds, mask, generated, latents = real_inputs(pipe, args)
    sample = torch.cat([latents] * 2)
    t = torch.tensor(500)
    with torch.inference_mode():
        mel = pipe.vae.decode(latents).sample
    fp32, int8 = Path(args.bundle), Path(args.int8) if args.int8 else None
    unet_variants = [("ort fp32 all", fp32, "all", True), ("ort fp32 all no-spin", fp32, "all", False),
                     ("ort fp32 extended", fp32, "extended", True)]
    if int8:
        unet_variants.append(("ort int8 MatMul all", int8, "all", True))
    conv_variants = [("ort fp32 all", fp32, "all", True), ("ort fp32 extended", fp32, "extended", True),
                     ("ort fp32 basic", fp32, "basic", True)]
    return {
        "unet": (lambda: pipe.unet(sample, t, encoder_hidden_states=generated, encoder_hidden_states_1=embeds,
                                   encoder_attention_mask_1=mask, return_dict=False)[0],
                 {"sample": sample.numpy(), "timestep": np.asarray(500, dtype=np.int64),
                  "encoder_hidden_states": generated.numpy(), "encoder_hidden_states_1": embeds.numpy(),
                  "encoder_attention_mask_1": mask.to(torch.int64).numpy()}, unet_variants),
        "vae_decoder": (lambda: pipe.vae.decode(latents).sample, {"latents": latents.numpy()}, conv_variants),
        "vocoder": (lambda: pipe.vocoder(mel.squeeze(1)), {"mel": mel.squeeze(1).numpy()}, conv_variants),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--diffusers", help="default: the bundle manifest's source folder")
    ap.add_argument("--int8", help="bundle from scripts/quantize_unet.py")
    ap.add_argument("--graphs", default="unet,vae_decoder,vocoder")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=workload.THREADS)
    ap.add_argument("--duration", type=float, default=workload.DURATION_S)
    ap.add_argument("--prompt", default=workload.PROMPT)
    ap.add_argument("--negative-prompt", default=workload.NEGATIVE_PROMPT)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    folder = args.diffusers or json.loads((Path(args.bundle) / "manifest.json").read_text())["source"]["folder"]
    pipe = load_pipeline(folder)
    table = graphs(pipe, args)
    for name in args.graphs.split(","):
        torch_call, feed, variants = table[name]
        sessions = {}
        for label, bundle, level, spinning in variants:
            start = time.perf_counter()
            sessions[label] = session(bundle / f"{name}.onnx", args.threads, level, spinning)
            print(f"# {name} {label}: session {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
        calls = {"torch fp32 eager": lambda: torch_call().numpy()}
        for label, s in sessions.items():
            calls[label] = lambda s=s: s.run(None, feed)[0]
        with torch.inference_mode():
            outputs = {label: call() for label, call in calls.items()}     # warm-up, and the outputs compared
            times = {label: [] for label in calls}
            for _ in range(args.rounds):
                for label, call in calls.items():
                    start = time.perf_counter()
                    call()
                    times[label].append(time.perf_counter() - start)
        reference = outputs["torch fp32 eager"]
        base = statistics.median(times["torch fp32 eager"])
        for label, ts in times.items():
            med = statistics.median(ts)
            print(json.dumps({"graph": name, "variant": label, "median_s": med, "min_s": min(ts), "max_s": max(ts),
                              "torch_over_variant": base / med,
                              "max_abs_diff_vs_torch": float(np.abs(outputs[label] - reference).max()),
                              "output_std": float(reference.std()), "rounds": args.rounds,
                              "threads": args.threads}), flush=True)
        del sessions, calls, outputs


if __name__ == "__main__":
    main()
