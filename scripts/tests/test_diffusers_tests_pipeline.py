"""diffusers' own fast-test pipeline (configs.diffusers_test_spec): another geometry, and a CLAP audio branch that
does not fit its feature extractor, which leaves the bundle without ranking instead of failing the export."""

import json

import export_onnx

EXPORTED = {"clap_text", "t5_encoder", "projection", "gpt2", "unet", "vae_encoder", "vae_decoder", "vocoder"}


def test_export_goes_without_ranking_when_clap_audio_does_not_fit(capsys, tmp_path):
    out = tmp_path / "bundle"
    assert export_onnx.run(["--random-weights", "diffusers-tests", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["graphs"]) == EXPORTED and not (out / "clap_audio.onnx").exists()
    assert "running_mean should contain 64 elements not 8" in manifest["ranking_unavailable"]
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "no ranking" in warnings[0] and "Traceback" not in err
    # the geometry of diffusers' test: 4 samples per mel frame, 8 mel bins, VAE scale 2
    config = manifest["config"]
    assert (config["vocoder_hop"], config["mel_bins"], config["vae_scale_factor"]) == (4, 8, 2)
