"""Where one ONNX Runtime run of a graph spends its time, by operator type (ORT's own profiler).

  python scripts/bench/ort_profile.py --graph build/full-random/unet.onnx [--threads 2] [--level all]

Feeds random inputs of the benchmark shapes (10.24 s of audio, CFG batch 2), runs once untimed, once profiled, and
prints one JSON object: total kernel time and the share per op type, largest first.
"""
import argparse
import json
import os
import tempfile
from collections import defaultdict

import numpy as np
import onnxruntime as ort

SHAPES = {  # input name -> (shape, dtype) at 10.24 s, CFG batch 2, T5 length 9
    "sample": ((2, 8, 256, 16), np.float32), "timestep": ((), np.int64),
    "encoder_hidden_states": ((2, 8, 768), np.float32), "encoder_hidden_states_1": ((2, 9, 1024), np.float32),
    "encoder_attention_mask_1": ((2, 9), np.int64), "latents": ((1, 8, 256, 16), np.float32),
    "mel": ((1, 1024, 64), np.float32),
}
LEVELS = {"all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL, "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graph", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--level", default="all", choices=sorted(LEVELS))
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    so.graph_optimization_level = LEVELS[args.level]
    so.enable_profiling = True
    so.profile_file_prefix = os.path.join(tempfile.mkdtemp(), "ort")
    session = ort.InferenceSession(args.graph, so, providers=["CPUExecutionProvider"])
    feed = {}
    for i in session.get_inputs():
        shape, dtype = SHAPES[i.name]
        feed[i.name] = (np.ones(shape, dtype) if dtype == np.int64 else rng.standard_normal(shape).astype(dtype))
    feed.get("timestep", np.zeros(())).fill(500)
    session.run(None, feed)
    session.run(None, feed)
    with open(session.end_profiling()) as fh:
        events = json.load(fh)
    runs = [e for e in events if e.get("name") == "model_run"]
    last_run_start = runs[-1]["ts"]
    per_op = defaultdict(int)
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time") and e["ts"] >= last_run_start:
            per_op[e["args"]["op_name"]] += e["dur"]
    total = sum(per_op.values())
    print(json.dumps({"graph": args.graph, "level": args.level, "threads": args.threads,
                      "model_run_ms": runs[-1]["dur"] / 1000, "kernel_ms": total / 1000,
                      "share_by_op": {op: round(us / total, 4) for op, us in
                                      sorted(per_op.items(), key=lambda kv: -kv[1])[:12]}}, indent=1))


if __name__ == "__main__":
    main()
