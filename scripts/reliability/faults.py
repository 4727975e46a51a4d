"""Faults that need no jobs API: SIGTERM while requests run; the model folder made unreadable and a graph
corrupted while the service runs; a client that disconnects mid-body and one that disconnects mid-job."""

import os
import shutil
import signal
import socket
import stat
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from .common import TINY_BUNDLE, Check, call, process_stats, start

SMALL = {"prompt": "rain", "duration": 1.0, "num_inference_steps": 10, "seed": 3}


def sigterm_under_load(out_dir, check):
    service = start(out_dir, "fault-sigterm")
    stop = threading.Event()
    answers, lock = [], threading.Lock()

    def client(index):
        while not stop.is_set():
            answer = call(service, "POST", "/predict", {**SMALL, "seed": index, "duration": 2.0}, timeout=90)
            with lock:
                answers.append(answer)
            if answer.status is None:
                return  # the listener is gone
            if answer.status == 503:
                time.sleep(0.2)

    with ThreadPoolExecutor(12) as pool:
        for i in range(12):
            pool.submit(client, i)
        time.sleep(4)
        sent_at = time.monotonic()
        service.process.send_signal(signal.SIGTERM)
        try:
            code = service.process.wait(timeout=90)
        except Exception:
            service.process.kill()
            code = service.process.wait()
        exit_s = time.monotonic() - sent_at
        stop.set()
    seen = Counter(a.kind for a in answers)
    check.expect(code == 143, f"SIGTERM exit code {code}, expected 143")
    check.expect(all(a.status in (200, 503, None) for a in answers), f"SIGTERM: unexpected answers {dict(seen)}")
    check.expect(not any(type(a.error).__name__ == "TimeoutError" for a in answers), "SIGTERM: a client hung")
    return {"exit_code": code, "exit_s": exit_s, "clients": 12, "client_saw": dict(seen)}


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


def disconnects(out_dir, check):
    service = start(out_dir, "fault-disconnect")
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
        service.stop()


def cancelled_count(service):
    text = call(service, "GET", "/q/metrics", timeout=10).body.decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("audioldm2_failures_total") and 'kind="cancelled"' in line)


def run(out_dir, short):
    check = Check()
    figures = {"sigterm_under_load": sigterm_under_load(out_dir, check),
               "model_folder": model_folder_faults(out_dir, check),
               "disconnects": disconnects(out_dir, check)}
    return check, figures
