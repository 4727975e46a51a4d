"""Soak: many requests of mixed durations, schedulers and guidance, one after another. After the warm-up the java
process' RSS grows < 5%, and its open file descriptors and threads stay flat."""

import random
import time
from collections import Counter

from .common import SCHEDULERS, Check, call, process_stats, start

RSS_GROWTH_LIMIT = 0.05
# The short mode (60 requests, the JVM heap still settling) only catches a gross leak.
SHORT_RSS_GROWTH_LIMIT = 0.25
FLAT_SLACK = 4  # fds / threads a pool may legitimately open on demand (a worker thread, a log file, ...)


def run(out_dir, short, shared=None):
    total, warmup, every = (60, 20, 5) if short else (2000, 200, 25)
    rng = random.Random(7)
    check = Check()
    service = shared or start(out_dir, "soak")
    try:
        pid = service.process.pid
        samples, statuses = [], Counter()
        started = time.monotonic()
        for n in range(1, total + 1):
            answer = call(service, "POST", "/predict", {
                "prompt": rng.choice(["rain", "a cat purrs", "thunder far away", "bells"]),
                "duration": rng.choice([1.0, 1.25, 1.5, 2.0, 2.5, 3.0]), "num_inference_steps": rng.choice([10, 10, 12]),
                "scheduler": rng.choice(SCHEDULERS), "guidance_scale": rng.choice([1.0, 3.5]),
                "seed": rng.randrange(1 << 31)}, timeout=120)
            statuses[answer.kind] += 1
            if n >= warmup and (n - warmup) % every == 0 or n == total:
                samples.append({"n": n, **process_stats(pid)})
        wall = time.monotonic() - started
        first, last = samples[0], samples[-1]
        rss = [s["rss_kib"] for s in samples]
        growth = (last["rss_kib"] - first["rss_kib"]) / first["rss_kib"]
        check.expect(statuses == Counter({"200": total}), f"not every request got 200: {dict(statuses)}")
        limit = SHORT_RSS_GROWTH_LIMIT if short else RSS_GROWTH_LIMIT
        check.expect(growth < limit, f"RSS grew {growth:.1%} after warm-up ({first['rss_kib']} -> {last['rss_kib']} KiB)")
        for key in ("fds", "threads"):
            check.expect(max(s[key] for s in samples) <= first[key] + FLAT_SLACK,
                         f"{key} not flat: {[s[key] for s in samples]}")
        return check, {"requests": total, "warmup": warmup, "statuses": dict(statuses), "wall_s": wall,
                       "rss_first_kib": first["rss_kib"], "rss_max_kib": max(rss), "rss_last_kib": last["rss_kib"],
                       "rss_growth": growth, "rss_growth_limit": limit, "fds": [first["fds"], max(s["fds"] for s in samples), last["fds"]],
                       "threads": [first["threads"], max(s["threads"] for s in samples), last["threads"]],
                       "samples": samples}
    finally:
        if service is not shared:
            service.stop()
