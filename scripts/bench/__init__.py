"""Benchmark scripts, run as modules with scripts/ on the import path (see docs/PERFORMANCE.md):
PYTHONPATH=scripts .venv/bin/python -m bench.<script> ..."""
