"""PyTorch side of the benchmark: one process, one model load, a warm-up, then timed generations.

Prints one JSON object on stdout with per-stage seconds (lists, one entry per timed run), the model
load time and the process's peak RSS. Stage times come from wrapping the diffusers components, so
they measure the same work the Java side times per ONNX graph.

--device cuda --dtype float16 is diffusers' documented GPU setup (the GPU anchor): every stage boundary then waits
for the GPU (torch.cuda.synchronize) before reading the clock, and the report adds the peak GPU memory.
"""
import argparse
import json
import resource
import time
from collections import defaultdict

import torch


DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def load_pipeline(folder, dtype=torch.float32, device="cpu"):
    from diffusers import AudioLDM2Pipeline
    from transformers import GPT2LMHeadModel

    pipe = AudioLDM2Pipeline.from_pretrained(folder, torch_dtype=dtype)
    # diffusers #12630: checkpoints store GPT2Model, which current transformers cannot drive through
    # generate_language_model; the same weights as GPT2LMHeadModel give identical hidden states.
    if type(pipe.language_model).__name__ == "GPT2Model":
        lm = GPT2LMHeadModel.from_pretrained(f"{folder}/language_model", torch_dtype=dtype)
        pipe.register_modules(language_model=lm)
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device)


class StageTimer:
    """Accumulates wall time of wrapped callables into named stages for the current run."""

    def __init__(self, sync):
        self.sync = sync  # waits for queued GPU work, so that a stage's time is its own
        self.current = defaultdict(float)
        self.unet_calls = []

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

    def reset(self):
        self.current = defaultdict(float)
        self.unet_calls = []


SCHEDULERS = {"ddim": "DDIMScheduler", "dpm++2m": "DPMSolverMultistepScheduler"}


def parse_case(spec):
    scheduler, _, steps = spec.partition(":")
    if scheduler not in SCHEDULERS or not steps.isdigit():
        raise SystemExit(f"--case {spec!r}: expected SCHEDULER:STEPS with SCHEDULER in {sorted(SCHEDULERS)}")
    return scheduler, int(steps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="diffusers folder")
    ap.add_argument("--prompt", default="Techno music with a strong, upbeat tempo and high melodic riffs")
    ap.add_argument("--negative-prompt", default="Low quality, average quality.")
    ap.add_argument("--duration", type=float, default=10.24)
    ap.add_argument("--guidance", type=float, default=3.5)
    ap.add_argument("--case", default="ddim:10", help="comma-separated SCHEDULER:STEPS, timed in order")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1, help="timed runs per case")
    ap.add_argument("--warmup-steps", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu", help="torch device: cpu, cuda, cuda:1, ...")
    ap.add_argument("--dtype", default="float32", choices=sorted(DTYPES), help="dtype of the whole pipeline")
    args = ap.parse_args()
    cases = [parse_case(c) for c in args.case.split(",")]

    torch.set_num_threads(args.threads)
    on_gpu = args.device.startswith("cuda")
    sync = torch.cuda.synchronize if on_gpu else (lambda: None)
    start = time.perf_counter()
    pipe = load_pipeline(args.model, DTYPES[args.dtype], args.device)
    sync()
    load_s = time.perf_counter() - start
    schedulers = {}
    import diffusers
    for name, cls in SCHEDULERS.items():
        schedulers[name] = getattr(diffusers, cls).from_config(pipe.scheduler.config)

    timer = StageTimer(sync)
    timer.wrap(pipe.text_encoder, "get_text_features", "text_encoding")
    timer.wrap(pipe.text_encoder_2, "forward", "text_encoding")
    timer.wrap(pipe.projection_model, "forward", "text_encoding")
    timer.wrap(pipe, "generate_language_model", "language_model")
    timer.wrap(pipe.unet, "forward", "unet")
    timer.wrap(pipe.vae, "decode", "vae_decode")
    timer.wrap(pipe.vocoder, "forward", "vocoder")
    step_ends = []
    denoise_start = []
    prepare_latents = pipe.prepare_latents

    def timed_prepare_latents(*a, **kw):  # the denoising stage starts here, as on the Java side
        sync()
        denoise_start.append(time.perf_counter())
        return prepare_latents(*a, **kw)

    def step_end(*_):
        sync()
        step_ends.append(time.perf_counter())

    pipe.prepare_latents = timed_prepare_latents

    def generate(scheduler, steps):
        pipe.scheduler = schedulers[scheduler]
        with torch.inference_mode():
            return pipe(args.prompt, negative_prompt=args.negative_prompt, num_inference_steps=steps,
                        guidance_scale=args.guidance, audio_length_in_s=args.duration,
                        generator=torch.Generator("cpu").manual_seed(args.seed),
                        callback=step_end, callback_steps=1).audios

    if args.warmup_steps > 0:  # first-call allocations and lazy initialisation
        generate(cases[0][0], args.warmup_steps)
    results = {}
    for scheduler, steps in cases:
        runs = defaultdict(list)
        for _ in range(args.runs):
            timer.reset()
            step_ends.clear()
            denoise_start.clear()
            sync()
            start = time.perf_counter()
            audio = generate(scheduler, steps)
            sync()
            runs["end_to_end"].append(time.perf_counter() - start)
            for stage in ("text_encoding", "language_model", "vae_decode", "vocoder"):
                runs[stage].append(timer.current[stage])
            runs["denoising"].append(step_ends[-1] - denoise_start[-1])
            # step = time between consecutive step ends (UNet, guidance and scheduler), as on the Java side
            steps_s = sorted(b - a for a, b in zip(step_ends, step_ends[1:]))
            if steps_s:
                runs["denoise_step"].append(steps_s[len(steps_s) // 2])
            runs["unet_call"].append(sorted(timer.unet_calls)[len(timer.unet_calls) // 2])
        results[f"{scheduler}:{steps}"] = runs
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import transformers
    report = {"side": "pytorch", "threads": args.threads, "device": args.device, "dtype": args.dtype,
              "load_s": load_s, "peak_rss_mb": peak_rss_mb, "cases": results, "samples": int(audio.shape[-1]),
              "torch_version": torch.__version__, "diffusers_version": diffusers.__version__,
              "transformers_version": transformers.__version__}
    if on_gpu:
        report["peak_device_mb"] = torch.cuda.max_memory_allocated(args.device) / 2**20
        report["device_name"] = torch.cuda.get_device_name(args.device)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
