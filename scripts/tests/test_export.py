"""Export of the tiny pipeline: bundle layout, manifest, graph parity with diffusers, tokenizer ids."""

import json
import shutil

import numpy as np
import pytest
import torch

from audioldm2_export.errors import ExportError
from audioldm2_export.graphs import Dims, graph_defs
from audioldm2_export.manifest import sha256_file
from audioldm2_export.text_tokenizers import check_clap_ids, check_t5_ids
from audioldm2_export.validation import FP32_REL_TOLERANCE, ort_session, validate_graph

GRAPHS = ["clap_text", "t5_encoder", "projection", "gpt2", "unet", "vae_encoder", "vae_decoder", "vocoder",
          "clap_audio"]


def manifest_of(bundle):
    return json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))


def test_bundle_has_every_graph_and_file_hash(tiny_bundle):
    manifest = manifest_of(tiny_bundle)
    assert manifest["format_version"] == 1 and manifest["precision"] == "fp32"
    assert sorted(manifest["graphs"]) == sorted(GRAPHS)
    for name in GRAPHS:
        assert (tiny_bundle / f"{name}.onnx").is_file()
    on_disk = {p.relative_to(tiny_bundle).as_posix() for p in tiny_bundle.rglob("*") if p.is_file()}
    assert set(manifest["files"]) == on_disk - {"manifest.json"}
    for rel, entry in manifest["files"].items():
        assert entry["sha256"] == sha256_file(tiny_bundle / rel)
        assert entry["bytes"] == (tiny_bundle / rel).stat().st_size
    for tok in ("tokenizer", "tokenizer_2"):
        assert (tiny_bundle / tok / "tokenizer.json").is_file()


def test_manifest_config_matches_the_pipeline(tiny_bundle, tiny_pipe):
    config = manifest_of(tiny_bundle)["config"]
    assert config["sampling_rate"] == 16000 and config["vocoder_hop"] == 160 and config["mel_bins"] == 64
    assert config["vae_scale_factor"] == 4 and config["latent_channels"] == 8 and config["latent_width"] == 16
    assert config["vae_scaling_factor"] == tiny_pipe.vae.config.scaling_factor
    assert config["max_new_tokens"] == 8
    assert config["gpt2"] == {"layers": 2, "heads": 2, "head_dim": 8, "hidden": 16}
    assert (config["clap_max_length"], config["t5_max_length"]) == (77, 128)
    assert (config["clap_pad_id"], config["t5_pad_id"], config["t5_eos_id"]) == (1, 0, 1)
    assert config["clap_logit_scale"] == pytest.approx(float(tiny_pipe.text_encoder.logit_scale_t.exp()), rel=1e-6)
    assert config["stft"] == {"n_fft": 1024, "win_length": 1024, "hop_length": 160, "fmin": 0, "fmax": 8000,
                              "mel_bins": 64}
    assert config["clap_feature_extractor"]["input_frames"] == 201
    scheduler = json.loads((tiny_bundle / "scheduler_config.json").read_text())
    assert scheduler["steps_offset"] == 1 and scheduler["beta_start"] == 0.0015 and scheduler["beta_end"] == 0.0195


def test_graph_io_is_described_with_symbolic_dynamic_axes(tiny_bundle):
    graphs = manifest_of(tiny_bundle)["graphs"]
    unet = {v["name"]: v for v in graphs["unet"]["inputs"]}
    assert unet["sample"]["shape"] == ["batch", 8, "height", 16]
    assert unet["timestep"] == {"name": "timestep", "dtype": "int64", "shape": []}
    assert unet["encoder_hidden_states_1"]["shape"] == ["batch", "t5_len", 24]
    assert unet["encoder_attention_mask_1"]["dtype"] == "int64"
    gpt2 = graphs["gpt2"]
    assert [v["name"] for v in gpt2["inputs"]] == ["inputs_embeds", "attention_mask", "position_ids", "past_key_0",
                                                   "past_value_0", "past_key_1", "past_value_1"]
    assert gpt2["inputs"][3]["shape"] == ["batch", 2, "past", 8]
    assert gpt2["outputs"][1] == {"name": "present_key_0", "dtype": "float32", "shape": ["batch", 2, "total", 8]}
    # every dim is either a declared symbolic name or a number (no tracer-generated names)
    names = {"batch", "clap_len", "t5_len", "gpt2_len", "seq", "past", "total", "height", "gpt2_tokens", "frames",
             "samples"}
    for graph in graphs.values():
        for value in graph["inputs"] + graph["outputs"]:
            for dim in value["shape"]:
                assert isinstance(dim, int) or dim in names, (graph["file"], value)


def test_validation_figures_are_recorded_and_within_tolerance(tiny_bundle):
    validation = manifest_of(tiny_bundle)["validation"]
    for name in GRAPHS:
        figures = validation[name]
        assert figures["rel_tolerance"] == FP32_REL_TOLERANCE
        assert len(figures["shapes"]) >= 2
        assert 0 <= figures["worst_relative_err"] <= FP32_REL_TOLERANCE
    unet_heights = {s["shape"]["height"] for s in validation["unet"]["shapes"]}
    assert any(h % 8 for h in unet_heights), "odd latent heights must be validated"
    assert validation["tokenizers"]["clap"]["mismatches"] == 0 and validation["tokenizers"]["t5"]["mismatches"] == 0


@pytest.mark.parametrize("height", [25, 33, 13])
def test_unet_matches_diffusers_at_heights_not_multiple_of_8(tiny_bundle, tiny_pipe, height):
    # diffusers switches its up-samplers to size-based interpolation at these heights; a graph traced with
    # scale_factor=2 fails or differs there. Tolerance 1e-4 x output scale: see validation.py.
    gen = torch.Generator().manual_seed(height)
    sample = torch.randn(2, 8, height, 16, generator=gen)
    gpt = torch.randn(2, 8, 16, generator=gen)
    t5 = torch.randn(2, 6, 24, generator=gen)
    mask = torch.tensor([[1] * 6, [1, 1, 1, 1, 0, 0]], dtype=torch.int64)
    timestep = torch.tensor(801, dtype=torch.int64)
    with torch.no_grad():
        expected = tiny_pipe.unet(sample, timestep, encoder_hidden_states=gpt, encoder_hidden_states_1=t5,
                                  encoder_attention_mask_1=mask, return_dict=False)[0].numpy()
    got = ort_session(tiny_bundle / "unet.onnx").run(None, {
        "sample": sample.numpy(), "timestep": timestep.numpy(), "encoder_hidden_states": gpt.numpy(),
        "encoder_hidden_states_1": t5.numpy(), "encoder_attention_mask_1": mask.numpy()})[0]
    assert np.abs(got - expected).max() <= 1e-4 * np.abs(expected).max()


def test_gpt2_kv_cache_loop_matches_diffusers_generate_language_model(tiny_bundle, tiny_pipe):
    # The loop Java runs: prefill with an empty past, then max_new_tokens single-token steps feeding the last
    # hidden state back in, positions past_len + arange(S), the mask growing by a column of ones.
    gen = torch.Generator().manual_seed(3)
    embeds = torch.randn(2, 12, 16, generator=gen)
    mask = torch.ones(2, 12, dtype=torch.int64)
    mask[1, 7:10] = 0  # T5 padding sits inside the sequence, before the T5 EOS embedding
    with torch.no_grad():
        expected = tiny_pipe.generate_language_model(embeds.clone(), max_new_tokens=8,
                                                     attention_mask=mask.clone()).numpy()
    session = ort_session(tiny_bundle / "gpt2.onnx")
    past = {f"past_{k}_{i}": np.zeros((2, 2, 0, 8), np.float32) for i in range(2) for k in ("key", "value")}
    x, m, generated = embeds.numpy(), mask.numpy(), []
    for _ in range(8):
        past_len = next(iter(past.values())).shape[2]
        positions = np.broadcast_to(past_len + np.arange(x.shape[1]), (2, x.shape[1])).astype(np.int64)
        outputs = session.run(None, {"inputs_embeds": x, "attention_mask": m, "position_ids": positions, **past})
        x = outputs[0][:, -1:, :]
        generated.append(x)
        past = {f"past_{k}_{i}": outputs[1 + 2 * i + j] for i in range(2) for j, k in enumerate(("key", "value"))}
        m = np.concatenate([m, np.ones((2, 1), np.int64)], axis=1)
    got = np.concatenate(generated, axis=1)
    assert got.shape == expected.shape == (2, 8, 16)
    assert np.abs(got - expected).max() <= 1e-4 * np.abs(expected).max()


def test_validation_fails_loudly_when_a_graph_differs_from_its_module(tiny_bundle, tiny_pipe):
    decoder = next(g for g in graph_defs(tiny_pipe, Dims.of(tiny_pipe)) if g.name == "vae_decoder")

    original = decoder.module

    class Shifted(torch.nn.Module):  # what a wrongly traced branch looks like: same shapes, other values
        def forward(self, latents):
            return original(latents) + 1e-2

    decoder.module = Shifted()
    with pytest.raises(ExportError, match="vae_decoder: onnxruntime differs from PyTorch"):
        validate_graph(decoder, tiny_bundle / "vae_decoder.onnx")


def test_tokenizer_json_has_pad_block_and_no_fixed_truncation(tiny_bundle):
    clap = json.loads((tiny_bundle / "tokenizer" / "tokenizer.json").read_text(encoding="utf-8"))
    t5 = json.loads((tiny_bundle / "tokenizer_2" / "tokenizer.json").read_text(encoding="utf-8"))
    assert clap["padding"]["pad_id"] == 1 and clap["padding"]["pad_token"] == "<pad>"
    assert t5["padding"]["pad_id"] == 0 and t5["padding"]["pad_token"] == "<pad>"
    assert clap["truncation"] is None and t5["truncation"] is None


def test_tokenizer_check_detects_a_wrong_tokenizer_json(tiny_bundle, tiny_pipe, tmp_path):
    broken = tmp_path / "tokenizer.json"
    data = json.loads((tiny_bundle / "tokenizer" / "tokenizer.json").read_text(encoding="utf-8"))
    data["padding"]["pad_id"] = 0  # DJL's default without a padding block: pads RoBERTa with <s>
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ExportError, match="clap tokenizer.json gives other ids"):
        check_clap_ids(tiny_pipe.tokenizer, broken, 77)
    t5 = json.loads((tiny_bundle / "tokenizer_2" / "tokenizer.json").read_text(encoding="utf-8"))
    t5["normalizer"] = None  # drop the Precompiled normalisation transformers 5 writes
    broken.write_text(json.dumps(t5), encoding="utf-8")
    with pytest.raises(ExportError, match="t5 tokenizer.json gives other ids"):
        check_t5_ids(tiny_pipe.tokenizer_2, broken, 128)


def test_t5_truncates_at_128_like_the_real_checkpoints(tiny_bundle):
    from tokenizers import Tokenizer

    rust = Tokenizer.from_file(str(tiny_bundle / "tokenizer_2" / "tokenizer.json"))
    rust.enable_truncation(128)
    ids = rust.encode("rain and thunder " * 100).ids
    assert len(ids) == 128 and ids[-1] == 1  # </s> kept at the end


def test_reexport_of_the_same_model_into_its_folder_keeps_references(tiny_bundle, tiny_folder, tmp_path):
    from audioldm2_export.bundle import prepare_out_dir

    copy = tmp_path / "copy"
    shutil.copytree(tiny_bundle, copy)
    (copy / "reference").mkdir(exist_ok=True)
    (copy / "reference" / "marker").write_text("x")
    manifest = manifest_of(copy)
    manifest["reference"] = {"cases": ["marker"]}
    (copy / "manifest.json").write_text(json.dumps(manifest))
    other = {"folder_sha256": "f" * 64}
    with pytest.raises(ExportError, match="different model"):
        prepare_out_dir(copy, other, force=False)
    assert prepare_out_dir(copy, manifest["source"], force=False) == {"cases": ["marker"]}
    assert (copy / "reference" / "marker").is_file() and not (copy / "unet.onnx").exists()
    assert prepare_out_dir(copy, other, force=True) is None and not any(copy.iterdir())


def test_large_graphs_go_to_one_external_data_file(tiny_pipe, tmp_path, monkeypatch):
    from audioldm2_export import onnx_files

    monkeypatch.setattr(onnx_files, "EXTERNAL_DATA_BYTES", 0)  # treat every graph as large
    projection = next(g for g in graph_defs(tiny_pipe, Dims.of(tiny_pipe)) if g.name == "projection")
    onnx_files.export_graph(projection, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["projection.onnx", "projection.onnx.data"]
    # readable by whoever can read the graph (a service user), not owner-only as onnx creates it
    assert (tmp_path / "projection.onnx.data").stat().st_mode & 0o777 == (tmp_path / "projection.onnx").stat().st_mode & 0o777
    figures = validate_graph(projection, tmp_path / "projection.onnx")
    assert figures["worst_relative_err"] <= FP32_REL_TOLERANCE
