"""fp16 bundles for GPUs: float16 weights and arithmetic inside, float32 at every graph input and output
(keep_io_types), so the Java side feeds and reads float32 whatever the precision.

Some graphs stay float32, each for a stated reason (manifest "fp32_kept"):
- always: the parts known to be fragile in half precision (FRAGILE below);
- measured: any other graph whose fp16 validation error exceeds FP16_REL_TOLERANCE or gives non-finite values
  (an overflow); the exporter then re-exports it in float32 and records the measured error as the reason.
"""

from __future__ import annotations

from pathlib import Path

import onnx

from .onnx_files import save

FRAGILE = {
    "vae_encoder": "VAE: the AudioLDM VAE produced NaN in half precision (haoheliu/AudioLDM PR #42, 'Fix bug on VAE "
                   "NAN output'); the diffusers VAE config sets force_upcast=true",
    "vae_decoder": "VAE: the AudioLDM VAE produced NaN in half precision (haoheliu/AudioLDM PR #42, 'Fix bug on VAE "
                   "NAN output'); the diffusers VAE config sets force_upcast=true",
    "t5_encoder": "T5: activations of (flan-)T5 checkpoints exceed the float16 range (transformers clamps them to "
                  "65504 only when running T5 itself in fp16, a clamp the exported graph does not have)",
}

# fp16 keeps an 11-bit significand (relative step 4.9e-4 per operation); after tens of layers the error grows to
# about 1e-3 of the output scale (measured: see the manifest's validation block), so 1e-2 separates rounding
# from real faults (an overflow or a wrong branch gives errors of the output scale itself).
FP16_REL_TOLERANCE = 1e-2


# Subgraphs computed in float32 inside an fp16 graph, by node-name prefix. The UNet's sinusoidal timestep embedding
# multiplies the timestep (up to 999) by frequencies up to 1: in float16 those arguments are rounded to 0.5 rad, and
# the UNet's fp16 error grew linearly with the timestep (full-size, height 13: 8e-4 of the output scale at t=1,
# 4.8e-3 at t=999).
FP32_SUBGRAPHS = {"unet": "/unet/time_proj/"}


def convert_to_fp16(path: Path, graph_name: str) -> None:
    """Rewrites the graph at `path` (and its external data) with float16 internals and float32 I/O."""
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = onnx.load(str(path))
    converted = convert_float_to_float16(model, keep_io_types=True)
    if graph_name in FP32_SUBGRAPHS:
        _restore_fp32_subgraph(model, converted, FP32_SUBGRAPHS[graph_name])
    save(converted, path)


def _restore_fp32_subgraph(original, converted, prefix: str) -> None:
    """Replaces the converted nodes named `prefix`* by their float32 originals, casting the subgraph's outputs to
    float16 for their (converted) consumers. The subgraph's inputs from outside must not be floats, except
    initializers."""
    inside = [n for n in original.graph.node if n.name.startswith(prefix)]
    produced = {o for n in inside for o in n.output}
    consumed_outside = {i for n in original.graph.node if not n.name.startswith(prefix) for i in n.input} & produced
    float_types = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE}
    types = {v.name: v.type.tensor_type.elem_type for v in
             list(onnx.shape_inference.infer_shapes(original).graph.value_info) + list(original.graph.input)}
    initializers = {t.name: t for t in original.graph.initializer}
    # float initializers (e.g. the embedding's frequencies, constant-folded) are restored in float32 below
    for name in {i for n in inside for i in n.input} - produced - initializers.keys():
        if types.get(name) in float_types:
            raise ValueError(f"fp32 subgraph {prefix} takes the float input {name}")
    renamed = {name: f"{name}_fp32" for name in consumed_outside}
    kept = [n for n in converted.graph.node if not n.name.startswith(prefix)]
    restored = []
    for node in inside:
        copy = onnx.NodeProto()
        copy.CopyFrom(node)
        for i, name in enumerate(copy.output):
            copy.output[i] = renamed.get(name, name)
        for i, name in enumerate(copy.input):
            if name in initializers:  # the converter turned it into float16: bring the float32 one back
                converted.graph.initializer.append(onnx.numpy_helper.from_array(
                    onnx.numpy_helper.to_array(initializers[name]), f"{name}_fp32"))
                copy.input[i] = f"{name}_fp32"
        restored.append(copy)
    for name, fp32_name in renamed.items():
        restored.append(onnx.helper.make_node("Cast", [fp32_name], [name], name=f"{prefix}{name}_to_fp16",
                                              to=onnx.TensorProto.FLOAT16))
    del converted.graph.node[:]
    converted.graph.node.extend(_topological(kept + restored))
    stale = {o for n in inside for o in n.output} - set(renamed)
    values = [v for v in converted.graph.value_info if v.name not in stale]
    del converted.graph.value_info[:]
    converted.graph.value_info.extend(values)


def _topological(nodes):
    """ONNX requires producers before consumers."""
    produced_by = {o: n for n in nodes for o in n.output}
    ordered, done, visiting = [], set(), set()

    def visit(node):
        key = id(node)
        if key in done:
            return
        visiting.add(key)
        for name in node.input:
            producer = produced_by.get(name)
            if producer is not None and id(producer) not in done and id(producer) not in visiting:
                visit(producer)
        visiting.discard(key)
        done.add(key)
        ordered.append(node)

    for node in nodes:
        visit(node)
    return ordered
