"""Bad input: one line on stderr, non-zero exit, no traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import export_onnx
from audioldm2_export.bundle import prepare_out_dir
from audioldm2_export.errors import ExportError

SCRIPT = Path(export_onnx.__file__)


def run_cli(capsys, *argv):
    try:
        code = export_onnx.run(list(argv))
    except SystemExit as exc:  # argparse errors
        code = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def test_missing_folder(capsys, tmp_path):
    code, err = run_cli(capsys, "--model", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert code == 1 and len(err) == 1 and "no such folder" in err[0]


def test_folder_without_model_index(capsys, tmp_path):
    code, err = run_cli(capsys, "--model", str(tmp_path), "--out", str(tmp_path / "out"))
    assert code == 1 and len(err) == 1 and "model_index.json is missing" in err[0]


def test_folder_of_another_pipeline(capsys, tmp_path):
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
    code, err = run_cli(capsys, "--model", str(tmp_path), "--out", str(tmp_path / "out"))
    assert code == 1 and len(err) == 1 and "not an AudioLDM2Pipeline" in err[0]


def test_tts_checkpoint_is_refused(capsys, tiny_folder, tmp_path):
    index = json.loads((tiny_folder / "model_index.json").read_text())
    index["text_encoder_2"] = ["transformers", "VitsModel"]
    fake = tmp_path / "tts"
    fake.mkdir()
    (fake / "model_index.json").write_text(json.dumps(index))
    code, err = run_cli(capsys, "--model", str(fake), "--out", str(tmp_path / "out"))
    assert code == 1 and len(err) == 1 and "VitsModel" in err[0]


def test_unknown_precision(capsys, tiny_folder, tmp_path):
    code, err = run_cli(capsys, "--model", str(tiny_folder), "--out", str(tmp_path / "o"), "--precision", "int4")
    assert code == 2 and len(err) == 1 and "unknown --precision 'int4'" in err[0]


def test_unknown_random_weights_id(capsys, tmp_path):
    code, err = run_cli(capsys, "--random-weights", "cvssp/audioldm3", "--out", str(tmp_path / "o"))
    assert code == 2 and len(err) == 1 and "cvssp/audioldm3" in err[0]


def test_out_folder_holding_a_different_bundle_is_refused(capsys, tiny_bundle, tiny_folder, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    manifest = json.loads((tiny_bundle / "manifest.json").read_text())
    manifest["source"] = {"kind": "hub", "id": "cvssp/audioldm2", "folder_sha256": "0" * 64}
    (other / "manifest.json").write_text(json.dumps(manifest))
    code, err = run_cli(capsys, "--model", str(tiny_folder), "--out", str(other))
    assert code == 1 and len(err) == 1 and "different model" in err[0] and "--force" in err[0]
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps([{"id": "a", "prompt": "x", "steps": 1, "guidance_scale": 1, "duration": 0.1,
                                  "seed": 0}]))
    code, err = run_cli(capsys, "--reference", str(cases), "--model", str(tiny_folder), "--out", str(other))
    assert code == 1 and len(err) == 1 and "different model" in err[0]
    assert (other / "manifest.json").is_file()  # nothing was touched


def test_non_empty_folder_without_bundle_is_refused_unless_forced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="holds no bundle; use --force"):
        prepare_out_dir(out, {"folder_sha256": "1"}, force=False)
    prepare_out_dir(out, {"folder_sha256": "1"}, force=True)
    assert not any(out.iterdir())


def test_reference_into_a_folder_without_bundle(capsys, tiny_folder, tmp_path):
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps([{"id": "a", "prompt": "x", "steps": 1, "guidance_scale": 1, "duration": 0.1,
                                  "seed": 0}]))
    code, err = run_cli(capsys, "--reference", str(cases), "--model", str(tiny_folder), "--out", str(tmp_path / "x"))
    assert code == 1 and len(err) == 1 and "holds no bundle" in err[0]


def test_hub_id_without_network_fails_in_one_line(tmp_path):
    # A real process: checks the exit code and that no traceback reaches the user. HF_HUB_OFFLINE makes
    # snapshot_download fail at once instead of waiting on DNS; the code path is the same as with no network.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    proc = subprocess.run([sys.executable, str(SCRIPT), "--model", "cvssp/audioldm2", "--revision", "main",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1, proc.stderr
    assert len(lines) == 1 and "could not download cvssp/audioldm2@main" in lines[0]
    assert "Traceback" not in proc.stderr
