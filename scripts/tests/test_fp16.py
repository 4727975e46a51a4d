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


def test_a_graph_failing_fp16_validation_is_exported_in_fp32_with_the_measured_reason(tiny_folder, tmp_path,
                                                                                        monkeypatch):
    from audioldm2_export import bundle

    # A tolerance no float16 graph can meet stands in for an overflow: every converted graph must fall back.
    # Two graphs keep the test short: one converted (projection), one always kept (vae_decoder).
    monkeypatch.setattr(bundle, "FP16_REL_TOLERANCE", 1e-12)
    all_graphs = bundle.graph_defs
    monkeypatch.setattr(bundle, "graph_defs", lambda pipe, dims: [
        g for g in all_graphs(pipe, dims) if g.name in ("projection", "vae_decoder")])
    out = tmp_path / "fallback"
    assert export_onnx.run(["--model", str(tiny_folder), "--out", str(out), "--precision", "fp16"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["fp32_kept"]) == set(manifest["graphs"]) == {"projection", "vae_decoder"}
    for name, graph in manifest["graphs"].items():
        assert graph["precision"] == "fp32"
        if name not in FRAGILE:
            assert manifest["fp32_kept"][name].startswith("measured: float16 failed validation")
        assert manifest["validation"][name]["rel_tolerance"] == 1e-4
        assert manifest["validation"][name]["worst_relative_err"] <= 1e-4


def test_unet_timestep_embedding_stays_float32(fp16_bundle):
    # float16 rounds the embedding's arguments (timestep x frequency, up to 999 rad) to 0.5 rad; see precision.py
    model = onnx.load(str(fp16_bundle / "unet.onnx"))
    time_proj = [n for n in model.graph.node if n.name.startswith("/unet/time_proj/")]
    assert {n.op_type for n in time_proj} >= {"Sin", "Cos", "Mul"}
    casts_to_fp16 = [n for n in time_proj if n.op_type == "Cast"
                     and onnx.helper.get_attribute_value(n.attribute[0]) == onnx.TensorProto.FLOAT16]
    assert len(casts_to_fp16) == 1  # only the subgraph's output is cast for the float16 time_embedding
