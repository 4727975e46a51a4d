"""Fast mode (audioldm2_export.fast, export_onnx.py --fast / --add-fast) on the tiny pipeline: the manifest block,
the hashes, exact files left alone, the int8 UNet against the fp32 one, and the guidance interval rule."""
import json
import shutil

import numpy as np
import onnxruntime as ort
import pytest
import torch

import export_onnx
from audioldm2_export import fast
from audioldm2_export.manifest import sha256_file

FIXTURE = export_onnx.REPO / "models-onnx" / "tiny-random"


@pytest.fixture(scope="module")
def fast_bundle(tiny_bundle, tiny_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("fast") / "tiny"
    shutil.copytree(tiny_bundle, out)
    assert export_onnx.run(["--model", str(tiny_folder), "--out", str(out), "--add-fast", "--fast-eval-cases", "1",
                            "--fast-eval-steps", "6"]) == 0
    return out


def check_block(bundle, manifest, interval=fast.GUIDANCE_TIMESTEPS):
    block = manifest["fast"]
    unet = block["graphs"]["unet"]
    assert unet["file"] == "fast/unet.onnx" and unet["precision"] == "int8"
    assert unet["method"] == fast.METHODS["matmul"]
    assert (unet["inputs"], unet["outputs"]) == (manifest["graphs"]["unet"]["inputs"],
                                                 manifest["graphs"]["unet"]["outputs"])
    assert block.get("guidance_timesteps") == (list(interval) if interval else None)
    error = block["error"]
    guided = [error["guidance_interval_only"]] if interval else []
    for figures in (unet["error"], error, error["bf16_anchor"], *guided):
        assert 0 < figures["mel_rms_over_std"] <= figures["mel_max_over_std"] < 10, figures
    case = error["cases"][0]
    assert set(case) == {"prompt", "seed", "scheduler", "steps", "audio_length_in_s", "guidance_scale"}
    assert case["scheduler"] == "dpm++2m" and case["seed"] not in fast.CALIBRATION["seeds"]
    assert case["audio_length_in_s"] == manifest["config"]["default_audio_length_s"]
    assert error["measured_with"].startswith(f"onnxruntime {ort.__version__} CPU")
    for name in ("fast/unet.onnx",):
        assert manifest["files"][name] == {"sha256": sha256_file(bundle / name),
                                           "bytes": (bundle / name).stat().st_size}
    assert not [p for p in (bundle / "fast").iterdir() if p.relative_to(bundle).as_posix() not in manifest["files"]]


def test_add_fast_writes_the_block_and_leaves_exact_files_alone(fast_bundle, tiny_bundle):
    manifest = json.loads((fast_bundle / "manifest.json").read_text())
    before = json.loads((tiny_bundle / "manifest.json").read_text())
    check_block(fast_bundle, manifest)
    assert manifest["fast"]["error"]["cases"][0]["steps"] == 6
    exact = {n: e for n, e in manifest["files"].items() if not n.startswith("fast/")}
    assert exact == before["files"]
    for name in exact:
        assert (fast_bundle / name).read_bytes() == (tiny_bundle / name).read_bytes(), name
    assert {k: v for k, v in manifest.items() if k not in ("fast", "files")} == \
        {k: v for k, v in before.items() if k != "files"}


def test_committed_fixture_has_a_well_formed_fast_block():
    manifest = json.loads((FIXTURE / "manifest.json").read_text())
    check_block(FIXTURE, manifest)
    assert len(manifest["fast"]["error"]["cases"]) == len(fast.eval_cases(1.0))


def test_fast_unet_loads_and_stays_close_to_fp32(fast_bundle, tiny_pipe):
    # a held-out UNet call: a prompt and seed the calibration did not see, mid-trajectory
    feeds = fast.record_inputs(tiny_pipe, 2.56, prompts=["Ocean waves on a pebble beach"], seeds=[9], steps=6)["unet"]
    feed = feeds[len(feeds) // 2]
    reference = ort.InferenceSession(str(fast_bundle / "unet.onnx"), providers=["CPUExecutionProvider"]).run(None, feed)[0]
    int8 = ort.InferenceSession(str(fast_bundle / "fast/unet.onnx"), providers=["CPUExecutionProvider"])
    assert "MatMulInteger" in {n.op_type for n in __import__("onnx").load(str(fast_bundle / "fast/unet.onnx")).graph.node}
    quantised = int8.run(None, feed)[0]
    rms_over_std = float(np.sqrt(((quantised - reference) ** 2).mean()) / reference.std())
    print("tiny UNet int8 (matmul) rms error / std:", rms_over_std)
    assert 1e-6 < rms_over_std < 0.05, rms_over_std


def test_add_fast_refuses_another_model_and_a_missing_bundle(capsys, fast_bundle, tiny_folder, tmp_path):
    manifest = json.loads((fast_bundle / "manifest.json").read_text())
    other = tmp_path / "other"
    other.mkdir()
    manifest["source"]["folder_sha256"] = "0" * 64
    (other / "manifest.json").write_text(json.dumps(manifest))
    assert export_onnx.run(["--model", str(tiny_folder), "--out", str(other), "--add-fast"]) == 1
    assert "another model" in capsys.readouterr().err
    assert export_onnx.run(["--model", str(tiny_folder), "--out", str(tmp_path / "none"), "--add-fast"]) == 1
    assert "holds no bundle" in capsys.readouterr().err


def test_fast_exports_then_adds_the_fast_graphs(monkeypatch, tiny_folder, tmp_path):
    from audioldm2_export import bundle

    calls = []
    monkeypatch.setattr(bundle, "export_bundle", lambda pipe, folder, out, *a: calls.append(("export", out)))
    monkeypatch.setattr(fast, "add_fast", lambda pipe, out, src, **kw: calls.append(("fast", out, kw)))
    out = tmp_path / "b"
    assert export_onnx.run(["--model", str(tiny_folder), "--out", str(out), "--fast", "--fast-unet", "matmul+conv",
                            "--fast-vocoder", "--guidance-timesteps", "none", "--fast-eval-length", "1.5"]) == 0
    assert [c[0] for c in calls] == ["export", "fast"]
    assert calls[1][2] | {} == {"unet_method": "matmul+conv", "vae_decoder": False, "vocoder": True, "interval": None,
                                "eval_length_s": 1.5, "eval_steps": fast.EVAL["steps"], "eval_count": None}


@pytest.mark.parametrize("argv, message", [
    (["--guidance-timesteps", "800,200", "--fast"], "LO <= HI"),
    (["--guidance-timesteps", "x", "--fast"], "two integers"),
    (["--fast-vocoder"], "apply with --fast or --add-fast only"),
    (["--fast", "--precision", "fp16"], "no --precision"),
    (["--fast", "--add-fast"], "not allowed with"),
])
def test_fast_usage_errors(capsys, tmp_path, argv, message):
    with pytest.raises(SystemExit) as exc:
        export_onnx.run(["--tiny-random", "--out", str(tmp_path / "o"), *argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert exc.value.code == 2 and len(err) == 1 and message in err[0], err


def test_parse_guidance_timesteps():
    assert fast.parse_guidance_timesteps("200,800") == (200, 800)
    assert fast.parse_guidance_timesteps("none") is None
    assert fast.parse_guidance_timesteps("5,5") == (5, 5)


class FakeUnet:
    """Records each call's batch; answers row i of the batch with the value of its sample's row (so uncond and cond
    rows are told apart)."""

    def __init__(self):
        self.batches = []

    def __call__(self, sample, timestep, encoder_hidden_states=None, encoder_hidden_states_1=None,
                 encoder_attention_mask_1=None, return_dict=False):
        self.batches.append((int(timestep), sample.shape[0], encoder_hidden_states.shape[0],
                             encoder_hidden_states_1.shape[0], encoder_attention_mask_1.shape[0]))
        return (sample * 10 + encoder_hidden_states[:, :1, :1, None],)


def cfg_call(forward, t, guidance=3.5):
    """diffusers' AudioLDM2Pipeline step: the UNet on [uncond, cond], then uncond + g (cond - uncond)."""
    latents = torch.full((1, 2, 3, 4), 1.0)
    sample = torch.cat([latents] * 2)
    hidden = torch.stack([torch.full((2, 5), 0.0), torch.full((2, 5), 1.0)])   # row 0 uncond, row 1 cond
    noise = forward(sample, torch.tensor(t), encoder_hidden_states=hidden, encoder_hidden_states_1=hidden,
                    encoder_attention_mask_1=torch.ones(2, 7, dtype=torch.int64), return_dict=False)[0]
    uncond, cond = noise.chunk(2)
    return uncond + guidance * (cond - uncond)


def test_guidance_interval_runs_cond_only_outside_and_yields_cond():
    unet = FakeUnet()
    guided = fast.guided_unet(unet, (200, 800), cfg=True)
    cond_only = 10 * 1.0 + 1.0
    # inside [lo, hi], both ends included: the whole CFG batch, guided
    for t in (200, 500, 800):
        assert torch.allclose(cfg_call(guided, t), torch.full((1, 2, 3, 4), 10.0 + 3.5 * 1.0))
    assert [b[1:] for b in unet.batches] == [(2, 2, 2, 2)] * 3
    unet.batches.clear()
    # outside: one call on the cond half (the second: diffusers concatenates [uncond, cond]), noise = cond
    for t in (199, 801, 999, 0):
        assert torch.allclose(cfg_call(guided, t), torch.full((1, 2, 3, 4), cond_only))
    assert [b[1:] for b in unet.batches] == [(1, 1, 1, 1)] * 4


def test_guidance_interval_leaves_unguided_and_intervalless_calls_alone():
    unet = FakeUnet()
    for guided in (fast.guided_unet(unet, None, cfg=True), fast.guided_unet(unet, (200, 800), cfg=False)):
        guided(torch.zeros(2, 1, 1, 1), torch.tensor(999), encoder_hidden_states=torch.zeros(2, 1, 1),
               encoder_hidden_states_1=torch.zeros(2, 1, 1), encoder_attention_mask_1=torch.ones(2, 1))
    assert [b[1] for b in unet.batches] == [2, 2]


def test_mel_error_is_rms_and_max_over_each_cases_std():
    ref = [np.array([0.0, 2.0, 4.0]), np.array([1.0, 1.0, 3.0, 3.0])]   # stds 1.633, 1.0
    cand = [ref[0] + np.array([1.0, 0, 0]), ref[1] + np.array([0, 0, 0, -2.0])]
    scaled = np.array([1 / ref[0].std(), 0, 0, 0, 0, 0, 2.0])
    assert fast.mel_error(cand, ref) == pytest.approx({"mel_rms_over_std": np.sqrt(np.mean(scaled ** 2)),
                                                        "mel_max_over_std": 2.0})


def test_add_fast_again_replaces_the_block(fast_bundle, tiny_bundle, tiny_folder):
    # last in this module: it rewrites the module's fast bundle
    assert export_onnx.run(["--model", str(tiny_folder), "--out", str(fast_bundle), "--add-fast",
                            "--guidance-timesteps", "none", "--fast-eval-cases", "1", "--fast-eval-steps", "3"]) == 0
    manifest = json.loads((fast_bundle / "manifest.json").read_text())
    assert "guidance_timesteps" not in manifest["fast"] and manifest["fast"]["error"]["cases"][0]["steps"] == 3
    assert manifest["fast"]["error"]["guidance_interval_only"]["mel_rms_over_std"] == 0.0
    before = json.loads((tiny_bundle / "manifest.json").read_text())["files"]
    assert {n: e for n, e in manifest["files"].items() if not n.startswith("fast/")} == before
    assert sorted(n for n in manifest["files"] if n.startswith("fast/")) == ["fast/unet.onnx"]
