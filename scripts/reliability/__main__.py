"""python -m reliability [--short] [--only load,soak,fuzz,faults] (PYTHONPATH=scripts, from the repository root).

Starts the packaged jar (target/quarkus-app/quarkus-run.jar) on loopback with the committed tiny bundle for each
section (in --short mode one service for load, soak and fuzz, SHARED_ENV, with its own data dir; every fault
starts its own), writes each section's figures to build/reliability/<section>.json, and exits 1 if any expectation failed.
The full mode (no --short) also rewrites the suite's part of docs/RELIABILITY.md from those files."""

import argparse
import json
import sys
import time
from pathlib import Path

from . import doc, faults, fuzz, load, soak
from .common import REPO, start

SECTIONS = {"load": load.run, "soak": soak.run, "fuzz": fuzz.run, "faults": faults.run}
# The fuzz section's tight limits, with room for the load and soak sections' 3 s requests.
SHARED_ENV = {**fuzz.LIMITS, "AUDIOLDM2_LIMITS_MAX_DURATION": "3"}


def main():
    parser = argparse.ArgumentParser(prog="reliability")
    parser.add_argument("--short", action="store_true", help="the CI size (about 8 minutes on 2 shared cores: 480 s measured, 254 s of it the six faults)")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--doc-only", action="store_true", help="rewrite docs/RELIABILITY.md from the saved figures")
    args = parser.parse_args()
    out = REPO / "build" / "reliability" / ("short" if args.short else "full")
    out.mkdir(parents=True, exist_ok=True)
    failed = []
    shared = None
    suite_started = time.monotonic()
    try:
        if not args.doc_only and args.short:
            shared = start(out, "shared", {**SHARED_ENV, "AUDIOLDM2_DATA_DIR": str(out / "shared-data")})
        for name in [] if args.doc_only else args.only.split(","):
            started = time.monotonic()
            print(f"== reliability: {name} ({'short' if args.short else 'full'})", flush=True)
            check, figures = SECTIONS[name](out, args.short, shared)
            figures["section_wall_s"] = time.monotonic() - started
            figures["failures"] = check.failures
            (out / f"{name}.json").write_text(json.dumps(figures, indent=1, default=str))
            summary = {k: v for k, v in figures.items() if k not in ("samples", "cases")}
            print(json.dumps(summary, default=str), flush=True)
            for failure in check.failures:
                print(f"FAIL {name}: {failure}", flush=True)
            if check.failures:
                failed.append(name)
    finally:
        if shared:
            shared.stop()
    print(f"reliability: {time.monotonic() - suite_started:.0f} s", flush=True)
    if not args.short:
        doc.write(out)
    if failed:
        print(f"reliability: failed: {', '.join(failed)}")
        return 1
    print("reliability: all sections passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
