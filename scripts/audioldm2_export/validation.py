"""Runs every exported graph in onnxruntime (CPU) and its PyTorch module on the same random inputs.

The error of a graph is the largest absolute difference over all its outputs and validation shapes. It must stay
within `rel_tolerance * output_scale`, where output_scale is the largest |value| of PyTorch's outputs for that
shape: fp32 graphs differ from PyTorch only by operation order, about 1e-6 of the output scale, so 1e-4 leaves a
wide margin while still catching a wrong branch or a wrong input (those give errors of the output's own size).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .errors import ExportError
from .graphs import GraphDef

FP32_REL_TOLERANCE = 1e-4


def ort_session(path: Path, threads: int = 2):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def validate_graph(graph: GraphDef, onnx_path: Path, rel_tolerance: float = FP32_REL_TOLERANCE,
                   seed: int = 1) -> dict:
    """Returns the validation figures for one graph; raises ExportError when the tolerance is exceeded."""
    session = ort_session(onnx_path)
    worst = {"max_abs_err": 0.0, "output_scale": 0.0, "ratio": -1.0}
    shapes = []
    for shape in graph.validation_shapes:
        inputs = graph.make_inputs(shape, torch.Generator().manual_seed(seed))
        with torch.no_grad():
            expected = graph.module(*inputs)
        expected = expected if isinstance(expected, tuple) else (expected,)
        got = session.run(None, {n: t.numpy() for n, t in zip(graph.input_names, inputs)})
        err, scale = 0.0, 0.0
        for name, e, g in zip(graph.output_names, expected, got):
            e = e.numpy()
            if e.shape != g.shape:
                raise ExportError(f"{graph.name}: output {name} has shape {g.shape} in onnxruntime, "
                                  f"{e.shape} in PyTorch (inputs {shape})")
            if e.size:
                err = max(err, float(np.abs(g.astype(np.float64) - e.astype(np.float64)).max()))
                scale = max(scale, float(np.abs(e).max()))
        tolerance = rel_tolerance * max(scale, 1e-12)
        shapes.append({"shape": shape, "max_abs_err": err, "output_scale": scale})
        if not np.isfinite(err) or err > tolerance:
            raise ExportError(f"{graph.name}: onnxruntime differs from PyTorch by {err:.3g} at {shape}, "
                              f"over the tolerance {tolerance:.3g} ({rel_tolerance:g} x output scale {scale:.3g})")
        if err / max(scale, 1e-12) > worst["ratio"]:
            worst = {"max_abs_err": err, "output_scale": scale, "ratio": err / max(scale, 1e-12)}
    return {"max_abs_err": max(s["max_abs_err"] for s in shapes), "worst_relative_err": worst["ratio"],
            "rel_tolerance": rel_tolerance, "shapes": shapes}
