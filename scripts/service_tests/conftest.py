"""Tests against the packaged service: each fixture starts target/quarkus-app/quarkus-run.jar on a free loopback
port with the committed tiny bundle, waits for /health, and stops it at the end. scripts/test runs them after
Maven has built the jar."""

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
JAR = REPO / "target" / "quarkus-app" / "quarkus-run.jar"
START_TIMEOUT_S = 120


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """A running service process and a tiny HTTP client for it (urllib: no extra dependency)."""

    def __init__(self, env, log):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full_env = {**os.environ, "QUARKUS_HTTP_PORT": str(self.port), "QUARKUS_HTTP_HOST": "127.0.0.1",
                    "DJL_OFFLINE": "true", **env}
        self.process = subprocess.Popen(["java", "-jar", str(JAR)], cwd=REPO, env=full_env,
                                        stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited with {self.process.returncode} while starting")
            try:
                if self.request("GET", "/health")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the service was not healthy within {START_TIMEOUT_S} s")

    def request(self, method, path, body=None, headers=None):
        """(status, headers, parsed JSON or raw bytes)."""
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=120) as response:
                return response.status, dict(response.headers), self._decode(response)
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), self._decode(error)

    @staticmethod
    def _decode(response):
        raw = response.read()
        if response.headers.get("Content-Type", "").startswith("application/json"):
            return json.loads(raw)
        return raw

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_service(tmp_path_factory, name, env=None):
    if not JAR.is_file():
        pytest.fail(f"{JAR} is missing: build it first (./mvnw package), as scripts/test does")
    log = open(tmp_path_factory.mktemp(name) / "service.log", "wb")
    return Service(env or {}, log).wait_ready()


@pytest.fixture(scope="session")
def service(tmp_path_factory):
    """The service in its default profile."""
    running = start_service(tmp_path_factory, "default")
    yield running
    running.stop()
