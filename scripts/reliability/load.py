"""Load: N concurrent clients on the default queue (1 worker, 8 places). Every request gets 200, or 503 with
Retry-After; none is lost (sent = answered) and none hangs (client timeout)."""

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from .common import SCHEDULERS, Check, acceptable, call, percentile, process_stats, start

CLIENT_TIMEOUT_S = 180.0


def body(rng):
    return {"prompt": rng.choice(["rain on a roof", "a dog barks", "a hammer on wood", "wind"]),
            "duration": rng.choice([1.0, 1.5, 2.0, 3.0]), "num_inference_steps": 10,
            "scheduler": rng.choice(SCHEDULERS), "seed": rng.randrange(1 << 31)}


def run(out_dir, short, shared=None):
    clients, per_client = (16, 2) if short else (32, 10)
    check = Check()
    service = shared or start(out_dir, "load")
    try:
        answers, lock = [], threading.Lock()
        sent = Counter()

        def client(index):
            rng = random.Random(index)
            for _ in range(per_client):
                with lock:
                    sent["n"] += 1
                answer = call(service, "POST", "/predict", body(rng), timeout=CLIENT_TIMEOUT_S)
                with lock:
                    answers.append(answer)

        started = time.monotonic()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(client, range(clients)))
        wall = time.monotonic() - started
        statuses = Counter(a.kind for a in answers)
        ok = [a.seconds for a in answers if a.status == 200]
        check.expect(sent["n"] == len(answers) == clients * per_client, f"sent {sent['n']}, answered {len(answers)}")
        bad = [a for a in answers if not acceptable(a)]
        check.expect(not bad, f"answers other than 200 / 503+Retry-After: {Counter(a.kind for a in bad)}")
        check.expect(len(ok) > 0, "no request was served")
        check.expect(service.process.poll() is None, "the service died")
        return check, {"clients": clients, "requests": len(answers), "statuses": dict(statuses),
                       "p50_s": percentile(ok, 50), "p95_s": percentile(ok, 95),
                       "p50_all_s": percentile([a.seconds for a in answers], 50),
                       "wall_s": wall, "served_per_s": len(ok) / wall, "stats_after": process_stats(service.process.pid)}
    finally:
        if service is not shared:
            service.stop()
