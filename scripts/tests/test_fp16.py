"""fp16 bundles: float16 inside, float32 at the graph boundary, fragile parts kept in float32 with a reason."""

import json

import onnx
import pytest

import export_onnx
from audioldm2_export.precision import FP16_REL_TOLERANCE, FRAGILE


@pytest.fixture(scope="module")
def fp16_bundle(tiny_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("fp16") / "tiny-fp16"
    assert export_onnx.run(["--model", str(tiny_folder), "--out", str(out), "--precision", "fp16"]) == 0
    return out


def test_manifest_lists_kept_graphs_with_reasons(fp16_bundle):
    manifest = json.loads((fp16_bundle / "manifest.json").read_text())
    assert manifest["precision"] == "fp16"
    for name, reason in FRAGILE.items():
        assert manifest["fp32_kept"][name] == reason
        assert manifest["graphs"][name]["precision"] == "fp32"
    converted = [n for n, g in manifest["graphs"].items() if g["precision"] == "fp16"]
    assert "unet" in converted and "gpt2" in converted
    assert set(converted) | set(manifest["fp32_kept"]) == set(manifest["graphs"])


def test_converted_graphs_hold_fp16_weights_and_keep_float32_io(fp16_bundle):
    manifest = json.loads((fp16_bundle / "manifest.json").read_text())
    for name, graph in manifest["graphs"].items():
        model = onnx.load(str(fp16_bundle / graph["file"]))
        weight_types = {t.data_type for t in model.graph.initializer if t.data_type in
                        (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16) and len(t.dims)}
        if graph["precision"] == "fp16":
            assert onnx.TensorProto.FLOAT16 in weight_types, name
        else:
            assert onnx.TensorProto.FLOAT16 not in weight_types, name
        for value in graph["inputs"] + graph["outputs"]:
            assert value["dtype"] in ("float32", "int64"), (name, value)


def test_fp16_graphs_are_validated_against_torch_with_the_fp16_tolerance(fp16_bundle):
    manifest = json.loads((fp16_bundle / "manifest.json").read_text())
    for name, graph in manifest["graphs"].items():
        figures = manifest["validation"][name]
        expected = FP16_REL_TOLERANCE if graph["precision"] == "fp16" else 1e-4
        assert figures["rel_tolerance"] == expected
        assert figures["worst_relative_err"] <= expected
