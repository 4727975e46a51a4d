"""Issue 14, defect 1: the CLI's small durations on a bundle of another geometry than the committed one.
diffusers' own test pipeline (--random-weights diffusers-tests: 4 samples per mel frame, VAE scale 2) is exported
once per session; `generate` then runs every 0.01 s from its minimum to 0.3 s. Each run exits 0 with diffusers'
length, or 2 with one line when the per-request memory estimate refuses it."""

import json
import math
import subprocess
import sys
import wave

import pytest

from conftest import JAR, REPO

EXPORT_TIMEOUT_S = 600
RUN_TIMEOUT_S = 120


@pytest.fixture(scope="session")
def diffusers_tests_bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("diffusers-tests") / "bundle"
    subprocess.run([sys.executable, str(REPO / "scripts" / "export_onnx.py"), "--random-weights", "diffusers-tests",
                    "--out", str(out)], cwd=REPO, check=True, timeout=EXPORT_TIMEOUT_S, capture_output=True)
    return out


def diffusers_samples(duration, config):
    """AudioLDM2Pipeline: height = int(d / vocoder_upsample_factor) rounded up to the VAE scale; the vocoder makes
    hop samples per mel frame, cut at int(d * sampling_rate)."""
    seconds_per_frame = config["vocoder_hop"] / config["sampling_rate"]
    scale = config["vae_scale_factor"]
    height = int(duration / seconds_per_frame)
    if height % scale:
        height = math.ceil(height / scale) * scale
    return min(height * config["vocoder_hop"], int(duration * config["sampling_rate"]))


def test_every_small_duration_gives_diffusers_length_or_one_line(diffusers_tests_bundle, tmp_path):
    if not JAR.is_file():
        pytest.fail(f"{JAR} is missing: build it first (./mvnw package), as scripts/test does")
    config = json.loads((diffusers_tests_bundle / "manifest.json").read_text(encoding="utf-8"))["config"]
    minimum = config["vocoder_hop"] / config["sampling_rate"] * config["vae_scale_factor"]
    assert minimum == 0.0005
    durations = [minimum] + [c / 100 for c in range(1, 31)]
    refused = []
    for duration in durations:
        wav = tmp_path / f"{duration}.wav"
        run = subprocess.run(["java", "-jar", str(JAR), "generate", "--model-dir", str(diffusers_tests_bundle),
                              "--prompt", "x", "--duration", repr(duration), "--steps", "1", "--seed", "0",
                              "--threads", "1", "--out", str(wav)],
                             cwd=REPO, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        if run.returncode == 2:
            lines = run.stderr.strip().splitlines()
            assert len(lines) == 1 and "max-request-memory" in lines[0], (duration, run.stderr)
            refused.append(duration)
            continue
        assert run.returncode == 0, (duration, run.stderr)
        with wave.open(str(wav)) as audio:
            assert audio.getframerate() == config["sampling_rate"]
            assert audio.getnframes() == diffusers_samples(duration, config), duration
    assert len(refused) < len(durations), "the estimate refused every duration"
