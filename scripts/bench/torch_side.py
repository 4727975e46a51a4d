"""PyTorch side of the benchmark: one process, one model load, a warm-up, then timed generations.

Prints one JSON object on stdout with per-stage seconds (lists, one entry per timed run), the model
load time and the process's peak RSS. Stage times come from wrapping the diffusers components, so
they measure the same work the Java side times per ONNX graph.
"""
import argparse
import json
import resource
import time
from collections import defaultdict

import torch


def load_pipeline(folder):
    from diffusers import AudioLDM2Pipeline
    from transformers import GPT2LMHeadModel

    pipe = AudioLDM2Pipeline.from_pretrained(folder, torch_dtype=torch.float32)
    # diffusers #12630: checkpoints store GPT2Model, which current transformers cannot drive through
    # generate_language_model; the same weights as GPT2LMHeadModel give identical hidden states.
    if type(pipe.language_model).__name__ == "GPT2Model":
        lm = GPT2LMHeadModel.from_pretrained(f"{folder}/language_model", torch_dtype=torch.float32)
        pipe.register_modules(language_model=lm)
    pipe.set_progress_bar_config(disable=True)
    return pipe


class StageTimer:
    """Accumulates wall time of wrapped callables into named stages for the current run."""

    def __init__(self):
        self.current = defaultdict(float)
        self.unet_calls = []

    def wrap(self, obj, attr, stage):
        original = getattr(obj, attr)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                self.current[stage] += elapsed
                if stage == "unet":
                    self.unet_calls.append(elapsed)

        setattr(obj, attr, timed)

    def reset(self):
        self.current = defaultdict(float)
        self.unet_calls = []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="diffusers folder")
    ap.add_argument("--prompt", default="Techno music with a strong, upbeat tempo and high melodic riffs")
    ap.add_argument("--negative-prompt", default="Low quality, average quality.")
    ap.add_argument("--duration", type=float, default=10.24)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--guidance", type=float, default=3.5)
    ap.add_argument("--scheduler", default="ddim", choices=["ddim", "dpm++2m"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    pipe = load_pipeline(args.model)
    load_s = time.perf_counter() - start
    if args.scheduler == "dpm++2m":
        from diffusers import DPMSolverMultistepScheduler
        pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)

    timer = StageTimer()
    timer.wrap(pipe.text_encoder, "get_text_features", "text_encoding")
    timer.wrap(pipe.text_encoder_2, "forward", "text_encoding")
    timer.wrap(pipe.projection_model, "forward", "text_encoding")
    timer.wrap(pipe, "generate_language_model", "language_model")
    timer.wrap(pipe.unet, "forward", "unet")
    timer.wrap(pipe.vae, "decode", "vae_decode")
    timer.wrap(pipe.vocoder, "forward", "vocoder")

    def generate(steps):
        with torch.inference_mode():
            return pipe(args.prompt, negative_prompt=args.negative_prompt, num_inference_steps=steps,
                        guidance_scale=args.guidance, audio_length_in_s=args.duration,
                        generator=torch.Generator("cpu").manual_seed(args.seed)).audios

    generate(2)  # warm-up: first-call allocations and lazy initialisation
    runs = defaultdict(list)
    for _ in range(args.runs):
        timer.reset()
        start = time.perf_counter()
        audio = generate(args.steps)
        runs["end_to_end"].append(time.perf_counter() - start)
        for stage in ("text_encoding", "language_model", "vae_decode", "vocoder"):
            runs[stage].append(timer.current[stage])
        runs["denoise_step"].append(sorted(timer.unet_calls)[len(timer.unet_calls) // 2])
        runs["denoising"].append(timer.current["unet"])
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"side": "pytorch", "load_s": load_s, "peak_rss_mb": peak_rss_mb, "stages": runs,
                      "samples": int(audio.shape[-1]), "threads": args.threads}))


if __name__ == "__main__":
    main()
