"""PyTorch side of the benchmark: one process, one model load, a warm-up, then timed generations.

Prints one JSON object on stdout with per-stage seconds (lists, one entry per timed run), the model
load time and the process's peak RSS. Stage times come from wrapping the diffusers components, so
they measure the same work the Java side times per ONNX graph.

--device cuda --dtype float16 is diffusers' documented GPU setup (the GPU anchor): every stage boundary then waits
for the GPU (torch.cuda.synchronize) before reading the clock, and the report adds the peak GPU memory.

  PYTHONPATH=scripts .venv/bin/python -m bench.torch_side --model DIFFUSERS_FOLDER [--case ddim:10] ...
"""
import argparse
import json
import resource
import time
from collections import defaultdict
from pathlib import Path

import torch

from audioldm2_export.source import load_pipeline
from bench import workload

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
SCHEDULERS = {"ddim": "DDIMScheduler", "dpm++2m": "DPMSolverMultistepScheduler"}
# Stages timed by wrapping a component's method: (owner attribute of the pipeline or None, method, stage).
WRAPPED = [("text_encoder", "get_text_features", "text_encoding"), ("text_encoder_2", "forward", "text_encoding"),
           ("projection_model", "forward", "text_encoding"), (None, "generate_language_model", "language_model"),
           ("unet", "forward", "unet"), ("vae", "decode", "vae_decode"), ("vocoder", "forward", "vocoder")]


class StageTimer:
    """Accumulates wall time of wrapped callables into named stages for the current run, and the denoising loop's
    clock: its start (prepare_latents, as on the Java side) and every step's end."""

    def __init__(self, sync):
        self.sync = sync  # waits for queued GPU work, so that a stage's time is its own
        self.reset()

    def wrap(self, obj, attr, stage):
        original = getattr(obj, attr)

        def timed(*args, **kwargs):
            self.sync()
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.sync()
                elapsed = time.perf_counter() - start
                self.current[stage] += elapsed
                if stage == "unet":
                    self.unet_calls.append(elapsed)

        setattr(obj, attr, timed)

    def mark_denoise_start(self, obj, attr):
        original = getattr(obj, attr)

        def marked(*args, **kwargs):
            self.sync()
            self.denoise_start = time.perf_counter()
            return original(*args, **kwargs)

        setattr(obj, attr, marked)

    def step_end(self, *_):
        self.sync()
        self.step_ends.append(time.perf_counter())

    def reset(self):
        self.current = defaultdict(float)
        self.unet_calls = []
        self.step_ends = []
        self.denoise_start = None


def parse_case(spec):
    scheduler, _, steps = spec.partition(":")
    if scheduler not in SCHEDULERS or not steps.isdigit():
        raise SystemExit(f"--case {spec!r}: expected SCHEDULER:STEPS with SCHEDULER in {sorted(SCHEDULERS)}")
    return scheduler, int(steps)


def parse_args(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="diffusers folder")
    workload.add_arguments(ap)
    ap.add_argument("--case", default=workload.CASE, help="comma-separated SCHEDULER:STEPS, timed in order")
    ap.add_argument("--runs", type=int, default=workload.RUNS, help="timed runs per case")
    ap.add_argument("--device", default="cpu", help="torch device: cpu, cuda, cuda:1, ...")
    ap.add_argument("--dtype", default="float32", choices=sorted(DTYPES), help="dtype of the whole pipeline")
    ap.add_argument("--save-audio", type=Path, metavar="DIR",
                    help="write each case's last waveform to DIR/<case>.f32 (float32 little-endian)")
    return ap.parse_args(argv)


def instrumented_pipeline(args, sync):
    """Loads the pipeline (timed) and wraps its stages; returns (pipe, timer, schedulers by name, load seconds)."""
    import diffusers

    start = time.perf_counter()
    pipe = load_pipeline(args.model, DTYPES[args.dtype], args.device)
    sync()
    load_s = time.perf_counter() - start
    schedulers = {name: getattr(diffusers, cls).from_config(pipe.scheduler.config) for name, cls in SCHEDULERS.items()}
    timer = StageTimer(sync)
    for owner, method, stage in WRAPPED:
        timer.wrap(getattr(pipe, owner) if owner else pipe, method, stage)
    timer.mark_denoise_start(pipe, "prepare_latents")
    return pipe, timer, schedulers, load_s


def generate(pipe, timer, steps, args):
    with torch.inference_mode():
        return pipe(args.prompt, negative_prompt=args.negative_prompt, num_inference_steps=steps,
                    guidance_scale=args.guidance, audio_length_in_s=args.duration,
                    generator=torch.Generator("cpu").manual_seed(args.seed),
                    callback=timer.step_end, callback_steps=1).audios


def time_run(pipe, timer, steps, runs, args):
    """One timed generation with the pipeline's current scheduler, recorded into `runs` (stage -> seconds per run);
    returns the audio."""
    timer.reset()
    timer.sync()
    start = time.perf_counter()
    audio = generate(pipe, timer, steps, args)
    timer.sync()
    runs["end_to_end"].append(time.perf_counter() - start)
    for stage in ("text_encoding", "language_model", "vae_decode", "vocoder"):
        runs[stage].append(timer.current[stage])
    runs["denoising"].append(timer.step_ends[-1] - timer.denoise_start)
    # step = time between consecutive step ends (UNet, guidance and scheduler), as on the Java side
    steps_s = sorted(b - a for a, b in zip(timer.step_ends, timer.step_ends[1:]))
    if steps_s:
        runs["denoise_step"].append(steps_s[len(steps_s) // 2])
    runs["unet_call"].append(sorted(timer.unet_calls)[len(timer.unet_calls) // 2])
    return audio


def report(args, load_s, results, samples, on_gpu):
    import diffusers
    import transformers

    out = {"side": "pytorch", "threads": args.threads, "device": args.device, "dtype": args.dtype,
           "load_s": load_s, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "cases": results, "samples": samples, "torch_version": torch.__version__,
           "diffusers_version": diffusers.__version__, "transformers_version": transformers.__version__}
    if on_gpu:
        out["peak_device_mb"] = torch.cuda.max_memory_allocated(args.device) / 2**20
        out["device_name"] = torch.cuda.get_device_name(args.device)
    return out


def main(argv=None):
    args = parse_args(argv)
    cases = [parse_case(c) for c in args.case.split(",")]
    torch.set_num_threads(args.threads)
    on_gpu = args.device.startswith("cuda")
    pipe, timer, schedulers, load_s = instrumented_pipeline(args, torch.cuda.synchronize if on_gpu else lambda: None)
    if args.warmup_steps > 0:  # first-call allocations and lazy initialisation
        pipe.scheduler = schedulers[cases[0][0]]
        generate(pipe, timer, args.warmup_steps, args)
    results = {}
    for scheduler, steps in cases:
        pipe.scheduler = schedulers[scheduler]
        runs = defaultdict(list)
        for _ in range(args.runs):
            audio = time_run(pipe, timer, steps, runs, args)
        results[f"{scheduler}:{steps}"] = runs
        if args.save_audio:
            args.save_audio.mkdir(parents=True, exist_ok=True)
            audio[0].astype("<f4").tofile(args.save_audio / f"{scheduler}:{steps}.f32")
    print(json.dumps(report(args, load_s, results, int(audio.shape[-1]), on_gpu)))


if __name__ == "__main__":
    main()
