"""Fuzz: schemathesis against /q/openapi (bounded examples and time), then a seeded corpus of mutated JSON bodies
and audio files (corpus.py) sent to /predict. Expected: no 5xx, no hang (client timeout), the process alive and
healthy after. The instance runs with tight generation limits (which /q/openapi then publishes, so schemathesis
stays inside them), so that a valid request costs about a second on the tiny bundle."""

import re
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from . import corpus
from .common import REPO, Check, call, start

LIMITS = {"AUDIOLDM2_LIMITS_MAX_DURATION": "2", "AUDIOLDM2_LIMITS_MAX_STEPS": "12",
          "AUDIOLDM2_LIMITS_MAX_WAVEFORMS_PER_PROMPT": "2", "AUDIOLDM2_LIMITS_MAX_BATCH_ITEMS": "2",
          "AUDIOLDM2_DEFAULTS_NUM_INFERENCE_STEPS": "10", "AUDIOLDM2_DEFAULTS_DURATION": "1"}
CLIENT_TIMEOUT_S = 90.0


def schemathesis(service, out_dir, short, check):
    schemathesis_bin = REPO / ".venv" / "bin" / "schemathesis"
    command = [str(schemathesis_bin), "run", f"{service.base}/q/openapi",
               "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance",
               "--max-examples", "8" if short else "100", "--max-time", "25" if short else "240",
               "--request-timeout", str(CLIENT_TIMEOUT_S), "--seed", "1", "--workers", "2", "--no-color",
               "--phases", "examples,coverage,fuzzing", "--suppress-health-check", "all",
               # schemathesis 4.32.5 under Python 3.11.7 fails to generate /predict/batch bodies (its own
               # "SystemError: AST constructor recursion depth mismatch"): that operation is left to the corpus' JSON.
               "--exclude-path", "/predict/batch"]
    started = time.monotonic()
    result = subprocess.run(command, cwd=out_dir, capture_output=True, text=True, timeout=900)
    (out_dir / "schemathesis.txt").write_text(result.stdout + result.stderr)
    lines = [line.strip() for line in result.stdout.splitlines() if not line.lstrip().startswith("|")]
    # the per-phase tallies ("✅ 2 passed  ❌ 1 failed") and the "Test cases:" line's tally
    summary = [line for line in lines if re.match(r"^\W*\d+ (passed|failed|error|skipped)", line)]
    summary += [lines[i + 1] for i, line in enumerate(lines[:-1]) if line.startswith("Test cases:")]
    # A failed check (a 5xx, a nonconforming answer) fails the run; schemathesis' own crashes while it generates
    # (its "Runtime Error", e.g. the AST recursion error on POST /jobs' body) are reported, not counted as ours.
    failed = re.search(r"^\W*\d+ failed|^Failures:", result.stdout, re.MULTILINE)
    tool_errors = len(re.findall(r"Runtime Error", result.stdout))
    check.expect(result.returncode == 0 or (not failed and tool_errors > 0),
                 f"schemathesis exited {result.returncode}: see {out_dir / 'schemathesis.txt'}")
    return {"exit": result.returncode, "tool_errors": tool_errors, "summary": summary[-4:],
            "wall_s": time.monotonic() - started,
            "command": " ".join(["schemathesis"] + command[2:3] + command[3:])}


def run(out_dir, short, shared=None):
    check = Check()
    service = shared or start(out_dir, "fuzz", LIMITS)
    try:
        figures = {"limits": LIMITS if shared is None else "the shared service's (reliability.__main__.SHARED_ENV)", "schemathesis": schemathesis(service, out_dir, short, check)}
        cases = [(d, "/predict", b) for d, b in corpus.generate(500 if short else 5200)]
        max_items = int(LIMITS["AUDIOLDM2_LIMITS_MAX_BATCH_ITEMS"])
        cases += [(d, "/predict/batch", b) for d, b in corpus.generate_batch(100 if short else 800, max_items)]

        def send(case):
            description, path, body = case
            return description, path, call(service, "POST", path, body, timeout=CLIENT_TIMEOUT_S)

        started = time.monotonic()
        with ThreadPoolExecutor(3) as pool:
            sent = list(pool.map(send, cases))
        batch_statuses = Counter(a.kind for _, path, a in sent if path == "/predict/batch")
        results = [(d, a) for d, _, a in sent]
        statuses = Counter(answer.kind for _, answer in results)
        server_errors = [(d, a.status, a.body[:200]) for d, a in results if a.status is not None and a.status >= 500
                         and not (a.status == 503 and "retry-after" in a.headers)]
        no_answer = [(d, a.kind) for d, a in results if a.status is None]
        check.expect(not server_errors, f"{len(server_errors)} 5xx, e.g. {server_errors[:3]}")
        check.expect(not no_answer, f"{len(no_answer)} without an answer (hang or reset), e.g. {no_answer[:3]}")
        alive = service.process.poll() is None
        check.expect(alive, "the service died")
        healthy = alive and call(service, "GET", "/health", timeout=10).status == 200
        check.expect(healthy, "/health is not 200 after the corpus")
        figures.update({"corpus_inputs": len(cases),
                        "audio_inputs": sum(not d.startswith(("json", "batch")) for d, _, _ in cases),
                        "json_inputs": sum(d.startswith("json") for d, _, _ in cases),
                        "batch_inputs": sum(d.startswith("batch") for d, _, _ in cases),
                        "batch_statuses": dict(batch_statuses), "statuses": dict(statuses),
                        "server_errors": len(server_errors), "no_answer": len(no_answer), "alive_after": alive,
                        "healthy_after": healthy, "corpus_wall_s": time.monotonic() - started,
                        "examples_5xx": server_errors[:10]})
        return check, figures
    finally:
        if service is not shared:
            service.stop()
