"""Faults with the jobs API (durable jobs in an embedded store under AUDIOLDM2_DATA_DIR): kill -9 mid-job then a
restart on the same data dir; SIGTERM under load with jobs and /predict in flight, then a restart; the data dir on
a full filesystem (a small tmpfs); and an ONNX Runtime failure inside one graph run (faulty_bundle.py)."""

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from . import faulty_bundle
from .common import Check, call, process_stats, start

QUICK = {"prompt": "rain", "duration": 1.0, "num_inference_steps": 10}
LONG = {"prompt": "the long one", "duration": 2.0, "num_inference_steps": 150, "seed": 1}
SHORT = False  # set by faults.run: fewer rounds in --short


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def view(service, job_id):
    answer = call(service, "GET", f"/jobs/{job_id}", timeout=30)
    return answer.json() if answer.status == 200 else {"status": f"http {answer.kind}"}


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    return None


def settle(service, ids, timeout=300):
    """The final view of every job (or its last one when it did not finish in time)."""
    last = {}

    def done():
        for job_id in ids:
            if last.get(job_id, {}).get("status") not in ("succeeded", "failed", "cancelled"):
                last[job_id] = view(service, job_id)
        return all(v.get("status") in ("succeeded", "failed", "cancelled") for v in last.values())

    wait_until(done, timeout)
    return last


def audio_ok(service, ids):
    return sum(call(service, "GET", f"/jobs/{i}/audio", timeout=30).status == 200 for i in ids)


def kill9_mid_job(out_dir, check):
    env = {"AUDIOLDM2_DATA_DIR": str(fresh_dir(out_dir / "kill9-data"))}
    first = start(out_dir, "fault-kill9-before", env)
    requests = [LONG] + [{**QUICK, "seed": s} for s in range(2, 8)]
    answers = [call(first, "POST", "/jobs", r, timeout=30) for r in requests]
    ids = [a.json()["id"] for a in answers if a.status == 202]
    wait_until(lambda: (view(first, ids[0]).get("progress") or {}).get("step", 0) >= 2, 120)
    at_kill = Counter(view(first, i)["status"] for i in ids)
    first.process.kill()  # SIGKILL: no shutdown hook, no requeue
    code = first.process.wait()
    second = start(out_dir, "fault-kill9-after", env)
    try:
        present = sum(call(second, "GET", f"/jobs/{i}", timeout=30).status == 200 for i in ids)
        final = settle(second, ids)
        statuses = Counter(v["status"] for v in final.values())
        served = audio_ok(second, ids)
        check.expect(len(ids) == len(requests), f"kill -9: {len(ids)} of {len(requests)} submissions accepted")
        check.expect(present == len(ids), f"kill -9: {present} of {len(ids)} accepted jobs present after restart")
        check.expect(statuses.get("succeeded", 0) == len(ids), f"kill -9: after restart {dict(statuses)}")
        check.expect(served == len(ids), f"kill -9: audio served for {served} of {len(ids)}")
        return {"submitted": len(requests), "accepted": len(ids), "at_kill": dict(at_kill), "exit_code": code,
                "present_after_restart": present, "after_restart": dict(statuses), "audio_served": served}
    finally:
        second.stop()


def sigterm_with_jobs(out_dir, check):
    """SIGTERM while 8 clients loop /predict, a long job runs, quick jobs wait and a submitter keeps adding jobs;
    then a restart on the same data dir, where every accepted job must finish."""
    env = {"AUDIOLDM2_DATA_DIR": str(fresh_dir(out_dir / "sigterm-data"))}
    service = start(out_dir, "fault-sigterm", env)
    stop = threading.Event()
    answers, submits, accepted, lock = [], [], [], threading.Lock()
    first = call(service, "POST", "/jobs", LONG, timeout=30)
    if first.status == 202:
        accepted.append(first.json()["id"])
    for s in range(2, 6):
        a = call(service, "POST", "/jobs", {**QUICK, "seed": s}, timeout=30)
        if a.status == 202:
            accepted.append(a.json()["id"])

    def client(index):
        while not stop.is_set():
            answer = call(service, "POST", "/predict", {**QUICK, "seed": index, "duration": 2.0}, timeout=90)
            with lock:
                answers.append(answer)
            if answer.status is None:
                return  # the listener is gone
            if answer.status == 503:
                time.sleep(0.2)

    def submitter():
        seed = 100
        while not stop.is_set():
            answer = call(service, "POST", "/jobs", {**QUICK, "seed": seed}, timeout=30)
            seed += 1
            with lock:
                submits.append(answer)
                if answer.status == 202:
                    accepted.append(answer.json()["id"])
            if answer.status is None:
                return
            time.sleep(0.5)

    with ThreadPoolExecutor(9) as pool:
        for i in range(8):
            pool.submit(client, i)
        pool.submit(submitter)
        wait_until(lambda: (view(service, accepted[0]).get("progress") or {}).get("step", 0) >= 2, 120)
        time.sleep(2)
        with lock:
            ids_at_term = list(accepted)
        at_term = {i: view(service, i)["status"] for i in ids_at_term}
        sent_at = time.monotonic()
        service.process.send_signal(signal.SIGTERM)
        try:
            code = service.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            service.process.kill()
            code = service.process.wait()
        exit_s = time.monotonic() - sent_at
        stop.set()
    seen = Counter(a.kind for a in answers)
    submit_seen = Counter(a.kind for a in submits)
    second = start(out_dir, "fault-sigterm-after", env)
    try:
        after = {i: view(second, i)["status"] for i in accepted}
        final = settle(second, accepted)
        statuses = Counter(v["status"] for v in final.values())
        running_at_term = [i for i, s in at_term.items() if s == "running"]
        check.expect(code == 143, f"SIGTERM exit code {code}, expected 143")
        check.expect(all(a.status in (200, 503, None) for a in answers), f"SIGTERM: unexpected /predict answers {dict(seen)}")
        check.expect(all(a.status in (202, 503, None) for a in submits), f"SIGTERM: unexpected POST /jobs answers {dict(submit_seen)}")
        check.expect(not any(type(a.error).__name__ == "TimeoutError" for a in answers + submits), "SIGTERM: a client hung")
        check.expect(statuses.get("succeeded", 0) == len(accepted), f"SIGTERM: after restart {dict(statuses)} of {len(accepted)}")
        return {"exit_code": code, "exit_s": exit_s, "predict_clients": 8, "predict_saw": dict(seen),
                "submits_saw": dict(submit_seen), "accepted": len(accepted),
                "at_sigterm": dict(Counter(at_term.values())),
                "running_at_sigterm_first_seen_after_restart": [after[i] for i in running_at_term],
                "first_seen_after_restart": dict(Counter(after.values())), "after_restart": dict(statuses),
                "audio_served": audio_ok(second, accepted),
                # no such line: the stop itself put its running job back in the queue (JobRunner.onStop)
                "requeued_by_restart": "interrupted by the last stop" in
                                       (out_dir / "fault-sigterm-after.log").read_text(errors="replace")}
    finally:
        second.stop()


def disk_full(out_dir, check):
    """The data dir on a 24 MiB tmpfs (mount needs root: skipped, and said so, without it); a long job runs while a
    filler file takes every free byte."""
    mount = out_dir / "full-fs"
    if os.path.ismount(mount):
        subprocess.run(["umount", str(mount)], check=False)
    fresh_dir(mount)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        # Mounting needs root (CAP_SYS_ADMIN). As root a failed mount is a failure; otherwise the fault is skipped
        # and says so in the figures and the output, rather than faking a full disk.
        why = mounted.stderr.strip()
        check.expect(os.geteuid() != 0, f"disk full: cannot mount a tmpfs as root ({why})")
        print(f"reliability faults: disk full SKIPPED: cannot mount a tmpfs ({why}); run as root", flush=True)
        return {"mounted": False, "why": why}
    service = None
    try:
        # a short lease: a job whose result could not be written runs again sooner (in --short)
        env = {"AUDIOLDM2_DATA_DIR": str(mount / "data")}
        if SHORT:
            env["AUDIOLDM2_JOBS_LEASE_SECONDS"] = "6"
        service = start(out_dir, "fault-disk-full", env)
        warm = call(service, "POST", "/jobs", {**QUICK, "seed": 1}, timeout=30)
        warm_final = settle(service, [warm.json()["id"]], 120) if warm.status == 202 else {}
        running = call(service, "POST", "/jobs", {**LONG, "num_inference_steps": 60}, timeout=30).json()["id"]
        started_first = wait_until(lambda: (lambda v: v.get("started_at") if v["status"] == "running" else None)(
            view(service, running)), 60)
        filler = mount / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            for size in (1 << 16, 1):  # every free byte
                try:
                    while os.write(fd, b"\0" * size):
                        pass
                except OSError:
                    pass
        finally:
            os.close(fd)
        free_after_fill = shutil.disk_usage(mount).free
        full_submits = [call(service, "POST", "/jobs", {**QUICK, "seed": s}, timeout=60) for s in range(10, 13)]
        full_accepted = [a.json()["id"] for a in full_submits if a.status == 202]
        running_view = wait_until(lambda: (lambda v: v if v["status"] not in ("running", "queued") else None)(
            view(service, running)), 15 if SHORT else 40) or view(service, running)
        full_reads = [call(service, "GET", f"/jobs/{running}", timeout=60), call(service, "GET", "/jobs", timeout=60)]
        predict_full = call(service, "POST", "/predict", {**QUICK, "seed": 20}, timeout=60)
        alive_full = service.process.poll() is None
        filler.unlink()
        time.sleep(1)
        recovered = call(service, "POST", "/jobs", {**QUICK, "seed": 30}, timeout=60)
        recovered_id = recovered.json()["id"] if recovered.status == 202 else None
        ids = [running] + full_accepted + ([recovered_id] if recovered_id else [])
        final = settle(service, ids, 240)
        long_audio = call(service, "GET", f"/jobs/{running}/audio", timeout=30)

        def answer_of(a):
            return {"status": a.kind, "retry_after": a.headers.get("retry-after"),
                    "detail": (a.json().get("detail") if a.status and a.body[:1] == b"{" else None)}

        clear = lambda a: a.status in (200, 202) or (a.status in (503, 507) and "retry-after" in a.headers) or \
            (a.status == 500 and b"trace" in a.body)
        check.expect(alive_full and service.process.poll() is None, "disk full: the service died")
        check.expect(all(clear(a) for a in full_submits + full_reads),
                     f"disk full: unclear answers {[answer_of(a) for a in full_submits + full_reads]}")
        check.expect(not any(a.status is None for a in full_submits + full_reads), "disk full: a request hung")
        long_final = final[running]["status"]
        check.expect(long_final != "succeeded" or long_audio.status == 200,
                     f"disk full: the running job is {long_final} but its audio answers {long_audio.kind}")
        check.expect(recovered.status == 202 and final.get(recovered_id, {}).get("status") == "succeeded",
                     f"disk full: after space returned POST /jobs {recovered.kind}, job "
                     f"{final.get(recovered_id, {}).get('status')}")
        check.expect(all(final[i]["status"] == "succeeded" for i in full_accepted),
                     f"disk full: jobs accepted while full ended {[final[i]['status'] for i in full_accepted]}")
        return {"mounted": True, "fs": "tmpfs 24 MiB", "warm_job": warm_final and next(iter(warm_final.values()))["status"],
                "free_bytes_after_fill": free_after_fill,
                "running_job_while_full": running_view["status"], "running_job_error": running_view.get("error"),
                "running_job_final": long_final, "running_job_audio": long_audio.kind,
                "running_job_ran_again": final[running].get("started_at") != started_first,
                "submits_while_full": [answer_of(a) for a in full_submits],
                "reads_while_full": [answer_of(a) for a in full_reads],
                "predict_while_full": predict_full.kind, "alive": service.process.poll() is None,
                "after_space_returned": {"submit": recovered.kind,
                                         "job": final.get(recovered_id, {}).get("status"),
                                         "accepted_while_full": [final[i]["status"] for i in full_accepted]}}
    finally:
        if service:
            service.stop()
        subprocess.run(["umount", str(mount)], check=False)


def onnx_failure(out_dir, check):
    """A vocoder whose extra Reshape fails inside OrtSession.run unless batch x frames divides by 7 (faulty_bundle)."""
    bundle = faulty_bundle.build(out_dir / "bundle-faulty-vocoder", 7)
    service = start(out_dir, "fault-onnx", {"AUDIOLDM2_MODEL_DIR": str(bundle),
                                             "AUDIOLDM2_DATA_DIR": str(fresh_dir(out_dir / "onnx-data"))})
    try:
        good = {**QUICK, "duration": 1.4, "seed": 1}   # 140 mel frames: divides by 7
        bad = {**QUICK, "duration": 1.0, "seed": 1}    # 100 mel frames: fails in the graph
        first_good = call(service, "POST", "/predict", good, timeout=90)
        first_bad = call(service, "POST", "/predict", bad, timeout=90)
        stats_before = process_stats(service.process.pid)
        rounds = 10 if SHORT else 30
        kinds = Counter()
        for n in range(rounds):
            kinds["bad " + call(service, "POST", "/predict", {**bad, "seed": n}, timeout=90).kind] += 1
            kinds["good " + call(service, "POST", "/predict", {**good, "seed": n}, timeout=90).kind] += 1
        job = call(service, "POST", "/jobs", bad, timeout=30)
        job_view = settle(service, [job.json()["id"]], 120)[job.json()["id"]] if job.status == 202 else {}
        stats_after = process_stats(service.process.pid)
        next_good = call(service, "POST", "/predict", good, timeout=90)
        body = first_bad.body.decode(errors="replace")
        trace = re.search(r"trace id ([0-9a-f]+)", body)
        trace = trace.group(1) if trace else None
        leaked = [w for w in ("Reshape", "onnxruntime", "OrtException", "fault_reshape", "at ai.", "Exception")
                  if w in body]
        check.expect(first_good.status == 200, f"onnx failure: a request of a good size got {first_good.kind}")
        check.expect(first_bad.status == 500 and "trace" in body, f"onnx failure: {first_bad.kind} {body[:200]}")
        check.expect(not leaked, f"onnx failure: the answer leaks {leaked}: {body[:300]}")
        check.expect(kinds == Counter({"bad 500": rounds, "good 200": rounds}), f"onnx failure: {dict(kinds)}")
        check.expect(next_good.status == 200 and service.process.poll() is None, "onnx failure: not recovered")
        job_error = job_view.get("error") or {}
        check.expect(job_view.get("status") == "failed" and job_error.get("status_code") == 500
                     and str(job_error.get("detail", "")).startswith("internal error (trace id "),
                     f"onnx failure in a job: POST /jobs {job.kind}, view {job_view}")
        growth = (stats_after["rss_kib"] - stats_before["rss_kib"]) / stats_before["rss_kib"]
        check.expect(stats_after["fds"] <= stats_before["fds"] + 4 and stats_after["threads"] <= stats_before["threads"] + 4,
                     f"onnx failure: fds/threads grew {stats_before} -> {stats_after}")
        check.expect(growth < 0.25, f"onnx failure: RSS grew {growth:.1%}")
        return {"first_good": first_good.kind, "first_bad": first_bad.kind, "bad_body": body[:300],
                "trace_id_in_body": trace, "leaked": leaked, "rounds": rounds, "alternating": dict(kinds),
                "job_with_bad_size": job_view.get("status"), "job_error": job_view.get("error"),
                "next_good": next_good.kind, "stats_before": stats_before, "stats_after": stats_after,
                "rss_growth": growth}
    finally:
        service.stop()
