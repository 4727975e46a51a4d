"""The tiny pipeline's structure, and that the committed fixture is what the current code produces."""

import json
from pathlib import Path

from audioldm2_export.configs import CVSSP_SCHEDULER_CONFIG
from audioldm2_export.manifest import sha256_file
from audioldm2_export.source import folder_sha256

FIXTURE = Path(__file__).resolve().parents[2] / "models-onnx" / "tiny-random"


def test_folder_is_saved_like_a_hub_checkpoint(tiny_folder):
    index = json.loads((tiny_folder / "model_index.json").read_text())
    assert index["_class_name"] == "AudioLDM2Pipeline"
    assert index["language_model"] == ["transformers", "GPT2Model"]  # as the hub checkpoints store it
    assert sorted(p.name for p in (tiny_folder / "tokenizer").iterdir()) == \
        ["merges.txt", "tokenizer_config.json", "vocab.json"]
    assert sorted(p.name for p in (tiny_folder / "tokenizer_2").iterdir()) == ["spiece.model", "tokenizer_config.json"]
    scheduler = json.loads((tiny_folder / "scheduler" / "scheduler_config.json").read_text())
    assert {k: scheduler[k] for k in CVSSP_SCHEDULER_CONFIG} == CVSSP_SCHEDULER_CONFIG


def test_unet_consumes_the_t5_states(tiny_pipe):
    import torch

    unet = tiny_pipe.unet
    assert unet.config.cross_attention_dim[0] == [None, 16, 24]
    assert unet.num_upsamplers == 3
    gen = torch.Generator().manual_seed(0)
    sample, gpt = torch.randn(1, 8, 8, 16, generator=gen), torch.randn(1, 8, 16, generator=gen)
    t5_a, t5_b = torch.randn(1, 5, 24, generator=gen), torch.randn(1, 5, 24, generator=gen)
    mask = torch.ones(1, 5, dtype=torch.int64)
    with torch.no_grad():
        a = unet(sample, 500, encoder_hidden_states=gpt, encoder_hidden_states_1=t5_a, encoder_attention_mask_1=mask)
        b = unet(sample, 500, encoder_hidden_states=gpt, encoder_hidden_states_1=t5_b, encoder_attention_mask_1=mask)
    assert (a.sample - b.sample).abs().max() > 1e-3


def test_gpt2_has_several_layers_and_max_new_tokens(tiny_pipe):
    assert tiny_pipe.language_model.config.n_layer >= 2
    assert tiny_pipe.language_model.config.max_new_tokens == 8


REGENERATE = ("regenerate the fixture: python scripts/export_onnx.py --tiny-random --out models-onnx/tiny-random "
              "--force && python scripts/export_onnx.py --tiny-random --reference scripts/reference_cases_tiny.json "
              "--out models-onnx/tiny-random")


def test_committed_fixture_is_what_the_current_exporter_writes(tiny_folder, tiny_bundle):
    manifest = json.loads((FIXTURE / "manifest.json").read_text())
    for rel, entry in manifest["files"].items():
        assert sha256_file(FIXTURE / rel) == entry["sha256"], f"{rel} changed after export"
    # Same weights, tokenizers and configs as a fresh build, and byte-identical graphs and tokenizer files.
    assert manifest["source"]["folder_sha256"] == folder_sha256(tiny_folder), REGENERATE
    fresh = json.loads((tiny_bundle / "manifest.json").read_text())
    exported = {rel for rel in fresh["files"] if not rel.startswith("reference/")}
    for rel in exported:
        assert manifest["files"][rel]["sha256"] == fresh["files"][rel]["sha256"], f"{rel}: {REGENERATE}"
    assert manifest["graphs"] == fresh["graphs"] and manifest["config"] == fresh["config"], REGENERATE
