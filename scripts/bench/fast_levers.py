"""Fast-mode levers measured on diffusers itself: each lever's (and each combination's) log-mel error against exact
mode for the same cases and seeds, and the UNet time it leaves, in one process.

  PYTHONPATH=scripts .venv/bin/python -m bench.fast_levers --bundle build/full-random \
      --levers none,bf16,int8,gi:200-800,dc:3,int8+gi:200-800 --length 2.56 --steps 25 --cases 2

Levers (combine with "+"):
  none        no lever, through the split forward DeepCache uses: its error must be 0 (checks that forward)
  bf16        the UNet in bfloat16 (PyTorch's own fast mode: the quality anchor of issue 15)
  int8        the bundle's fast UNet (fast/unet.onnx) in place of the torch UNet
  gi:LO-HI    fast mode's guidance interval (audioldm2_export.fast.guided_unet): guidance only at LO <= t <= HI
  dc:N        DeepCache (Ma et al. 2023): every N-th UNet call (the first included) runs the whole UNet and keeps
              the input of its last up block; the calls between run only conv_in, the first down block (without
              its downsampler), the last up block on the kept feature and conv_out
  steps:K     K denoising steps instead of --steps (judged against exact at --steps)

Cases, metric and exact mode are the exporter's (audioldm2_export/fast.py: eval_cases, case_mel, mel_error), so a
row here and the manifest's fast.error measure the same thing. "UNet time" is the sum of the UNet calls' wall
times over exact's, from this process: a speed proxy, meaningful only on a quiet machine. Random weights: every
error here is a proxy to re-measure on a real checkpoint.
"""
import argparse
import json
import time
from pathlib import Path

from audioldm2_export import fast
from bench import workload


def parse_levers(text):
    levers = {}
    for part in text.split("+"):
        name, _, value = part.partition(":")
        if name in ("none", "bf16", "int8"):
            levers[name] = True
        elif name == "gi":
            lo, hi = value.split("-")
            levers["gi"] = (int(lo), int(hi))
        elif name in ("dc", "steps"):
            levers[name] = int(value)
        else:
            raise SystemExit(f"unknown lever {part!r}: none, bf16, int8, gi:LO-HI, dc:N or steps:K")
    return levers


def unet_pass(unet, sample, timestep, ehs, ehs1, mask1, cached=None):
    """AudioLDM2UNet2DConditionModel.forward without its unused options, split for DeepCache: with cached=None the
    whole UNet (returning its output and the last up block's input), else the shallow path on the cached feature."""
    import torch

    mask = ((1 - mask1.to(sample.dtype)) * -10000.0).unsqueeze(1)
    timesteps = torch.as_tensor(timestep).reshape(1).expand(sample.shape[0])
    emb = unet.time_embedding(unet.time_proj(timesteps).to(sample.dtype))
    if unet.time_embed_act is not None:
        emb = unet.time_embed_act(emb)
    cross = dict(encoder_hidden_states=ehs, encoder_attention_mask=None, encoder_hidden_states_1=ehs1,
                 encoder_attention_mask_1=mask)
    h = unet.conv_in(sample)
    res = (h,)
    if cached is None:
        for block in unet.down_blocks:
            if getattr(block, "has_cross_attention", False):
                h, r = block(hidden_states=h, temb=emb, **cross)
            else:
                h, r = block(hidden_states=h, temb=emb)
            res += r
        h = unet.mid_block(h, emb, **cross)
        for block in unet.up_blocks[:-1]:
            skip, res = res[-len(block.resnets):], res[:-len(block.resnets)]
            size = res[-1].shape[2:]    # diffusers' size-based up-sampling: any latent height
            if getattr(block, "has_cross_attention", False):
                h = block(hidden_states=h, temb=emb, res_hidden_states_tuple=skip, upsample_size=size, **cross)
            else:
                h = block(hidden_states=h, temb=emb, res_hidden_states_tuple=skip, upsample_size=size)
        feature = h
    else:
        first = unet.down_blocks[0]
        downsamplers, first.downsamplers = first.downsamplers, None     # its output feeds only the deep path
        try:
            _, r = first(hidden_states=h, temb=emb)
        finally:
            first.downsamplers = downsamplers
        res += r
        feature = cached
    last = unet.up_blocks[-1]
    h = last(hidden_states=feature, temb=emb, res_hidden_states_tuple=res[-len(last.resnets):])
    if unet.conv_norm_out is not None:
        h = unet.conv_act(unet.conv_norm_out(h))
    return unet.conv_out(h), feature


def split_unet(unet, interval):
    """A UNet forward (diffusers' signature) through unet_pass; with interval N, DeepCache every N calls."""
    import torch

    state = {"calls": 0, "feature": None}

    def call(sample, timestep, encoder_hidden_states=None, encoder_hidden_states_1=None,
             encoder_attention_mask_1=None, return_dict=False):
        full = interval is None or state["calls"] % interval == 0
        cached = None if full else state["feature"]
        if cached is not None and cached.shape[0] != sample.shape[0]:
            # the guidance interval changed the batch since the full call: [uncond, cond] <-> [cond]
            cached = cached[cached.shape[0] // 2:] if cached.shape[0] > sample.shape[0] else torch.cat([cached] * 2)
        out, feature = unet_pass(unet, sample, timestep, encoder_hidden_states, encoder_hidden_states_1,
                                 encoder_attention_mask_1, cached)
        if full:
            state["feature"] = feature
        state["calls"] += 1
        return (out,)

    return call


def timed(forward, calls):
    def call(*args, **kwargs):
        start = time.perf_counter()
        try:
            return forward(*args, **kwargs)
        finally:
            calls.append(time.perf_counter() - start)
    return call


def run(pipe, cases, config, levers, bundle):
    """Every case's mel under these levers, and the UNet calls' times."""
    calls = []
    if levers.get("bf16"):
        unet = fast.bf16_unet(pipe)
    elif levers.get("int8"):
        unet = fast.onnx_unet(bundle / fast.FAST_DIR / "unet.onnx")
    elif levers.get("none") or "dc" in levers:
        unet = split_unet(pipe.unet, levers.get("dc"))
    else:
        unet = None
    mels = []
    for case in cases:
        if "steps" in levers:
            case = {**case, "steps": levers["steps"]}
        forward = unet if unet is not None else pipe.unet.forward
        if "dc" in levers:
            forward = split_unet(pipe.unet, levers["dc"])     # a fresh cache per case
        wrapped = timed(fast.guided_unet(forward, levers["gi"], case["guidance_scale"] > 1) if "gi" in levers
                        else forward, calls)
        with fast.swapped(pipe, unet=wrapped):
            mels.append(fast.case_mel(pipe, case, config))
    return mels, calls


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", type=Path, required=True, help="fp32 bundle with a fast block (its source folder "
                    "is the diffusers pipeline)")
    ap.add_argument("--diffusers", type=Path, help="default: the manifest's source.folder")
    ap.add_argument("--levers", required=True, help="comma-separated lever sets, e.g. bf16,gi:200-800,dc:3")
    ap.add_argument("--length", type=float, default=workload.DURATION_S, help="seconds of audio per case")
    ap.add_argument("--steps", type=int, default=25)
    ap.add_argument("--cases", type=int, default=2)
    ap.add_argument("--threads", type=int, default=workload.THREADS)
    ap.add_argument("--out", type=Path, help="append each row (JSON lines)")
    args = ap.parse_args()

    import torch

    from audioldm2_export.source import load_pipeline

    torch.set_num_threads(args.threads)
    manifest = json.loads((args.bundle / "manifest.json").read_text())
    pipe = load_pipeline(str(args.diffusers or manifest["source"]["folder"]))
    cases = fast.eval_cases(args.length, args.steps, args.cases)
    exact, exact_calls = run(pipe, cases, manifest["config"], {}, args.bundle)
    print(json.dumps({"levers": "exact", "unet_s": sum(exact_calls), "calls": len(exact_calls)}), flush=True)
    for spec in args.levers.split(","):
        mels, calls = run(pipe, cases, manifest["config"], parse_levers(spec), args.bundle)
        row = {"levers": spec, **fast.mel_error(mels, exact), "unet_time": sum(calls) / sum(exact_calls),
               "calls": len(calls), "length_s": args.length, "steps": args.steps, "cases": len(cases),
               "threads": args.threads, "torch": torch.__version__, "note": "random weights: a proxy"}
        print(json.dumps(row), flush=True)
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            with args.out.open("a") as f:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
