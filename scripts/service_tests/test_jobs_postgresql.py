"""Two replicas sharing one PostgreSQL jobs store: one is killed mid-job and the other takes its job over once the
lease expires, finishes every job and serves its audio. Runs when AUDIOLDM2_TEST_POSTGRES_URL names a database
(jdbc:postgresql://127.0.0.1:PORT/DB, with AUDIOLDM2_TEST_POSTGRES_USER / _PASSWORD); skipped otherwise."""

import os
import time

import pytest

from conftest import start_service
from test_jobs import QUICK, finished, job, predict_wav, submit, wait_for

URL = os.environ.get("AUDIOLDM2_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="AUDIOLDM2_TEST_POSTGRES_URL is not set")
LEASE_SECONDS = 6


def replica(tmp_path_factory, name):
    return start_service(tmp_path_factory, name, {
        "AUDIOLDM2_JOBS_STORE_URL": URL,
        "AUDIOLDM2_JOBS_STORE_USER": os.environ.get("AUDIOLDM2_TEST_POSTGRES_USER", ""),
        "AUDIOLDM2_JOBS_STORE_PASSWORD": os.environ.get("AUDIOLDM2_TEST_POSTGRES_PASSWORD", ""),
        "AUDIOLDM2_JOBS_LEASE_SECONDS": str(LEASE_SECONDS),
        "AUDIOLDM2_JOBS_INSTANCE_ID": name,
        "AUDIOLDM2_DATA_DIR": str(tmp_path_factory.mktemp(name) / "unused"),
    })


def test_a_replica_killed_mid_job_is_taken_over_by_the_other(tmp_path_factory):
    a = replica(tmp_path_factory, "replica-a")
    b = replica(tmp_path_factory, "replica-b")
    try:
        requests = [{"prompt": "long", "duration": 2.0, "num_inference_steps": 200, "seed": 21},
                    {"prompt": "long too", "duration": 2.0, "num_inference_steps": 200, "seed": 22}] + [
            {**QUICK, "seed": seed} for seed in (23, 24, 25)]
        ids = [submit(a if k % 2 else b, request)["id"] for k, request in enumerate(requests)]
        # both replicas run one of the long jobs; any replica answers for any job
        wait_for("both long jobs run", lambda: all(job(b, i)["status"] == "running" for i in ids[:2]))
        wait_for("a job is mid-denoising", lambda: any(job(a, i)["progress"]["step"] >= 1 for i in ids[:2]))
        started = {i: job(b, i)["started_at"] for i in ids[:2]}
        a.process.kill()
        killed_at = time.monotonic()
        a.process.wait()
        a = None
        wait_for("the killed replica's job is taken over", lambda: any(
            job(b, i)["started_at"] not in (None, started[i]) for i in ids[:2]))
        print(f"\ntakeover of the killed replica's job: {time.monotonic() - killed_at:.1f} s after kill -9 "
              f"(lease {LEASE_SECONDS} s)")
        views = [finished(b, i) for i in ids]
        print(f"after kill -9 of one replica: {sum(v['status'] == 'succeeded' for v in views)} of {len(ids)} "
              f"jobs succeeded on the other, all within {time.monotonic() - killed_at:.1f} s (lease {LEASE_SECONDS} s)")
        assert all(view["status"] == "succeeded" for view in views), views
        for job_id, request in zip(ids, requests):
            status, _, wav = b.request("GET", f"/jobs/{job_id}/audio")
            assert status == 200 and wav == predict_wav(b, request)
    finally:
        for service in (a, b):
            if service is not None:
                service.stop()
