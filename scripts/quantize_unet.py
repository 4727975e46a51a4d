"""Opt-in fast mode: a copy of an fp32 bundle whose UNet runs in int8.

  python scripts/quantize_unet.py --bundle build/full-random --out build/full-random-int8unet \
      [--convolutions int8 --calibrate DIFFUSERS_FOLDER] [--evaluate DIFFUSERS_FOLDER --steps 25]

MatMul/Gemm are always dynamic-quantised (QInt8 weights, activations quantised per call): ONNX Runtime's CPU kernels
pair u8 activations with s8 weights (AVX512-VNNI / AMX-INT8); QUInt8 weights are slower, and ConvInteger (dynamic
Conv) is slower and less exact (docs/PERFORMANCE.md, ../shared/notes/cpu-precision-levers.md).

--convolutions int8 also quantises the 3x3 ResNet and resampling convolutions and the attention blocks' 1x1
projections statically (QDQ: per-channel QInt8 weights, QUInt8 activations with ranges calibrated on UNet inputs
recorded from diffusers' own fp32 pipeline on --calibrate's weights, with prompts and seeds the evaluation does not
use). The convolutions that see the raw latents or the concatenated skip connections (conv_in, conv_out,
conv_shortcut) stay fp32: quantised one group at a time, each of those groups alone gave 2-6x the error of all 22
ResNet conv1 convolutions (docs/PERFORMANCE.md).

Every other graph of the bundle is hard-linked (or copied) unchanged; the manifest gets the new UNet's size and
hash and a "quantization" block saying what was done. ONNX Runtime reads hard-linked weight files as any other, but
Python's onnx.load refuses external data with several links (its hard-link check): copy a graph with its .data file
(cp) before editing it with the onnx package.

--evaluate runs diffusers' own AudioLDM2Pipeline three times with the same seed: with its fp32 torch UNet, with the
same UNet cast to bfloat16 (PyTorch's own fast mode, the anchor), and with the quantised ONNX UNet in its place
(dpm++2m, --steps); decodes each with the torch VAE, and prints and records the mel error of the last two (max abs
and RMS, over the fp32 mel's std) and each UNet call's median time. The error is that of random weights: re-measure
it on a real checkpoint before trusting it.
"""
import argparse
import copy
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import workload

QUANTIZED_OPS = ["MatMul", "Gemm"]
# Conv nodes are named /unet/<block path>/<module>/Conv by the exporter; these modules stay fp32 with int8 convolutions
FP32_CONV_MODULES = ("conv_in", "conv_out", "conv_shortcut")
# Calibration: other prompts and seeds than the evaluation's, the benchmark workload's length, guidance and negative
# prompt (bench/workload.py).
CALIBRATION = {"prompts": ["A dog barks in a quiet park, birds sing in the background",
                           "Slow piano ballad with soft strings"],
               "negative_prompt": workload.NEGATIVE_PROMPT, "seeds": [1, 2], "scheduler": "dpm++2m", "steps": 10,
               "audio_length_in_s": workload.DURATION_S, "guidance_scale": workload.GUIDANCE_SCALE}


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


def quantize(bundle, out, convolutions, calibration_folder, threads):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    manifest = json.loads((bundle / "manifest.json").read_text())
    unet_file = manifest["graphs"]["unet"]["file"]
    if out.exists():
        sys.exit(f"{out} exists; remove it first")
    out.mkdir(parents=True)
    unet_pair = (unet_file, f"{unet_file}.data")  # the graph and, in large bundles, its external weights
    unet_files = [name for name in unet_pair if name in manifest["files"]]
    for name in manifest["files"]:
        if name not in unet_files:
            link_or_copy(bundle / name, out / name)
    start = time.perf_counter()
    record = {"method": "onnxruntime.quantization.quantize_dynamic", "op_types": QUANTIZED_OPS,
              "weight_type": "QInt8", "per_channel": False,
              "source_sha256": {name: sha256(bundle / name) for name in unet_files}}
    with tempfile.TemporaryDirectory(dir=out.parent) as scratch:
        source = bundle / unet_file
        if convolutions == "int8":
            source, record["convolutions"] = quantize_convolutions(source, Path(scratch), calibration_folder, threads)
        quantize_dynamic(str(source), str(out / unet_file), op_types_to_quantize=QUANTIZED_OPS,
                         weight_type=QuantType.QInt8, per_channel=False, reduce_range=False)
    written = [name for name in unet_pair if (out / name).is_file()]
    print(f"quantised {unet_file}: {sum((bundle / n).stat().st_size for n in unet_files) / 2**20:.0f} MiB -> "
          f"{sum((out / n).stat().st_size for n in written) / 2**20:.0f} MiB in {time.perf_counter() - start:.0f} s")
    manifest["name"] = out.name
    for name in unet_files:
        del manifest["files"][name]
    for name in written:
        manifest["files"][name] = {"sha256": sha256(out / name), "bytes": (out / name).stat().st_size}
    manifest["quantization"] = {"unet": record}
    # what /health and the response metadata report: not an fp32 bundle any more
    manifest["precision"] = "int8-unet-conv" if convolutions == "int8" else "int8-unet"
    manifest["graphs"]["unet"]["precision"] = "int8"
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def quantize_convolutions(unet, scratch, calibration_folder, threads):
    """Static QDQ int8 for the convolutions outside FP32_CONV_MODULES; returns the new graph and what was done."""
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)

    if not calibration_folder:
        sys.exit("--convolutions int8 needs --calibrate DIFFUSERS_FOLDER (the diffusers pipeline of these weights)")
    convs = [n.name for n in onnx.load(str(unet), load_external_data=False).graph.node if n.op_type == "Conv"]
    quantized = [name for name in convs if name.rsplit("/", 2)[-2] not in FP32_CONV_MODULES]
    feeds = record_unet_inputs(calibration_folder, threads)

    class Recorded(CalibrationDataReader):
        def __init__(self):
            self.feeds = iter(feeds)

        def get_next(self):
            return next(self.feeds, None)

    qdq = scratch / "unet-qdq.onnx"
    quantize_static(str(unet), str(qdq), Recorded(), quant_format=QuantFormat.QDQ, op_types_to_quantize=["Conv"],
                    nodes_to_quantize=quantized, per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
                    use_external_data_format=True)
    return qdq, {"method": "onnxruntime.quantization.quantize_static (QDQ, MinMax)", "weight_type": "QInt8",
                 "per_channel": True, "activation_type": "QUInt8", "quantized": len(quantized),
                 "kept_fp32": len(convs) - len(quantized), "fp32_modules": list(FP32_CONV_MODULES),
                 "calibration": CALIBRATION | {"unet_calls": len(feeds)}}


def record_unet_inputs(diffusers_folder, threads, prompts=CALIBRATION["prompts"], seeds=CALIBRATION["seeds"]):
    """Every UNet call's inputs while diffusers' fp32 pipeline runs these prompts and seeds (CALIBRATION's)."""
    import numpy as np
    import torch

    pipe = dpm_pipeline(diffusers_folder, threads)
    feeds = []
    forward = pipe.unet.forward

    def recording(sample, timestep, encoder_hidden_states, encoder_hidden_states_1, encoder_attention_mask_1,
                  return_dict=False):
        feeds.append(unet_feed(sample, timestep, encoder_hidden_states, encoder_hidden_states_1,
                               encoder_attention_mask_1))
        return forward(sample, timestep, encoder_hidden_states=encoder_hidden_states,
                       encoder_hidden_states_1=encoder_hidden_states_1,
                       encoder_attention_mask_1=encoder_attention_mask_1, return_dict=return_dict)

    pipe.unet.forward = recording
    with torch.inference_mode():
        for prompt, seed in zip(prompts, seeds):
            pipe(prompt, negative_prompt=CALIBRATION["negative_prompt"], num_inference_steps=CALIBRATION["steps"],
                 guidance_scale=CALIBRATION["guidance_scale"], audio_length_in_s=CALIBRATION["audio_length_in_s"],
                 generator=torch.Generator("cpu").manual_seed(seed), output_type="latent")
    print(f"recorded {len(feeds)} UNet calls for calibration ({np.mean([f['sample'].std() for f in feeds]):.2f} "
          f"mean latent std)")
    return feeds


def dpm_pipeline(diffusers_folder, threads):
    import torch
    from diffusers import DPMSolverMultistepScheduler

    from audioldm2_export.source import load_pipeline

    torch.set_num_threads(threads)
    pipe = load_pipeline(diffusers_folder)
    pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
    return pipe


def unet_feed(sample, timestep, encoder_hidden_states, encoder_hidden_states_1, encoder_attention_mask_1):
    """The ONNX UNet's inputs from diffusers' UNet call arguments."""
    import numpy as np
    import torch

    return {"sample": sample.float().numpy().copy(), "timestep": np.asarray(int(timestep), dtype=np.int64),
            "encoder_hidden_states": encoder_hidden_states.float().numpy().copy(),
            "encoder_hidden_states_1": encoder_hidden_states_1.float().numpy().copy(),
            "encoder_attention_mask_1": encoder_attention_mask_1.to(torch.int64).numpy().copy()}


def evaluate(out, diffusers_folder, steps, threads, seed):
    """Mel error of the pipeline with torch bf16 and with the int8 ONNX UNet, against diffusers' fp32 UNet."""
    import numpy as np
    import onnxruntime as ort
    import torch

    pipe = dpm_pipeline(diffusers_folder, threads)
    bf16_unet = copy.deepcopy(pipe.unet).to(torch.bfloat16)     # before pipe.unet.forward is replaced below
    unet_calls = []

    def mel():
        unet_calls.clear()
        with torch.inference_mode():
            latents = pipe(workload.PROMPT, negative_prompt=workload.NEGATIVE_PROMPT, num_inference_steps=steps,
                           guidance_scale=workload.GUIDANCE_SCALE, audio_length_in_s=workload.DURATION_S,
                           generator=torch.Generator("cpu").manual_seed(seed), output_type="latent").audios
            return (pipe.vae.decode(latents / pipe.vae.config.scaling_factor).sample.numpy(),
                    float(np.median(unet_calls)))

    def timed(forward):
        def call(*a, **kw):
            start = time.perf_counter()
            try:
                return forward(*a, **kw)
            finally:
                unet_calls.append(time.perf_counter() - start)
        return call

    fp32_forward = pipe.unet.forward
    pipe.unet.forward = timed(fp32_forward)
    reference, fp32_call = mel()

    def torch_bf16(sample, timestep, encoder_hidden_states, encoder_hidden_states_1, encoder_attention_mask_1,
                   return_dict=False):
        bf16 = [t.to(torch.bfloat16) for t in (sample, encoder_hidden_states, encoder_hidden_states_1)]
        return (bf16_unet.forward(bf16[0], timestep, encoder_hidden_states=bf16[1], encoder_hidden_states_1=bf16[2],
                                  encoder_attention_mask_1=encoder_attention_mask_1, return_dict=False)[0].float(),)

    pipe.unet.forward = timed(torch_bf16)
    bf16_mel, bf16_call = mel()
    del bf16_unet

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(out / "unet.onnx"), options, providers=["CPUExecutionProvider"])

    def onnx_unet(sample, timestep, encoder_hidden_states, encoder_hidden_states_1, encoder_attention_mask_1,
                  return_dict=False):
        feed = unet_feed(sample, timestep, encoder_hidden_states, encoder_hidden_states_1, encoder_attention_mask_1)
        return (torch.from_numpy(session.run(["noise_pred"], feed)[0]),)

    pipe.unet.forward = timed(onnx_unet)
    int8_mel, int8_call = mel()
    std = float(reference.std())

    def error(candidate):
        diff = candidate - reference
        return {"mel_max_abs_err": float(np.abs(diff).max()), "mel_rms_err": float(np.sqrt((diff ** 2).mean())),
                "mel_max_abs_err_over_std": float(np.abs(diff).max()) / std,
                "mel_rms_err_over_std": float(np.sqrt((diff ** 2).mean())) / std}

    result = {"scheduler": "dpm++2m", "steps": steps, "seed": seed, "mel_std": std, **error(int8_mel),
              "torch_bf16": error(bf16_mel),
              "unet_call_s": {"torch_fp32": fp32_call, "torch_bf16": bf16_call, "onnx_int8": int8_call},
              "threads": threads, "onnxruntime": ort.__version__, "torch": torch.__version__,
              "note": "random weights; re-measure on a real checkpoint"}
    print(json.dumps(result, indent=1))
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", required=True, help="fp32 bundle to start from")
    ap.add_argument("--out", required=True, help="new bundle folder (must not exist)")
    ap.add_argument("--convolutions", choices=["fp32", "int8"], default="fp32",
                    help="int8: also quantise the ResNet and attention-projection convolutions (static, calibrated)")
    ap.add_argument("--calibrate", metavar="DIFFUSERS_FOLDER", help="diffusers pipeline of these weights, for "
                    "recording calibration inputs (needed with --convolutions int8)")
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
        manifest = quantize(bundle, out, args.convolutions, args.calibrate, args.threads)
    if args.evaluate:
        manifest["quantization"]["unet"]["evaluation"] = evaluate(out, args.evaluate, args.steps, args.threads,
                                                                  args.seed)
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
