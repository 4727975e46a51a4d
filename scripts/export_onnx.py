#!/usr/bin/env python3
"""Export a diffusers AudioLDM2Pipeline to the ONNX bundle of docs/BUNDLE.md, or write diffusers reference outputs.

Usage:
  python scripts/export_onnx.py --model cvssp/audioldm2 [--revision R] --out models-onnx/audioldm2
  python scripts/export_onnx.py --model path/to/diffusers-folder --out models-onnx/x [--precision fp16]
  python scripts/export_onnx.py --tiny-random --out models-onnx/tiny-random
  python scripts/export_onnx.py --random-weights cvssp/audioldm2 --out build/full-random
  python scripts/export_onnx.py --reference cases.json --model <same source> --out <bundle dir>
  python scripts/export_onnx.py --model SRC --out DIR --fast [--fast-unet matmul+conv] [--fast-vae-decoder]
  python scripts/export_onnx.py --model SRC --out DIR --add-fast     # fast graphs for an existing bundle of SRC

Sources (exactly one):
  --model ID_OR_FOLDER   a local diffusers folder (model_index.json + component folders), or a Hub id fetched with
                         huggingface_hub.snapshot_download (optionally at --revision).
  --tiny-random          a seeded few-MB pipeline with locally trained tokenizers, saved first to
                         build/tiny-random-diffusers (only slow-tokenizer files) and exported from there.
  --random-weights ID    the full-size architecture of cvssp/audioldm2, -large or -music with seeded random weights,
                         or diffusers-tests (diffusers' own fast-test pipeline: another geometry, no ranking),
                         saved first to <out>-diffusers so PyTorch can load the same weights.

--precision fp16 writes float16 graphs with float32 inputs and outputs (for GPUs); the VAE, T5 and any graph whose
fp16 validation fails stay float32, listed with the reason under "fp32_kept" in manifest.json.

--fast also writes the fast-mode graphs (int8, under <out>/fast/) and the manifest's "fast" block
(docs/BUNDLE.md); --add-fast adds them to the existing fp32 bundle in --out, which must be of the same source, and
leaves every exact file byte-identical (an earlier fast block is replaced). The UNet is always in it
(--fast-unet matmul: dynamic int8 MatMul/Gemm, the default; matmul+conv: also static QDQ int8 convolutions,
calibrated on diffusers runs of the source); --fast-vae-decoder and --fast-vocoder add static QDQ int8 versions of
those graphs. The error against exact mode is measured with diffusers' own pipeline (fp32 torch) on a few prompts
x seeds (dpm++2m, --fast-eval-steps, --fast-eval-length seconds: default the bundle's default length), with the fast
ONNX graphs swapped in and the guidance interval --guidance-timesteps LO,HI applied (default %(guidance)s; none:
guidance on every step), next to the anchor, diffusers' UNet in bfloat16.

Every graph is validated after export: onnxruntime (CPU) against its PyTorch module on random inputs at several
shapes; an error over 1e-4 (fp16: 1e-2) of the output scale fails the export.

--reference CASES.json runs diffusers' own AudioLDM2Pipeline (CPU, float32, torch.Generator('cpu').manual_seed(seed))
for every case and writes <out>/reference/ (see docs/BUNDLE.md); <out> must hold the bundle of the same source.
With num_waveforms_per_prompt > 1, diffusers ranks the waveforms with CLAP only when librosa is installed.

The committed fixture models-onnx/tiny-random is reproduced by:
  python scripts/export_onnx.py --tiny-random --out models-onnx/tiny-random --force
  python scripts/export_onnx.py --tiny-random --reference scripts/reference_cases_tiny.json --out models-onnx/tiny-random
  python scripts/export_onnx.py --tiny-random --add-fast --out models-onnx/tiny-random

Errors (missing folder, not an AudioLDM2 pipeline, unknown precision, an --out folder holding another bundle
without --force, failed validation) print one line on stderr and exit non-zero.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from audioldm2_export.configs import RANDOM_WEIGHT_SPECS
from audioldm2_export.errors import ExportError

REPO = Path(__file__).resolve().parents[1]

TINY_DIFFUSERS = REPO / "build" / "tiny-random-diffusers"
PRECISIONS = ("fp32", "fp16")
RANDOM_WEIGHT_IDS = tuple(RANDOM_WEIGHT_SPECS)


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line, like every other error of this command."""

    def error(self, message):
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def parse_args(argv):
    from audioldm2_export import fast

    guidance = "none" if fast.GUIDANCE_TIMESTEPS is None else ",".join(map(str, fast.GUIDANCE_TIMESTEPS))
    parser = OneLineParser(prog="export_onnx.py", description=__doc__.replace("%(guidance)s", guidance),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="Hub id (owner/name) or local diffusers folder")
    source.add_argument("--tiny-random", action="store_true", help="seeded tiny pipeline, no download")
    source.add_argument("--random-weights", metavar="ID", help="an architecture with random weights: "
                        + ", ".join(RANDOM_WEIGHT_IDS))
    parser.add_argument("--revision", help="Hub revision (branch, tag or commit) for --model")
    parser.add_argument("--reference", metavar="CASES_JSON", help="write diffusers reference outputs for these cases")
    parser.add_argument("--out", required=True, help="bundle folder")
    parser.add_argument("--precision", default="fp32", help="fp32 (default) or fp16")
    parser.add_argument("--force", action="store_true", help="replace an --out folder holding something else")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--fast", action="store_true", help="also write the fast-mode graphs and manifest block")
    mode.add_argument("--add-fast", action="store_true", help="add the fast-mode graphs to the bundle in --out")
    parser.add_argument("--fast-unet", default="matmul", choices=fast.UNET_METHODS, help="UNet int8 method")
    parser.add_argument("--fast-vae-decoder", action="store_true", help="also an int8 (QDQ Conv) VAE decoder")
    parser.add_argument("--fast-vocoder", action="store_true", help="also an int8 (QDQ Conv) vocoder")
    parser.add_argument("--guidance-timesteps", metavar="LO,HI|none", default=guidance,
                        help=f"fast mode's guidance interval (default {guidance})")
    parser.add_argument("--fast-eval-length", type=float, metavar="S", help="error cases' audio length "
                        "(default: the bundle's default_audio_length_s)")
    parser.add_argument("--fast-eval-steps", type=int, default=fast.EVAL["steps"], metavar="N",
                        help=f"error cases' dpm++2m steps (default {fast.EVAL['steps']})")
    parser.add_argument("--fast-eval-cases", type=int, metavar="N", help="only the first N error cases "
                        f"(default all {len(fast.eval_cases(1.0))})")
    args = parser.parse_args(argv)
    fast_options = ("fast_vae_decoder", "fast_vocoder", "fast_eval_length", "fast_eval_cases")
    if not (args.fast or args.add_fast) and (any(getattr(args, o) for o in fast_options)
                                             or args.fast_unet != "matmul" or args.guidance_timesteps != guidance
                                             or args.fast_eval_steps != fast.EVAL["steps"]):
        parser.error("the --fast-* and --guidance-timesteps options apply with --fast or --add-fast only")
    try:
        args.guidance_timesteps = fast.parse_guidance_timesteps(args.guidance_timesteps)
    except ValueError as exc:
        parser.error(f"--guidance-timesteps: {exc}")
    if (args.fast or args.add_fast) and (args.reference or args.precision != "fp32"):
        parser.error("--fast and --add-fast make int8 graphs from an fp32 bundle: no --reference, no --precision")
    if args.add_fast and args.force:
        parser.error("--add-fast changes no exact file; --force does not apply")
    if args.precision not in PRECISIONS:
        parser.error(f"unknown --precision {args.precision!r}; use one of {', '.join(PRECISIONS)}")
    if args.random_weights and args.random_weights not in RANDOM_WEIGHT_IDS:
        parser.error(f"--random-weights knows {', '.join(RANDOM_WEIGHT_IDS)}, not {args.random_weights!r}")
    if args.revision and not args.model:
        parser.error("--revision applies to --model only")
    if args.reference and args.precision != "fp32":
        parser.error("--reference runs diffusers in float32; --precision does not apply")
    return args


def resolve_source(args, out: Path):
    """Returns (diffusers folder, manifest source block, bundle name), building a random pipeline if asked."""
    from audioldm2_export import configs, source, tiny

    if args.model:
        folder, src = source.resolve_model(args.model, args.revision)
        return folder, src, out.name
    if args.tiny_random:
        spec, folder, kind, model_id = configs.tiny_spec(), TINY_DIFFUSERS, "tiny-random", "tiny-random"
        shown = TINY_DIFFUSERS.relative_to(REPO).as_posix()
    else:
        spec = configs.RANDOM_WEIGHT_SPECS[args.random_weights]()
        folder, kind, model_id = out.parent / f"{out.name}-diffusers", "random-weights", args.random_weights
        shown = str(folder)
    tiny.build_pipeline(spec, folder)
    return folder, {"kind": kind, "id": model_id, "folder": shown, "folder_sha256": source.folder_sha256(folder),
                    "weights": "seeded random", "tokenizers": tiny.TOKENIZER_NOTE}, out.name


def add_fast(fast, args, pipe, out: Path, src: dict) -> dict:
    return fast.add_fast(pipe, out, src, unet_method=args.fast_unet, vae_decoder=args.fast_vae_decoder,
                         vocoder=args.fast_vocoder, interval=args.guidance_timesteps,
                         eval_length_s=args.fast_eval_length, eval_steps=args.fast_eval_steps,
                         eval_count=args.fast_eval_cases)


def run(argv) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    try:
        from audioldm2_export import bundle, fast, reference, source

        if args.reference:
            cases = reference.read_cases(Path(args.reference))  # fail on a bad case file before any heavy work
        folder, src, name = resolve_source(args, out)
        if args.reference:
            manifest = reference.check_bundle(out, src, force=args.force)
            reference.write_references(source.load_pipeline(folder), cases, out, manifest)
        elif args.add_fast:
            if bundle.mf.read_manifest(out) is None:  # before loading the pipeline
                raise ExportError(f"--out {out}: holds no bundle (manifest.json) to add the fast graphs to")
            add_fast(fast, args, source.load_pipeline(folder), out, src)
        else:
            kept_reference = bundle.prepare_out_dir(out, src, args.force)
            pipe = source.load_pipeline(folder)
            bundle.export_bundle(pipe, folder, out, src, name, args.precision, kept_reference)
            if args.fast:
                add_fast(fast, args, pipe, out, src)
        bundle.log(f"done: {out}")
        return 0
    except ExportError as exc:
        sys.stderr.write(f"export_onnx.py: error: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
