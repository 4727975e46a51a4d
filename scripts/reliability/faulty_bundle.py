"""A copy of the tiny bundle whose vocoder graph fails inside OrtSession.run for some input sizes only: an extra
Reshape of the mel input to [-1, DIVISOR, 64] (then back to the input's own shape) is a no-op when batch x frames
divides by DIVISOR and a run-time error ("Reshape ... cannot reshape") otherwise. No test hook is in the service:
the graph itself fails, as a real runtime fault would. The manifest's sha256 and bytes for vocoder.onnx are
rewritten so the bundle still passes the service's checks at start."""

import hashlib
import json
import shutil

import onnx
from onnx import TensorProto, helper

from .common import TINY_BUNDLE


def build(target, divisor):
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(TINY_BUNDLE, target)
    path = target / "vocoder.onnx"
    model = onnx.load(path)
    graph = model.graph
    source = graph.input[0].name  # "mel": [batch, frames, mel_bins]
    bins = graph.input[0].type.tensor_type.shape.dim[2].dim_value
    renamed = source + "__checked"
    for node in graph.node:
        node.input[:] = [renamed if name == source else name for name in node.input]
    graph.initializer.append(helper.make_tensor("fault__shape", TensorProto.INT64, [3], [-1, divisor, bins]))
    nodes = [helper.make_node("Reshape", [source, "fault__shape"], ["fault__grouped"], name="fault_reshape"),
             helper.make_node("Shape", [source], ["fault__original_shape"], name="fault_shape"),
             helper.make_node("Reshape", ["fault__grouped", "fault__original_shape"], [renamed], name="fault_back")]
    for node in reversed(nodes):
        graph.node.insert(0, node)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    manifest_path = target / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    data = path.read_bytes()
    manifest["files"]["vocoder.onnx"] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return target
