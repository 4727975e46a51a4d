"""Log-mel error of each benchmark side's audio against its anchor, same case and seed (run by bench.orchestrate
with the PyTorch side's interpreter):

  PYTHONPATH=scripts .venv/bin/python -m bench.quality AUDIO_DIR CASE [CASE ...]

AUDIO_DIR/<side>/<case>.f32 are the waveforms the sides saved (--save-audio). Anchors: diffusers bf16 and Java exact
against diffusers fp32 (bf16's own error; exact mode's parity), Java fast against Java exact (fast mode's error)
and against diffusers fp32. The measure is the fast block's (audioldm2_export.fast.mel_error): the log-mel
difference over the anchor mel's std, RMS and max. Prints a JSON list of rows.
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch

from audioldm2_export.dsp import tacotron_log_mel
from audioldm2_export.fast import mel_error

PAIRS = [("pytorch-bf16", "pytorch"), ("java", "pytorch"), ("java-fast", "java"), ("java-fast", "pytorch")]


def mel(path):
    # AudioLDM2's STFT at 16 kHz: the checkpoints' config.stft (the tiny bundle differs, but it is not benchmarked)
    audio = np.fromfile(path, dtype="<f4")
    return tacotron_log_mel(audio, 16000, 1024, 160, 1024, 64, 0, 8000, torch.float32)


def main(argv):
    audio_dir, cases = Path(argv[0]), argv[1:]
    rows = []
    for case in cases:
        for side, anchor in PAIRS:
            a, b = audio_dir / side / f"{case}.f32", audio_dir / anchor / f"{case}.f32"
            if a.is_file() and b.is_file():
                rows.append({"case": case, "side": side, "anchor": anchor, **mel_error([mel(a)], [mel(b)])})
    print(json.dumps(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
