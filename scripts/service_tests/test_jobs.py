"""POST /jobs against the packaged service, in its own JVMs: kill -9 and restart, 1,000 submissions at once, a
store that is down or damaged, an SSE client that leaves. Each service gets its own AUDIOLDM2_DATA_DIR."""

import http.client
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import start_service

QUICK = {"prompt": "a quick one", "duration": 1.0, "num_inference_steps": 10}


def data_env(tmp_path_factory, name):
    return {"AUDIOLDM2_DATA_DIR": str(tmp_path_factory.mktemp(name) / "data")}


def wait_for(what, condition, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting until {what}")


def job(service, job_id):
    status, _, view = service.request("GET", f"/jobs/{job_id}")
    assert status == 200, view
    return view


def submit(service, body):
    status, headers, view = service.request("POST", "/jobs", body)
    assert status == 202, view
    assert headers["Location"] == f"/jobs/{view['id']}"
    return view


def finished(service, job_id):
    return wait_for(f"job {job_id} finishes",
                    lambda: (lambda v: v if v["status"] not in ("queued", "running") else None)(job(service, job_id)))


def events(service, job_id, most=None, timeout=120):
    """(name, view) of each event, until the stream ends or `most` were read; then hangs up."""
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=timeout)
    connection.request("GET", f"/jobs/{job_id}/events")
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    seen, name, data = [], None, []
    try:
        while most is None or len(seen) < most:
            line = response.readline()
            if not line:
                break
            line = line.decode().rstrip("\r\n")
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif not line and name:
                seen.append((name, json.loads("".join(data)), time.monotonic()))
                name, data = None, []
    finally:
        connection.close()
    return seen


def predict_wav(service, request):
    status, _, wav = service.request("POST", "/predict", request, {"Accept": "audio/wav"})
    assert status == 200
    return wav


@pytest.fixture(scope="module")
def jobs_service(tmp_path_factory):
    running = start_service(tmp_path_factory, "jobs", data_env(tmp_path_factory, "jobs"))
    yield running
    running.stop()


def test_kill_9_mid_job_then_every_job_succeeds_with_predicts_audio(tmp_path_factory):
    env = data_env(tmp_path_factory, "kill9")
    first = start_service(tmp_path_factory, "kill9-before", env)
    requests = [{"prompt": "the long one", "duration": 2.0, "num_inference_steps": 150, "seed": 1}] + [
        {**QUICK, "seed": seed} for seed in (2, 3, 4)]
    ids = [submit(first, request)["id"] for request in requests]
    wait_for("the first job is mid-denoising", lambda: job(first, ids[0])["progress"]["step"] >= 2)
    assert all(job(first, i)["status"] == "queued" for i in ids[1:])
    first.process.kill()  # SIGKILL: no shutdown hook runs
    first.process.wait()

    second = start_service(tmp_path_factory, "kill9-after", env)
    try:
        views = [finished(second, i) for i in ids]
        recovered = sum(view["status"] == "succeeded" for view in views)
        print(f"\njobs recovered after kill -9: {recovered} of {len(ids)}")
        assert recovered == len(ids), views
        for job_id, request in zip(ids, requests):
            status, headers, wav = second.request("GET", f"/jobs/{job_id}/audio")
            assert status == 200 and headers["Content-Type"].startswith("audio/wav")
            assert wav == predict_wav(second, request)
    finally:
        second.stop()


def test_a_thousand_jobs_at_once_are_accepted_or_refused_with_503(tmp_path_factory):
    service = start_service(tmp_path_factory, "thousand", data_env(tmp_path_factory, "thousand"))
    try:
        # A long job holds the one worker, so the queue only grows: past max-queued (1000) submissions get 503.
        submit(service, {"prompt": "holds the worker", "duration": 4.0, "num_inference_steps": 500})
        total = 1010
        started = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda k: service.request("POST", "/jobs", {**QUICK, "seed": k}), range(total)))
        elapsed = time.monotonic() - started
        accepted = [view for status, _, view in answers if status == 202]
        refused = [(status, headers) for status, headers, _ in answers if status != 202]
        print(f"\n{len(accepted)} jobs accepted, {len(refused)} refused, in {elapsed:.1f} s: "
              f"{len(accepted) / elapsed:.0f} jobs/s accepted")
        assert all(status == 503 and "Retry-After" in headers for status, headers in refused), refused[:3]
        assert len(accepted) == 1000 and len(refused) == 10
        assert len({view["id"] for view in accepted}) == len(accepted)
        status, _, listed = service.request("GET", "/jobs?status=queued&limit=1000")
        assert status == 200 and len(listed["jobs"]) == 1000
        assert service.request("GET", "/health")[0] == 200
    finally:
        service.stop()


def test_unknown_ids_and_deleting_a_finished_job(jobs_service):
    for path in ("/jobs/00000000-0000-4000-8000-000000000000", "/jobs/x", "/jobs/..%2F..%2Fetc",
                 "/jobs/00000000-0000-4000-8000-000000000000/audio", "/jobs/x/events"):
        status, _, body = jobs_service.request("GET", path)
        assert status == 404 and "detail" in body, (path, status, body)
    job_id = submit(jobs_service, {**QUICK, "seed": 5})["id"]
    assert finished(jobs_service, job_id)["status"] == "succeeded"
    assert jobs_service.request("DELETE", f"/jobs/{job_id}")[0] == 204
    assert jobs_service.request("GET", f"/jobs/{job_id}")[0] == 404
    assert jobs_service.request("GET", f"/jobs/{job_id}/audio")[0] == 404
    assert jobs_service.request("DELETE", f"/jobs/{job_id}")[0] == 404


def test_progress_events_for_every_step_then_done_and_a_client_that_leaves_harms_nothing(jobs_service):
    submitted_at = time.monotonic()
    job_id = submit(jobs_service, {**QUICK, "seed": 6})["id"]
    seen = events(jobs_service, job_id)
    print(f"\nsubmit -> first progress event: {(seen[0][2] - submitted_at) * 1000:.0f} ms "
          f"(first event: {seen[0][0]}, {seen[0][1]['status']})")
    assert seen[-1][0] == "done" and seen[-1][1]["status"] == "succeeded"

    # the one worker is busy until the stream is open, so the stream follows the job from the queue to the end
    blocker = submit(jobs_service, {"prompt": "blocker", "duration": 2.0, "num_inference_steps": 300})["id"]
    target = submit(jobs_service, {**QUICK, "num_inference_steps": 40, "seed": 7})["id"]
    with ThreadPoolExecutor(1) as pool:
        stream = pool.submit(events, jobs_service, target)
        time.sleep(1.0)
        assert jobs_service.request("DELETE", f"/jobs/{blocker}")[0] == 200
        seen = stream.result()
    assert seen[0][1]["status"] == "queued"
    assert seen[-1][0] == "done" and seen[-1][1]["status"] == "succeeded"
    assert [name for name, _, _ in seen[:-1]] == ["progress"] * (len(seen) - 1)
    steps = {view["progress"]["step"] for _, view, _ in seen if view["progress"]["stage"] == "denoising"}
    assert set(range(1, 41)) <= steps

    leaving = submit(jobs_service, {**QUICK, "num_inference_steps": 40, "seed": 8})["id"]
    for _ in range(3):
        events(jobs_service, leaving, most=1)  # reads one event and hangs up
    assert finished(jobs_service, leaving)["status"] == "succeeded"
    assert [name for name, _, _ in events(jobs_service, leaving)] == ["done"]


def test_a_store_that_cannot_be_written_answers_503_and_predict_still_works(tmp_path_factory):
    blocked = tmp_path_factory.mktemp("blocked") / "a-file"
    blocked.write_text("not a folder")
    service = start_service(tmp_path_factory, "store-down", {"AUDIOLDM2_DATA_DIR": str(blocked / "data")})
    try:
        status, headers, body = service.request("POST", "/jobs", QUICK)
        assert status == 503 and headers.get("Retry-After"), (status, body)
        assert "store" in body["detail"]
        assert service.request("GET", "/jobs/00000000-0000-4000-8000-000000000000")[0] == 503
        assert service.request("POST", "/predict", QUICK)[0] == 200
    finally:
        service.stop()


def test_a_restart_on_a_damaged_store_answers_503_not_500(tmp_path_factory):
    env = data_env(tmp_path_factory, "damaged")
    first = start_service(tmp_path_factory, "damaged-before", env)
    job_id = submit(first, {**QUICK, "seed": 8})["id"]
    assert finished(first, job_id)["status"] == "succeeded"
    first.stop()
    database = os.path.join(env["AUDIOLDM2_DATA_DIR"], "jobs.mv.db")
    with open(database, "r+b") as damaged:
        damaged.write(os.urandom(os.path.getsize(database)))
    second = start_service(tmp_path_factory, "damaged-after", env)
    try:
        for method, path, body in (("POST", "/jobs", QUICK), ("GET", f"/jobs/{job_id}", None),
                                   ("GET", f"/jobs/{job_id}/audio", None)):
            status, headers, answer = second.request(method, path, body)
            assert status == 503 and headers.get("Retry-After"), (path, status, answer)
        assert second.request("POST", "/predict", QUICK)[0] == 200
    finally:
        second.stop()
