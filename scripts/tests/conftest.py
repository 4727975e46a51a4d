"""Shared fixtures: one tiny diffusers folder and one exported bundle per test session (about a minute).
scripts/ is on the import path through scripts/pytest.ini (pythonpath)."""

import pytest


@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory):
    from audioldm2_export.configs import tiny_spec
    from audioldm2_export.tiny import build_pipeline

    folder = tmp_path_factory.mktemp("tiny") / "diffusers"
    build_pipeline(tiny_spec(), folder)
    return folder


@pytest.fixture(scope="session")
def tiny_pipe(tiny_folder):
    from audioldm2_export.source import load_pipeline

    return load_pipeline(tiny_folder)


@pytest.fixture(scope="session")
def tiny_bundle(tiny_folder, tmp_path_factory):
    import export_onnx

    out = tmp_path_factory.mktemp("bundle") / "tiny"
    assert export_onnx.run(["--model", str(tiny_folder), "--out", str(out)]) == 0
    return out
