"""How the graphs of graphs.py become ONNX files: tracing, the exporters' clean-up, and saving with external data.

The graphs are traced with the legacy TorchScript exporter (opset 17), except the UNet, which goes through
torch.export and the dynamo ONNX exporter (opset 18): the same arithmetic (within 2e-6), but a graph without the
tracer's per-reshape shape arithmetic, which ONNX Runtime plans and loads 2.5-3x faster (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import onnx
import torch

from .graphs import GraphDef

OPSET = 17
DYNAMO_OPSET = 18  # the dynamo exporter's lowest
# Graphs whose weights pass this keep them in ONNX external data (<graph>.onnx.data): ONNX Runtime then maps the
# weights instead of parsing them out of the protobuf (full-size bundle, Java: first start 13.4 -> 7.9 s at 4.8 GB
# peak instead of 8.4 GB, start without the graph cache 6.5-9.3 -> 5.0 s), and protobuf's 2 GB cap never applies.
# The tiny test bundle's graphs stay single files.
EXTERNAL_DATA_BYTES = 64 * 2**20


def export_graph(graph: GraphDef, out_dir: Path, seed: int = 0) -> Path:
    """Traces `graph` at its export shape and writes `<name>.onnx` into `out_dir`."""
    path = Path(out_dir) / graph.file
    inputs = graph.make_inputs(graph.export_shape, torch.Generator().manual_seed(seed))
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        # The exporters write graphs over 2 GB with external data files: export into a scratch folder,
        # then save as one graph file (plus one <graph>.onnx.data when large).
        traced = Path(tmp) / graph.file
        with torch.no_grad(), graph.trace_context():
            if graph.exporter == "dynamo":
                _export_dynamo(graph, inputs, traced)
            else:
                torch.onnx.export(graph.module.eval(), inputs, str(traced), dynamo=False, opset_version=OPSET,
                                  input_names=graph.input_names, output_names=graph.output_names,
                                  dynamic_axes=graph.dynamic_axes, do_constant_folding=True)
            outputs = graph.module(*inputs)
        model = onnx.load(str(traced))
        if graph.exporter == "dynamo":
            _name_dims(model, graph)
            _name_nodes_by_module(model)
            # intermediate shapes as torch.export saw them: ONNX Runtime infers its own, and stale entries break
            # onnx shape inference once quantize_unet rewrites weights into QDQ pairs
            del model.graph.value_info[:]
        _pin_static_output_dims(model, graph, outputs if isinstance(outputs, tuple) else (outputs,))
        save(model, path)
    return path


def save(model, path: Path) -> None:
    """Writes `model` to `path`, its weights to `<path>.data` when over EXTERNAL_DATA_BYTES; the data file gets the
    graph file's permissions (onnx creates it owner-only, which a service running as another user could not read)."""
    external = sum(t.ByteSize() for t in model.graph.initializer) > EXTERNAL_DATA_BYTES
    data_file = path.with_name(path.name + ".data")
    if data_file.exists():
        data_file.unlink()
    onnx.save(model, str(path), save_as_external_data=external, all_tensors_to_one_file=True,
              location=data_file.name, size_threshold=1024)
    if external:
        data_file.chmod(path.stat().st_mode & 0o777)


def _export_dynamo(graph: GraphDef, inputs: tuple, path: Path) -> None:
    """torch.export with every declared dynamic axis dynamic, then the dynamo ONNX exporter with its optimizer.
    (Handing the module straight to torch.onnx.export(dynamo=True) fails at the UNet's attention-mask broadcast.)"""
    from torch.export import Dim

    dynamic = tuple({axis: Dim.DYNAMIC for axis in graph.dynamic_axes.get(name, {})} or None
                    for name in graph.input_names)
    program = torch.export.export(graph.module.eval(), inputs, dynamic_shapes=dynamic, strict=False)
    exported = torch.onnx.export(program, (), dynamo=True, opset_version=DYNAMO_OPSET, optimize=True,
                                 input_names=graph.input_names, output_names=graph.output_names)
    exported.save(str(path), external_data=True)


def _name_dims(model, graph: GraphDef) -> None:
    """torch.export names symbolic dims s0, s1, ...: name the graph's inputs' and outputs' after dynamic_axes."""
    renamed = {}
    for value in [*model.graph.input, *model.graph.output]:
        dims = value.type.tensor_type.shape.dim
        for axis, name in graph.dynamic_axes.get(value.name, {}).items():
            if dims[axis].dim_param:
                renamed.setdefault(dims[axis].dim_param, name)
    for value in [*model.graph.input, *model.graph.output]:
        for dim in value.type.tensor_type.shape.dim:
            if dim.dim_param in renamed:
                dim.dim_param = renamed[dim.dim_param]


def _name_nodes_by_module(model) -> None:
    """Names each node /<module path>/<op type>[_k] as the TorchScript exporter does (e.g. /unet/conv_in/Conv), from
    the module hierarchy the dynamo exporter records per node, then drops that record (10 MB of text for the
    UNet). Tools select nodes by these names: precision.FP32_SUBGRAPHS, quantize_unet's fp32 convolutions."""
    used = {}
    for node in model.graph.node:
        scopes = next((p.value for p in node.metadata_props if p.key == "namespace"), "")
        path, parent = [], ""
        for scope in scopes.split("/")[1:-1]:          # root wrapper first, the node's own fx name last
            qualified = scope.split(":", 1)[0].strip()
            path.append(qualified[len(parent) + 1:] if parent and qualified.startswith(parent + ".") else qualified)
            parent = qualified
        base = "/" + "/".join(path + [node.op_type])
        count = used.get(base, 0)
        used[base] = count + 1
        node.name = base if count == 0 else f"{base}_{count}"
        del node.metadata_props[:]


def _pin_static_output_dims(model, graph: GraphDef, outputs: tuple) -> None:
    """The tracer names some static output dims after the op that made them (e.g. "Divaudio_embeds_dim_1").
    Every dim not declared dynamic is static: write its traced size, so the manifest shows numbers."""
    for value, traced in zip(model.graph.output, outputs):
        dynamic = graph.dynamic_axes.get(value.name, {})
        for axis, dim in enumerate(value.type.tensor_type.shape.dim):
            if axis not in dynamic:
                dim.Clear()
                dim.dim_value = int(traced.shape[axis])
