"""Faults: those with jobs (faults_jobs.py: kill -9 mid-job, SIGTERM under load, the disk full, an ONNX Runtime
failure in one graph run), the model folder made unreadable and a graph corrupted while the service runs, a client
that disconnects mid-body and one that disconnects mid-job."""

import os
import shutil
import signal
import socket
import stat
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from . import faults_jobs
from .common import TINY_BUNDLE, Check, call, process_stats, start

SMALL = {"prompt": "rain", "duration": 1.0, "num_inference_steps": 10, "seed": 3}


def model_folder_faults(out_dir, check):
    bundle = out_dir / "bundle-copy"
    shutil.rmtree(bundle, ignore_errors=True)
    shutil.copytree(TINY_BUNDLE, bundle)
    service = start(out_dir, "fault-model", {"AUDIOLDM2_MODEL_DIR": str(bundle)})
    try:
        before = call(service, "POST", "/predict", SMALL, timeout=90)
        # corrupt two graphs in place, then make the folder unreadable (mode 000, and moved away: root ignores modes)
        for graph in ("unet.onnx", "vocoder.onnx"):
            with open(bundle / graph, "r+b") as f:
                f.seek(0)
                f.write(os.urandom(4096))
        corrupted = call(service, "POST", "/predict", SMALL, timeout=90)
        os.chmod(bundle, 0)
        moved = bundle.with_name("bundle-gone")
        shutil.rmtree(moved, ignore_errors=True)
        os.rename(bundle, moved)
        unreadable = [call(service, "POST", "/predict", {**SMALL, "seed": s}, timeout=90) for s in range(3)]
        health = call(service, "GET", "/health", timeout=10)
        os.chmod(moved, stat.S_IRWXU)
        alive = service.process.poll() is None
        same = corrupted.status == 200 and before.status == 200 and corrupted.json()["audio_b64"] == before.json()["audio_b64"]
        check.expect(alive, "the service died after its model folder was damaged")
        check.expect(all(a.status == 200 or (a.status is not None and a.status < 500) or
                         (a.status == 500 and b"trace id" in a.body) for a in [corrupted, *unreadable]),
                     "damaged model folder: an answer that is neither 200 nor a clear error")
        return {"before": before.kind, "after_graphs_corrupted": corrupted.kind, "same_audio_as_before": same,
                "after_folder_unreadable": [a.kind for a in unreadable], "health_after": health.kind, "alive": alive}
    finally:
        service.stop()


def disconnects(out_dir, check, shared=None):
    service = shared or start(out_dir, "fault-disconnect")
    try:
        call(service, "POST", "/predict", SMALL, timeout=90)  # warm
        fds_before = process_stats(service.process.pid)["fds"]
        for _ in range(20):  # mid-body: a Content-Length body cut short, then closed
            with socket.create_connection(("127.0.0.1", service.port), timeout=10) as s:
                s.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 100000\r\n\r\n{\"prompt\": \"rain\", \"dur")
        after_body = call(service, "POST", "/predict", SMALL, timeout=90)
        cancelled_before = cancelled_count(service)
        started = time.monotonic()
        for _ in range(3):  # mid-job: a long job's connection closed while it runs
            payload = b'{"prompt": "rain", "duration": 10, "num_inference_steps": 300, "seed": 1}'
            with socket.create_connection(("127.0.0.1", service.port), timeout=10) as s:
                s.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n" % len(payload) + payload)
                time.sleep(1.5)
        after_job = call(service, "POST", "/predict", SMALL, timeout=120)
        next_s = time.monotonic() - started
        time.sleep(1)
        cancelled = cancelled_count(service) - cancelled_before
        fds_after = process_stats(service.process.pid)["fds"]
        check.expect(after_body.status == 200, f"after mid-body disconnects the next request got {after_body.kind}")
        check.expect(after_job.status == 200, f"after mid-job disconnects the next request got {after_job.kind}")
        check.expect(cancelled >= 3, f"mid-job disconnects cancelled {cancelled} jobs, expected 3")
        check.expect(service.process.poll() is None, "the service died")
        return {"mid_body_disconnects": 20, "next_after_mid_body": after_body.kind, "mid_job_disconnects": 3,
                "jobs_cancelled": cancelled, "next_after_mid_job": after_job.kind,
                "seconds_until_next_answered": next_s, "fds_before_after": [fds_before, fds_after]}
    finally:
        if service is not shared:
            service.stop()


def cancelled_count(service):
    text = call(service, "GET", "/q/metrics", timeout=10).body.decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("audioldm2_failures_total") and 'kind="cancelled"' in line)


FAULTS = {"kill9_mid_job": faults_jobs.kill9_mid_job, "sigterm_under_load": faults_jobs.sigterm_with_jobs,
          "disk_full": faults_jobs.disk_full, "onnx_failure": faults_jobs.onnx_failure,
          "model_folder": model_folder_faults, "disconnects": disconnects}


def run(out_dir, short, shared=None):
    """Every fault (RELIABILITY_FAULTS=name,name for some), each on a service of its own (shared is not used)."""
    check = Check()
    faults_jobs.SHORT = short
    figures = {}
    names = os.environ.get("RELIABILITY_FAULTS", ",".join(FAULTS)).split(",")
    for name in names:
        started = time.monotonic()
        # Every fault starts its own service: the mid-job disconnect needs a 300-step request, which the shared
        # service's tight limits refuse with 422.
        figures[name] = FAULTS[name](out_dir, check)
        figures[name]["wall_s"] = time.monotonic() - started
    return check, figures
