"""Opt-in fast mode: a copy of an fp32 bundle whose UNet is int8 dynamic-quantised (MatMul/Gemm only, QInt8 weights).

  python scripts/quantize_unet.py --bundle build/full-random --out build/full-random-int8unet \
      [--evaluate DIFFUSERS_FOLDER --steps 25]

Why these settings (docs/PERFORMANCE.md, ../shared/notes/cpu-precision-levers.md): ONNX Runtime's CPU kernels for
dynamic int8 MatMul pair u8 activations with s8 weights (VNNI / AMX-INT8); Conv quantised as ConvInteger is slower
and less exact, QUInt8 weights are slower. Every other graph of the bundle is hard-linked (or copied) unchanged;
the manifest gets the new UNet's size and hash and a "quantization" block saying what was done.

--evaluate runs diffusers' own AudioLDM2Pipeline twice with the same seed, once with its fp32 torch UNet and once
with the quantised ONNX UNet in its place (dpm++2m, --steps), decodes both with the torch VAE, and prints and records
the mel error (max abs and RMS, over the fp32 mel's std). The error is that of random weights: re-measure it on a
real checkpoint before trusting it.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

QUANTIZED_OPS = ["MatMul", "Gemm"]


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def link_or_copy(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def quantize(bundle, out):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    manifest = json.loads((bundle / "manifest.json").read_text())
    unet_file = manifest["graphs"]["unet"]["file"]
    if out.exists():
        sys.exit(f"{out} exists; remove it first")
    out.mkdir(parents=True)
    for name in manifest["files"]:
        if name != unet_file:
            link_or_copy(bundle / name, out / name)
    start = time.perf_counter()
    quantize_dynamic(str(bundle / unet_file), str(out / unet_file), op_types_to_quantize=QUANTIZED_OPS,
                     weight_type=QuantType.QInt8, per_channel=False, reduce_range=False)
    print(f"quantised {unet_file}: {(bundle / unet_file).stat().st_size / 2**20:.0f} MiB -> "
          f"{(out / unet_file).stat().st_size / 2**20:.0f} MiB in {time.perf_counter() - start:.0f} s")
    manifest["name"] = out.name
    manifest["files"][unet_file] = {"sha256": sha256(out / unet_file), "bytes": (out / unet_file).stat().st_size}
    manifest["quantization"] = {"unet": {"method": "onnxruntime.quantization.quantize_dynamic",
                                         "op_types": QUANTIZED_OPS, "weight_type": "QInt8", "per_channel": False,
                                         "source_sha256": sha256(bundle / unet_file)}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def evaluate(out, diffusers_folder, steps, threads, seed):
    """Mel error of the pipeline with the int8 ONNX UNet against the same pipeline with diffusers' fp32 UNet."""
    import numpy as np
    import onnxruntime as ort
    import torch
    from diffusers import DPMSolverMultistepScheduler

    sys.path.insert(0, str(Path(__file__).resolve().parent / "bench"))
    from torch_side import load_pipeline

    torch.set_num_threads(threads)
    pipe = load_pipeline(diffusers_folder)
    pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
    prompt, negative = "Techno music with a strong, upbeat tempo and high melodic riffs", "Low quality, average quality."
    unet_calls = []

    def mel():
        with torch.inference_mode():
            latents = pipe(prompt, negative_prompt=negative, num_inference_steps=steps, guidance_scale=3.5,
                           audio_length_in_s=10.24, generator=torch.Generator("cpu").manual_seed(seed),
                           output_type="latent").audios
            return pipe.vae.decode(latents / pipe.vae.config.scaling_factor).sample.numpy()

    def timed(forward):
        def call(*a, **kw):
            start = time.perf_counter()
            try:
                return forward(*a, **kw)
            finally:
                unet_calls.append(time.perf_counter() - start)
        return call

    pipe.unet.forward = timed(pipe.unet.forward)
    reference = mel()
    torch_call = float(np.median(unet_calls))
    unet_calls.clear()

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(out / "unet.onnx"), options, providers=["CPUExecutionProvider"])

    def onnx_unet(sample, timestep, encoder_hidden_states, encoder_hidden_states_1, encoder_attention_mask_1,
                  return_dict=False):
        feed = {"sample": sample.numpy(), "timestep": np.asarray(int(timestep), dtype=np.int64),
                "encoder_hidden_states": encoder_hidden_states.numpy(),
                "encoder_hidden_states_1": encoder_hidden_states_1.numpy(),
                "encoder_attention_mask_1": encoder_attention_mask_1.to(torch.int64).numpy()}
        return (torch.from_numpy(session.run(["noise_pred"], feed)[0]),)

    pipe.unet.forward = timed(onnx_unet)
    quantised = mel()
    int8_call = float(np.median(unet_calls))
    diff = quantised - reference
    std = float(reference.std())
    result = {"scheduler": "dpm++2m", "steps": steps, "seed": seed, "mel_std": std,
              "mel_max_abs_err": float(np.abs(diff).max()), "mel_rms_err": float(np.sqrt((diff ** 2).mean())),
              "mel_max_abs_err_over_std": float(np.abs(diff).max()) / std,
              "mel_rms_err_over_std": float(np.sqrt((diff ** 2).mean())) / std,
              "unet_call_s": {"torch_fp32": torch_call, "onnx_int8": int8_call}, "threads": threads,
              "note": "random weights; re-measure on a real checkpoint"}
    print(json.dumps(result, indent=1))
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", required=True, help="fp32 bundle to start from")
    ap.add_argument("--out", required=True, help="new bundle folder (must not exist)")
    ap.add_argument("--evaluate", metavar="DIFFUSERS_FOLDER", help="measure the mel error against diffusers fp32")
    ap.add_argument("--evaluate-only", action="store_true", help="--out exists already: only --evaluate it")
    ap.add_argument("--steps", type=int, default=25)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    bundle, out = Path(args.bundle), Path(args.out)
    if not (bundle / "manifest.json").is_file():
        sys.exit(f"not a bundle: {bundle} has no manifest.json")
    if args.evaluate_only:
        manifest = json.loads((out / "manifest.json").read_text())
    else:
        manifest = quantize(bundle, out)
    if args.evaluate:
        manifest["quantization"]["unet"]["evaluation"] = evaluate(out, args.evaluate, args.steps, args.threads,
                                                                  args.seed)
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
