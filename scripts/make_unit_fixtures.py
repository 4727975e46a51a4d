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


RNG_SHAPES = [(1, 8, 256, 16), (2, 8, 250, 16), (1, 4, 32, 4), (3, 5, 7), (17,), (15,), (5,), (1,)]
RNG_SEEDS = [0, 1, 42, 2**32 + 7, 987654321987654321, -1]
# Arrays up to this size are stored whole; bigger ones as sha256 plus their first/last EXCERPT values.
RNG_FULL_LIMIT = 4096
RNG_EXCERPT = 1024


def write_rng_fixtures():
    """torch.randn(shape, generator=torch.Generator("cpu").manual_seed(seed)) for the TorchGenerator tests.

    Each case is a seed and a list of successive randn calls on one generator. cases.json lists them;
    every call's output is in rng/<case>_<call>.npy (whole, or head+tail excerpt with the sha256 of the
    whole little-endian float32 array)."""
    import hashlib
    import json

    import torch

    assert torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512"), "fixtures must come from the AVX2 kernel"
    out = FIXTURES / "rng"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.npy"):
        old.unlink()
    plans = [(f"seed{seed}_{'x'.join(map(str, shape))}", seed, [shape]) for seed in RNG_SEEDS for shape in RNG_SHAPES]
    plans += [
        # path B keeps a cached sine sample across calls; path A neither uses nor clears it
        ("successive_paths", 0, [(3,), (3,), (5,), (1, 4, 32, 4), (1,), (17,), (2,)]),
        # DDIM eta > 0: initial latents, then one latent-shaped randn per step from the same generator
        ("successive_latents", 1234, [(1, 4, 32, 4), (1, 4, 32, 4), (1, 4, 32, 4)]),
        ("successive_real_latents", 42, [(1, 8, 256, 16), (1, 8, 256, 16)]),
    ]
    cases = []
    for name, seed, shapes in plans:
        g = torch.Generator("cpu").manual_seed(seed)
        calls = []
        for k, shape in enumerate(shapes):
            values = torch.randn(shape, generator=g, dtype=torch.float32).numpy().astype("<f4").ravel()
            file = f"{name}_{k}.npy"
            whole = values.size <= RNG_FULL_LIMIT
            stored = values if whole else np.concatenate([values[:RNG_EXCERPT], values[-RNG_EXCERPT:]])
            np.save(out / file, stored)
            calls.append({"shape": list(shape), "file": file, "whole": whole,
                          "sha256": hashlib.sha256(values.tobytes()).hexdigest()})
        cases.append({"name": name, "seed": seed, "calls": calls})
    meta = {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "excerpt": RNG_EXCERPT, "cases": cases}
    (out / "cases.json").write_text(json.dumps(meta, indent=1) + "\n")


GROUPS = {"npy": write_npy_fixtures, "rng": write_rng_fixtures}

if __name__ == "__main__":
    wanted = sys.argv[1:] or list(GROUPS)
    for name in wanted:
        GROUPS[name]()
        print("wrote", name)
