#!/usr/bin/env python3
"""Writes the golden fixtures of the Java unit tests (Npy reader, torch RNG, schedulers).

Run from the repository root with the pinned venv:
    .venv/bin/python scripts/make_unit_fixtures.py [npy] [rng] [scheduler]
With no argument every group is written. Output: src/test/resources/fixtures/{npy,rng,scheduler}/.
"""
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "src" / "test" / "resources" / "fixtures"


def write_npy_fixtures():
    """Small arrays in every dtype/header version the Java Npy reader claims to read.

    The Java test recomputes the same formulas, so the values are checked, not just the parsing."""
    out = FIXTURES / "npy"
    out.mkdir(parents=True, exist_ok=True)
    idx = np.arange(24)
    np.save(out / "f4_2x3x4.npy", (idx * 0.5 - 3.0).astype("<f4").reshape(2, 3, 4))
    np.save(out / "f8_5.npy", (np.arange(5, dtype="<f8") + 1.0) / 3.0)
    np.save(out / "i8_4.npy", np.array([0, -1, 2**40 + 3, -(2**62)], dtype="<i8"))
    np.save(out / "i4_2x2.npy", np.array([[7, -8], [2**31 - 1, -(2**31)]], dtype="<i4"))
    np.save(out / "bool_3.npy", np.array([True, False, True]))
    np.save(out / "f4_scalar.npy", np.array(2.5, dtype="<f4"))
    with open(out / "f4_v2_3.npy", "wb") as f:
        np.lib.format.write_array(f, np.array([1.0, -2.0, 0.1], dtype="<f4"), version=(2, 0))
    np.save(out / "f8_big_endian.npy", np.array([1.0], dtype=">f8"))


GROUPS = {"npy": write_npy_fixtures}

if __name__ == "__main__":
    wanted = sys.argv[1:] or list(GROUPS)
    for name in wanted:
        GROUPS[name]()
        print("wrote", name)
