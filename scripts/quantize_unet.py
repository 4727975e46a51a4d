"""Opt-in int8 UNet as a separate bundle copy: a thin command line over audioldm2_export.fast (the one
implementation; `scripts/export_onnx.py --fast` / `--add-fast` put the same graphs under <bundle>/fast/ instead).

  python scripts/quantize_unet.py --bundle build/full-random --out build/full-random-int8unet \
      [--convolutions int8 --calibrate DIFFUSERS_FOLDER] [--evaluate DIFFUSERS_FOLDER --steps 10]

--convolutions fp32 (default): fast's method "matmul" (dynamic int8 MatMul/Gemm, QInt8 weights). int8: "matmul+conv"
(also static QDQ int8 convolutions, calibrated on inputs recorded from diffusers' fp32 pipeline on --calibrate's
weights). See audioldm2_export/fast.py and docs/PERFORMANCE.md.

Every other graph of the bundle is hard-linked (or copied) unchanged; the manifest gets the new UNet's size and
hash and a "quantization" block saying what was done. ONNX Runtime reads hard-linked weight files as any other, but
Python's onnx.load refuses external data with several links (its hard-link check): copy a graph with its .data file
(cp) before editing it with the onnx package.

--evaluate measures, like --fast's error block, the mel error against diffusers' fp32 pipeline of the pipeline with
this UNet swapped in (guidance on every step) and of the bf16 anchor, on fast's error cases (dpm++2m, --steps,
--length seconds, default the bundle's default length). The error is that of random weights: re-measure it on a
real checkpoint before trusting it.
"""
import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from audioldm2_export import fast
from audioldm2_export.manifest import sha256_file as sha256

FP32_CONV_MODULES = fast.FP32_CONV_MODULES["unet"]
CALIBRATION = fast.CALIBRATION


def link_or_copy(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def quantize(bundle, out, convolutions, calibration_folder, threads):
    manifest = json.loads((bundle / "manifest.json").read_text())
    unet_file = manifest["graphs"]["unet"]["file"]
    if convolutions == "int8" and not calibration_folder:
        sys.exit("--convolutions int8 needs --calibrate DIFFUSERS_FOLDER (the diffusers pipeline of these weights)")
    if out.exists():
        sys.exit(f"{out} exists; remove it first")
    out.mkdir(parents=True)
    unet_files = fast.graph_files(manifest, "unet")
    for name in manifest["files"]:
        if name not in unet_files and not name.startswith(fast.FAST_DIR + "/"):
            link_or_copy(bundle / name, out / name)
    start = time.perf_counter()
    feeds = None
    if convolutions == "int8":
        pipe = pipeline(calibration_folder, threads)
        feeds = fast.record_inputs(pipe, manifest["config"]["default_audio_length_s"])["unet"]
    method = "matmul+conv" if convolutions == "int8" else "matmul"
    record = fast.quantize_graph("unet", method, bundle / unet_file, out / unet_file, feeds)
    record["source_sha256"] = {name: sha256(bundle / name) for name in unet_files}
    written = [name for name in (unet_file, f"{unet_file}.data") if (out / name).is_file()]
    print(f"quantised {unet_file}: {sum((bundle / n).stat().st_size for n in unet_files) / 2**20:.0f} MiB -> "
          f"{sum((out / n).stat().st_size for n in written) / 2**20:.0f} MiB in {time.perf_counter() - start:.0f} s")
    manifest["name"] = out.name
    manifest.pop("fast", None)
    manifest["files"] = {n: e for n, e in manifest["files"].items()
                         if n not in unet_files and not n.startswith(fast.FAST_DIR + "/")}
    for name in written:
        manifest["files"][name] = {"sha256": sha256(out / name), "bytes": (out / name).stat().st_size}
    manifest["quantization"] = {"unet": record}
    # what /health and the response metadata report: not an fp32 bundle any more
    manifest["precision"] = "int8-unet-conv" if convolutions == "int8" else "int8-unet"
    manifest["graphs"]["unet"]["precision"] = "int8"
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def pipeline(diffusers_folder, threads):
    import torch

    from audioldm2_export.source import load_pipeline

    torch.set_num_threads(threads)
    return load_pipeline(Path(diffusers_folder))


def evaluate(out, diffusers_folder, steps, threads, length=None, count=None):
    """The mel error of the pipeline with this int8 UNet and with torch bf16, against diffusers' fp32 UNet."""
    manifest = json.loads((out / "manifest.json").read_text())
    pipe = pipeline(diffusers_folder, threads)
    cases = fast.eval_cases(length or manifest["config"]["default_audio_length_s"], steps, count)
    error, per_graph = fast.measure_error(pipe, {"unet": out / manifest["graphs"]["unet"]["file"]}, None, cases,
                                          manifest["config"], components=False)
    print(json.dumps(error, indent=1))
    return error


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
    ap.add_argument("--steps", type=int, default=fast.EVAL["steps"])
    ap.add_argument("--length", type=float, help="error cases' audio length in s (default the bundle's)")
    ap.add_argument("--cases", type=int, help="only the first N error cases")
    ap.add_argument("--threads", type=int, default=2)
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
                                                                  args.length, args.cases)
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
