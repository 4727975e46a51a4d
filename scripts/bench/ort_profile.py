"""Where one ONNX Runtime run of a graph spends its time, and how close that is to what this CPU can do.

  python scripts/bench/ort_profile.py --graph build/full-random/unet.onnx [--threads 2] [--level all]
  python scripts/bench/ort_profile.py --peak [--threads 2]

--graph: feeds random inputs of the benchmark shapes (10.24 s of audio, CFG batch 2), runs once untimed, once
profiled (ORT's own profiler, the file `SessionOptions.enableProfiling` writes in Java too), and prints one JSON
object: total kernel time, the share per op type, and for the arithmetic ops (MatMul/Gemm and Conv families) the
floating-point work each did and the rate it ran at (GFLOP/s). FLOPs are counted from the shapes the profiler
records (2 per multiply-add; prepacked weights are not listed, so a MatMul's work comes from its first input and its output).

--peak: the rate ORT reaches on large, well-shaped problems on this CPU: an fp32 MatMul, an fp32 3x3 Conv, and the
int8 MatMulInteger (u8 x s8) the dynamic-quantised bundle uses. A graph whose arithmetic already runs near the fp32
peak cannot be made much faster in fp32; only fewer operations or cheaper ones (int8, bf16) can.
"""
import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from math import prod

import numpy as np
import onnxruntime as ort

SHAPES = {  # input name -> (shape, dtype) at 10.24 s, CFG batch 2, T5 length 9
    "sample": ((2, 8, 256, 16), np.float32), "timestep": ((), np.int64),
    "encoder_hidden_states": ((2, 8, 768), np.float32), "encoder_hidden_states_1": ((2, 9, 1024), np.float32),
    "encoder_attention_mask_1": ((2, 9), np.int64), "latents": ((1, 8, 256, 16), np.float32),
    "mel": ((1, 1024, 64), np.float32),
}
LEVELS = {"all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL, "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED}
MATMUL_OPS = {"MatMul", "FusedMatMul", "Gemm", "MatMulInteger", "DynamicQuantizeMatMul", "MatMulIntegerToFloat"}
CONV_OPS = {"Conv", "FusedConv", "QLinearConv", "ConvInteger"}


def shapes(entries):
    return [next(iter(entry.values())) for entry in entries or []]


def flops(op, inputs, outputs):
    """2 x multiply-adds of one arithmetic node from its recorded shapes; 0 for anything else."""
    if not outputs or not inputs:
        return 0
    out = outputs[0]
    if op in MATMUL_OPS:
        # inner size from A's size, not its last axis: FusedMatMul may read A transposed
        return 2 * prod(inputs[0]) * out[-1]
    if op in CONV_OPS and len(inputs) > 1 and len(out) > 1:
        # weight: [C_out, C_in / groups, k...] (or a blocked layout of the same size): MACs per output = size / C_out
        return 2 * prod(out) * prod(inputs[1]) // out[1]
    if op == "ConvTranspose" and len(inputs) > 1 and len(inputs[1]) > 1 and len(inputs[0]) > 1:
        # weight: [C_in, C_out / groups, k...]: every input element meets C_out / groups x k weights
        return 2 * prod(inputs[0]) * prod(inputs[1]) // inputs[1][0]
    return 0


def op_class(op):
    return "matmul" if op in MATMUL_OPS else "conv" if op in CONV_OPS | {"ConvTranspose"} else None


def profile(args):
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
    per_class = defaultdict(lambda: {"us": 0, "flop": 0})
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time") and e["ts"] >= last_run_start:
            op = e["args"]["op_name"]
            per_op[op] += e["dur"]
            cls = op_class(op)
            if cls:
                per_class[cls]["us"] += e["dur"]
                per_class[cls]["flop"] += flops(op, shapes(e["args"].get("input_type_shape")),
                                                shapes(e["args"].get("output_type_shape")))
    total = sum(per_op.values())
    arithmetic = {cls: {"ms": v["us"] / 1000, "share": round(v["us"] / total, 4), "gflop": round(v["flop"] / 1e9, 1),
                        "gflop_per_s": round(v["flop"] / v["us"] / 1e3, 1)} for cls, v in per_class.items()}
    print(json.dumps({"graph": args.graph, "level": args.level, "threads": args.threads, "ort": ort.__version__,
                      "model_run_ms": runs[-1]["dur"] / 1000, "kernel_ms": total / 1000,
                      "gflop": round(sum(v["flop"] for v in per_class.values()) / 1e9, 1),
                      "arithmetic": arithmetic,
                      "share_by_op": {op: round(us / total, 4) for op, us in
                                      sorted(per_op.items(), key=lambda kv: -kv[1])[:12]}}, indent=1))


def peak(args):
    """GFLOP/s of ORT on large single-op graphs (fp32 MatMul, fp32 Conv 3x3, int8 MatMulInteger)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    n = 2048
    cases = {
        "matmul_fp32": (helper.make_node("MatMul", ["x", "w"], ["y"]), TensorProto.FLOAT,
                        rng.standard_normal((n, n), dtype=np.float32), (1, n, n), np.float32, 2 * n ** 3),
        "conv3x3_fp32": (helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1]), TensorProto.FLOAT,
                         rng.standard_normal((256, 256, 3, 3), dtype=np.float32), (1, 256, 128, 64), np.float32,
                         2 * 256 * 128 * 64 * 256 * 9),
        "matmul_int8_u8s8": (helper.make_node("MatMulInteger", ["x", "w"], ["y"]), TensorProto.UINT8,
                             rng.integers(-127, 128, (n, n), dtype=np.int8), (1, n, n), np.uint8, 2 * n ** 3),
    }
    results = {}
    for name, (node, x_type, weight, x_shape, x_dtype, work) in cases.items():
        y_type = TensorProto.INT32 if x_type == TensorProto.UINT8 else TensorProto.FLOAT
        graph = helper.make_graph([node], name, [helper.make_tensor_value_info("x", x_type, x_shape)],
                                  [helper.make_tensor_value_info("y", y_type, None)],
                                  [numpy_helper.from_array(weight, "w")])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
        so = ort.SessionOptions()
        so.intra_op_num_threads = args.threads
        session = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
        x = (rng.integers(0, 256, x_shape, dtype=np.uint8) if x_dtype == np.uint8
             else rng.standard_normal(x_shape, dtype=np.float32))
        session.run(None, {"x": x})
        times = []
        for _ in range(5):
            start = time.perf_counter()
            session.run(None, {"x": x})
            times.append(time.perf_counter() - start)
        results[name] = {"gflop_per_s": round(work / min(times) / 1e9, 1), "best_s": round(min(times), 4)}
    print(json.dumps({"threads": args.threads, "ort": ort.__version__, "onnx": onnx.__version__, "peak": results},
                     indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--graph")
    what.add_argument("--peak", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--level", default="all", choices=sorted(LEVELS))
    args = ap.parse_args()
    if args.peak:
        peak(args)
    else:
        profile(args)


if __name__ == "__main__":
    main()
