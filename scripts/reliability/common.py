"""What every section shares: a service started by scripts/service_tests' harness, a timed HTTP client on raw
http.client (so that a hang is a client timeout, never a stuck suite), and the java process' RSS, fds and threads."""

import base64
import http.client
import json
import os
import time
from pathlib import Path

from service_tests import conftest
from service_tests.conftest import REPO, Service

# Another packaged jar may be named (RELIABILITY_JAR=...): a run against a new build while an old one is in use.
JAR = Path(os.environ.get("RELIABILITY_JAR", conftest.JAR))
conftest.JAR = JAR

TINY_BUNDLE = REPO / "models-onnx" / "tiny-random"
SCHEDULERS = ["ddim", "dpm++2m", "dpm++2m-karras", "euler", "euler-ancestral", "heun", "unipc", "pndm", "lms"]


class Check:
    """Collects the section's failed expectations instead of stopping at the first one."""

    def __init__(self):
        self.failures = []

    def expect(self, condition, message):
        if not condition:
            self.failures.append(message)
        return condition


def start(out_dir, name, env=None):
    """A service on a free loopback port (the harness sets QUARKUS_HTTP_HOST=127.0.0.1 and DJL_OFFLINE=true)."""
    if not JAR.is_file():
        raise SystemExit(f"{JAR} is missing: build it first (./mvnw -B -ntp -q package -DskipTests)")
    log = open(Path(out_dir) / f"{name}.log", "wb")
    return Service(env or {}, log).wait_ready()


class Answer:
    def __init__(self, status, headers, body, seconds, error=None):
        self.status, self.headers, self.body, self.seconds, self.error = status, headers, body, seconds, error

    def json(self):
        return json.loads(self.body)

    @property
    def kind(self):
        """The status code, or the error's class name when no answer came (timeout, reset)."""
        return str(self.status) if self.status is not None else type(self.error).__name__


def call(service, method, path, body=None, timeout=120.0, headers=None):
    """One request on its own connection. Never raises: a transport failure is an Answer with status None."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=timeout)
    try:
        connection.request(method, path, body=body,
                           headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        data = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data,
                      time.monotonic() - started)
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, {}, b"", time.monotonic() - started, error)
    finally:
        connection.close()


def acceptable(answer):
    """What a well-behaved service may answer a request under load: 200, or 503 with Retry-After."""
    return answer.status == 200 or (answer.status == 503 and "retry-after" in answer.headers)


def process_stats(pid):
    """VmRSS in KiB, open file descriptors, threads of a live process."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return {"rss_kib": rss, "fds": len(os.listdir(f"/proc/{pid}/fd")), "threads": len(os.listdir(f"/proc/{pid}/task"))}


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def b64(data):
    return base64.b64encode(data).decode()
