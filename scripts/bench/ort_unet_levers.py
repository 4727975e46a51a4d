"""One CFG UNet call (B=2, 10.24 s of audio) under ONNX Runtime session variants: the session-level levers of
docs/PERFORMANCE.md, measured in isolation from the rest of the pipeline.

  python scripts/bench/ort_unet_levers.py --bundle build/full-random [--int8 build/full-random-int8unet] \
      [--variants base,no_spin,...] [--calls 4]

Each variant: a fresh session (creation timed), one untimed call, then --calls timed calls; prints one JSON line per
variant with the median and min-max. Python onnxruntime shares its native core with ORT Java (same kernels).
"""
import argparse
import gc
import json
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort


def rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def inputs(batch, t5_len=9, seed=0):
    rng = np.random.default_rng(seed)
    return {"sample": rng.standard_normal((batch, 8, 256, 16), dtype=np.float32),
            "timestep": np.asarray(500, dtype=np.int64),
            "encoder_hidden_states": rng.standard_normal((batch, 8, 768), dtype=np.float32),
            "encoder_hidden_states_1": rng.standard_normal((batch, t5_len, 1024), dtype=np.float32),
            "encoder_attention_mask_1": np.ones((batch, t5_len), dtype=np.int64)}


def options(threads, level=ort.GraphOptimizationLevel.ORT_ENABLE_ALL, spinning=True, arena=True, mem_pattern=True,
            prepacking=True):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = level
    so.enable_cpu_mem_arena = arena
    so.enable_mem_pattern = mem_pattern
    so.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    if not prepacking:
        so.add_session_config_entry("session.disable_prepacking", "1")
    return so


def variants(threads):
    all_opt = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return {
        "base": ("fp32", options(threads), 2),
        "no_spin": ("fp32", options(threads, spinning=False), 2),
        "extended": ("fp32", options(threads, level=ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED), 2),
        "no_arena": ("fp32", options(threads, arena=False), 2),
        "no_mem_pattern": ("fp32", options(threads, mem_pattern=False), 2),
        "no_prepacking": ("fp32", options(threads, prepacking=False), 2),
        "cfg_split": ("fp32", options(threads, level=all_opt), 1),   # two B=1 calls instead of one B=2
        "int8": ("int8", options(threads), 2),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--int8", help="bundle from scripts/quantize_unet.py")
    ap.add_argument("--variants", default="base,no_spin,extended,no_prepacking,cfg_split,int8")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--calls", type=int, default=4)
    args = ap.parse_args()
    table = variants(args.threads)
    for name in args.variants.split(","):
        model, so, batch = table[name]
        if model == "int8" and not args.int8:
            continue
        path = Path(args.int8 if model == "int8" else args.bundle) / "unet.onnx"
        gc.collect()
        before = rss_mb()
        start = time.perf_counter()
        session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        create_s = time.perf_counter() - start
        session_mb = rss_mb() - before
        feed = inputs(batch)
        calls_per_step = 2 // batch
        session.run(None, feed)
        times = []
        for _ in range(args.calls):
            start = time.perf_counter()
            for _ in range(calls_per_step):
                session.run(None, feed)
            times.append(time.perf_counter() - start)
        print(json.dumps({"variant": name, "step_s": statistics.median(times), "min_s": min(times),
                          "max_s": max(times), "create_s": create_s, "session_mb": session_mb,
                          "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                          "ort": ort.__version__, "threads": args.threads}), flush=True)
        del session
    return 0


if __name__ == "__main__":
    main()
