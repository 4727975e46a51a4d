"""The benchmark's report: ratios against the first side, the four side columns, raw files from before them, and
the quality rows' measure (no model: synthetic timings and waveforms)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from bench import orchestrate

STAGES = {key: [1.0] for key, _ in orchestrate.ROWS}


def side(name, end_to_end, **extra):
    return {"side": name, "load_s": 1.0, "peak_rss_mb": 100.0, "load_avg_before": 0.5, "load_avg_after": 0.6,
            "cases": {"dpm++2m:25": {**STAGES, "end_to_end": [end_to_end]}}, "torch_version": "t",
            "diffusers_version": "d", "transformers_version": "x", "ort_version": "o", "java_version": "j", **extra}


def report(order):
    return {"date": "today", "machine": {"cpu": "cpu", "cores": 2}, "python_ort": "p", "order": order,
            "args": {"threads": 2, "duration": 10.24, "guidance": 3.5, "seed": 0, "rounds": 1, "warmup_steps": 1},
            "cases": ["dpm++2m:25"], "command": "scripts/bench/run"}


def test_ratios_are_against_the_first_side_and_every_side_has_a_column():
    table = orchestrate.render(report([side("pytorch", 90.0), side("java", 60.0, mode="exact"),
                                       side("java-fast", 30.0, mode="fast")]))
    end = next(line for line in table.splitlines() if line.startswith("| end to end"))
    assert end.split(" | ")[-2:] == ["1.50×", "3.00× |"]
    assert "fast mode: its fast block" in table and "exact mode: fp32 graphs" in table


def test_a_raw_file_from_before_the_four_sides_still_renders():
    old = report([side("pytorch", 80.0), side("java", 40.0)])
    assert "runs" not in old
    end = next(line for line in orchestrate.render(old).splitlines() if line.startswith("| end to end"))
    assert end.endswith("| 2.00× |")


def test_quality_rows_measure_each_side_against_its_anchor(tmp_path):
    rng = np.random.default_rng(0)
    audio = (0.1 * rng.standard_normal(16000)).astype("<f4")
    for name, waveform in (("pytorch", audio), ("java", audio), ("java-fast", audio + 0.01 * audio[::-1])):
        (tmp_path / name).mkdir()
        waveform.tofile(tmp_path / name / "dpm++2m:25.f32")
    scripts = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-m", "bench.quality", str(tmp_path), "dpm++2m:25"], capture_output=True,
                          text=True, check=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(scripts)})
    rows = {(r["side"], r["anchor"]): r["mel_rms_over_std"] for r in json.loads(proc.stdout)}
    assert rows[("java", "pytorch")] == 0.0
    assert rows[("java-fast", "java")] > 0.0 and rows[("java-fast", "java")] == rows[("java-fast", "pytorch")]
    assert ("pytorch-bf16", "pytorch") not in rows      # no audio from that side: no row
