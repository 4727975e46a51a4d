"""Rewrites the suite's part of docs/RELIABILITY.md (between the two markers) from build/reliability/full/*.json,
keeping every other section of the file (the per-request memory section, for one) as it is."""

import datetime
import json
import platform
import subprocess
from collections import Counter

from .common import REPO

DOC = REPO / "docs" / "RELIABILITY.md"
BEGIN = "<!-- reliability-suite:begin (written by python -m reliability; edit scripts/reliability/doc.py) -->"
END = "<!-- reliability-suite:end -->"


def cpu():
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mib(kib):
    return f"{kib / 1024:.0f} MiB"


def load_section(out, name):
    path = out / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def existing_blocks():
    """The "### ..." blocks of the suite's part of the doc as it is, by heading: kept for a section whose figures
    this run did not produce (a --only run), so that a partial run does not drop the others' figures."""
    if not DOC.is_file() or BEGIN not in DOC.read_text():
        return {}
    part = DOC.read_text().split(BEGIN, 1)[1].split(END, 1)[0]
    blocks = {}
    for chunk in part.split("\n### ")[1:]:
        heading, _, body = chunk.partition("\n")
        blocks[heading.strip()] = body.rstrip("\n").split("\n")
    return blocks


STALE_BATCH = ("and the corpus goes to /predict only, so /predict/batch is not fuzzed in this round.")


def render(out):
    kept = existing_blocks()
    L = [BEGIN, "## The suite: scripts/reliability", "",
         "One command against the packaged jar on loopback (127.0.0.1, a free port, the committed tiny bundle), "
         "every loop bounded in count and time:", "", "```sh",
         "./mvnw -B -ntp -q package -DskipTests",
         "PYTHONPATH=scripts .venv/bin/python -m reliability --short        # CI (scripts/test)",
         "PYTHONPATH=scripts .venv/bin/python -m reliability                # full: rewrites this section",
         "PYTHONPATH=scripts .venv/bin/python -m reliability --only soak    # one section", "```", "",
         f"Figures of the full run of {datetime.date.today().isoformat()} on {cpu()} (AVX2, no AVX-512), 2 cores "
         "shared with other engineers' Maven builds and services running at the same time: latencies are under "
         "that load, not the service's own. Each section starts its own service in the full mode (the short mode, "
         "CI's, shares one among load, soak and fuzz; every fault starts its own); raw figures in "
         "`build/reliability/full/*.json`."]
    missing = [name.capitalize() for name in ("load", "soak", "fuzz", "faults")
               if not load_section(out, name) and name.capitalize() in kept]
    if missing:
        L[-1] += (f" {', '.join(missing)}: the text of an earlier full run, kept as it was (this round ran "
                  "the other sections only; their raw figures are not in this checkout).")
    L.append("")
    load = load_section(out, "load")
    if not load and "Load" in kept:
        L += ["### Load", *kept["Load"], ""]
    if load:
        s = load["statuses"]
        L += ["### Load", f"- {load['clients']} concurrent clients on the default queue (1 worker, 8 places), "
              f"{load['requests']} requests of 1-3 s, 10 steps, every scheduler: {s.get('200', 0)} × 200, "
              f"{s.get('503', 0)} × 503 with Retry-After, nothing else ({json.dumps(s)}); sent = answered "
              f"= {load['requests']}, no client timeout (180 s).",
              f"- Latency of the 200s: p50 {load['p50_s']:.1f} s, p95 {load['p95_s']:.1f} s (queue wait included); "
              f"{load['served_per_s']:.2f} served/s over {load['wall_s']:.0f} s.", ""]
    soak = load_section(out, "soak")
    if not soak and "Soak" in kept:
        L += ["### Soak", *kept["Soak"], ""]
    if soak:
        L += ["### Soak", f"- {soak['requests']} requests one after another (durations 1-3 s, 10-12 steps, all nine "
              f"schedulers, guidance 1 and 3.5): {json.dumps(soak['statuses'])}, {soak['wall_s'] / 60:.0f} min.",
              f"- RSS of the java process after a {soak['warmup']}-request warm-up: first {mib(soak['rss_first_kib'])}, "
              f"max {mib(soak['rss_max_kib'])}, last {mib(soak['rss_last_kib'])} "
              f"(growth {soak['rss_growth']:+.1%}; limit {soak.get('rss_growth_limit', 0.05):.0%}).",
              f"- Open file descriptors first/max/last {soak['fds']}, threads {soak['threads']}: flat.", ""]
    fuzz = load_section(out, "fuzz")
    if not fuzz and "Fuzz" in kept:
        block = [line.replace(STALE_BATCH, "and the full corpus run above sent /predict bodies only.")
                 for line in kept["Fuzz"] if not line.startswith("- /predict/batch corpus")]
        short = load_section(out.parent / "short", "fuzz")
        if short and short.get("batch_inputs"):
            block.append(f"- /predict/batch corpus (short run of {datetime.date.today().isoformat()}, on CI's shared "
                         f"service): {short['batch_inputs']} mutated batch bodies (broken envelopes: no list, null "
                         "and non-object items, 10,000-deep nesting, duplicate keys, 1e400; lists of 1 to 3x "
                         "`max-batch-items` /predict mutants with valid requests and mutated audio inputs mixed; "
                         f"extra fields; truncation): answers {json.dumps(short['batch_statuses'])}, "
                         f"{short['server_errors']} 5xx over that run's whole corpus. The full mode sends 800.")
        L += ["### Fuzz", *block, ""]
    if fuzz:
        st = fuzz["schemathesis"]
        L += ["### Fuzz",
              f"- schemathesis 4.32.5 against `/q/openapi` (checks not_a_server_error, response_schema_conformance, "
              f"content_type_conformance; phases examples, coverage, fuzzing; at most 100 examples an operation, "
              f"240 s): exit {st['exit']}. " + " / ".join(x.strip() for x in st["summary"]),
              "  `/predict/batch` is excluded from schemathesis: 4.32.5 on Python 3.11.7 cannot generate its bodies "
              "(`SystemError: AST constructor recursion depth mismatch` inside the tool); the corpus below covers it. "
              "The instance runs with tight limits "
              "(max duration 2 s, 12 steps, 2 waveforms, 2 batch items), which `/q/openapi` publishes, so that a "
              "valid generated request costs about a second.",
              f"- A seeded corpus (`scripts/reliability/corpus.py`) of {fuzz['corpus_inputs']} bodies: "
              f"{fuzz['json_inputs']} mutated JSON bodies (wrong types, 1e400, NaN, 10,000-deep nesting, lone "
              f"surrogates, invalid UTF-8, duplicate keys, truncation, bad base64) and {fuzz['audio_inputs']} audio "
              "files in `audio_input_b64` (WAV 8/16/24-bit and float, FLAC 16/24-bit, OGG/Vorbis and MP3 written "
              "by soundfile, mono and stereo, and real 384 kHz × 8-channel WAV and FLAC; truncated, bit-flipped, "
              "overwritten with boundary values, bytes inserted, zeroed runs, lying WAV and FLAC header fields, "
              "headers declaring 2^30-2^31 frames with zero to 8 channels), all to /predict; and "
              f"{fuzz.get('batch_inputs', 0)} /predict/batch bodies (broken envelopes: no list, null and non-object "
              "items, 10,000-deep nesting, duplicate keys, 1e400; lists of 1 to 3x `max-batch-items` /predict mutants, "
              "valid requests and mutated audio inputs mixed; extra fields; truncation): answers "
              f"{json.dumps(fuzz.get('batch_statuses', {}))}.",
              f"- Answers {json.dumps(fuzz['statuses'])}: {fuzz['server_errors']} 5xx, {fuzz['no_answer']} without "
              f"an answer (90 s client timeout), process alive and `/health` 200 after: "
              f"{fuzz['alive_after'] and fuzz['healthy_after']}.",
              "- Coverage-guided: Jazzer (`com.code-intelligence:jazzer-junit:0.24.0`, Maven Central) runs in the "
              "JUnit suite (JUnit 6.0.3) as `AudioDecoderJazzerTest`: `AudioDecoder.decode` may only decode or throw "
              "`AudioDecodeException`. In the regular run it replays its committed seed corpus "
              "(`src/test/resources/ai/audioldm2/audio/AudioDecoderJazzerTestInputs/decode`: valid WAV/FLAC/OGG/MP3, "
              "a truncated WAV, a 2^30-frame declaration, a FLAC lying about its total, the head of a 384 kHz × 8 ch "
              "file); `JAZZER_FUZZ=1 ./mvnw test -Dtest=AudioDecoderJazzerTest` fuzzes for up to 60 s (not tried in this session). Next to it, the "
              "seeded mutation test `AudioDecoderFuzzTest` (3,800 mutants, bounded allocation).", ""]
    faults = load_section(out, "faults")
    if faults:
        L += ["### Faults"]
        k = faults.get("kill9_mid_job")
        if k:
            L.append(f"- **kill -9 mid-job, then a restart on the same data dir** ({k['submitted']} jobs submitted: a "
                     f"150-step one and quick ones; SIGKILL while the long one denoises; at the kill "
                     f"{json.dumps(k['at_kill'])}): {k['accepted']} accepted (202), {k['present_after_restart']} present "
                     f"after the restart, finished {json.dumps(k['after_restart'])}, audio served for "
                     f"{k['audio_served']}. The running one ran again from the start (same seed). Nothing accepted "
                     "was lost.")
        sig = faults.get("sigterm_under_load")
        if sig:
            L.append(f"- **SIGTERM under load** ({sig['predict_clients']} clients looping /predict of 2 s, a 150-step "
                     "job running, quick jobs queued and one client submitting a job every 0.5 s): exit code "
                     f"{sig['exit_code']} after {sig['exit_s']:.1f} s. /predict clients saw "
                     f"{json.dumps(sig['predict_saw'])}, the submitter {json.dumps(sig['submits_saw'])}: requests in "
                     "flight are closed without an answer (their generations cancelled at the next step), none hung. "
                     f"Jobs at the signal {json.dumps(sig['at_sigterm'])}: the running one is put back in the queue "
                     "by the stop itself (JobRunner.onStop; the restart found nothing to recover: "
                     f"{'no' if not sig['requeued_by_restart'] else 'a'} recovery line), the queued ones stay queued. "
                     f"After the restart: {sig['accepted']} accepted, first seen "
                     f"{json.dumps(sig['first_seen_after_restart'])}, finished {json.dumps(sig['after_restart'])}, "
                     f"audio served for {sig['audio_served']}: nothing accepted was lost; the interrupted one ran "
                     "again from the start.")
        d = faults.get("disk_full")
        if d and d.get("mounted"):
            subs = Counter(f"{a['status']}" + (" + Retry-After" if a["retry_after"] else "") for a in d["submits_while_full"])
            reads = [a["status"] for a in d["reads_while_full"]]
            ret = d["after_space_returned"]
            L.append(f"- **Disk full for results** (the data dir on a {d['fs']}, a running job's store writes "
                     f"and then every free byte taken by a filler file: {d['free_bytes_after_fill']} bytes free): "
                     f"`POST /jobs` answered {json.dumps(dict(subs))} "
                     f"(`{d['submits_while_full'][0]['detail']}`), `GET /jobs/{{id}}` and `GET /jobs` {', '.join(reads)}, "
                     f"`/predict` {d['predict_while_full']}, the process alive ({d['alive']}). The running job's "
                     f"result could not be written: it stayed `{d['running_job_while_full']}` (never marked done "
                     f"without its audio) until its lease expired; once the filler was removed it ran again "
                     f"({d['running_job_ran_again']}) and ended `{d['running_job_final']}`, its audio "
                     f"{d['running_job_audio']}. After the space returned: `POST /jobs` {ret['submit']}, that job "
                     f"{ret['job']}. Before the fix below the store stayed 503 for every /jobs request until a restart.")
        if d and not d.get("mounted"):
            L.append(f"- **Disk full for results**: skipped in this run, no tmpfs could be mounted ({d.get('why')}).")
        o = faults.get("onnx_failure")
        if o:
            L.append(f"- **ONNX Runtime failure in one graph run** (a bundle copy whose vocoder has an extra Reshape "
                     "to [-1, 7, 64]: it fails inside OrtSession.run for 100 mel frames (1 s) and passes for 140 "
                     "(1.4 s); manifest sha256 and bytes rewritten, `scripts/reliability/faulty_bundle.py`; no hook "
                     f"in the service): a good size {o['first_good']}, the failing size {o['first_bad']} "
                     f"`{o['bad_body']}` (nothing of ONNX Runtime in it: {not o['leaked']}); then {o['rounds']} "
                     f"rounds alternating {json.dumps(o['alternating'])}, the next good request {o['next_good']}. "
                     f"The java process after the rounds: RSS {mib(o['stats_before']['rss_kib'])} -> "
                     f"{mib(o['stats_after']['rss_kib'])}, fds {o['stats_before']['fds']} -> {o['stats_after']['fds']}, "
                     f"threads {o['stats_before']['threads']} -> {o['stats_after']['threads']}. The same failure in a "
                     f"job: `{o['job_with_bad_size']}` with error `{json.dumps(o['job_error'])}`.")
        model = faults.get("model_folder")
        if model:
            L.append(f"- **Graphs corrupted on disk** (the first 4 KiB of unet.onnx and vocoder.onnx overwritten) while "
                     f"running: the next request {model['after_graphs_corrupted']}, the same audio as before "
                     f"({model['same_audio_as_before']}): the sessions were loaded at start and nothing re-reads them. "
                     f"**Folder made unreadable** (mode 000 and moved away): the next three requests "
                     f"{', '.join(model['after_folder_unreadable'])}, `/health` {model['health_after']}, process alive. "
                     "A damaged bundle only shows at the next start, as `/health` 503 `error` (the load fails).")
        disc = faults.get("disconnects")
        if disc:
            L += [f"- **Mid-body disconnect** ({disc['mid_body_disconnects']} clients sending a part of a "
                  f"100,000-byte Content-Length body, then closing): the next request {disc['next_after_mid_body']}; "
                  f"open fds before/after {disc['fds_before_after']}.",
                  f"- **Mid-job disconnect** ({disc['mid_job_disconnects']} clients closing 1.5 s into a 10 s, "
                  f"300-step /predict): {disc['jobs_cancelled']:.0f} jobs cancelled "
                  "(`audioldm2_failures_total{kind=\"cancelled\"}`), the next request "
                  f"{disc['next_after_mid_job']} {disc['seconds_until_next_answered']:.0f} s after the first close."]
        L.append("")
    L += ["### Defects the suite found",
          "- **/q/openapi declared nullable answer fields as non-nullable** (found by schemathesis' "
          "response_schema_conformance): `strength`, `candidates`, `Candidate.score` and `meta`'s `client_job_id`, "
          "`trace_id`, `span_id` are null in ordinary answers, but the document said plain number/array/string, so "
          "a client generated from it rejected every text-to-audio answer. Fixed with `@Schema(nullable = true)`; "
          "regression test `OpenApiNullableFieldsTest` (fails on the old code: `Actual: number`).",
          "- **The embedded jobs store never opened again after the disk had been full** (found by the disk-full "
          "fault): H2 closes its database when a write fails, and the pooled connections then answered \"The "
          "database has been closed\" for ever, so every /jobs request was 503 until a restart, also with room on "
          "the disk again; H2's own trace file (`jobs.trace.db`) meanwhile grew by 12.8 MB of stack traces on the "
          "full disk. Fixed in `JdbcJobStore` (a closed database empties the pool, the next connection opens the "
          "file anew) and `TRACE_LEVEL_FILE=0` in the embedded URL (the errors are in the service's log); regression "
          "test `JdbcJobStoreTest.aDatabaseClosedUnderThePoolIsOpenedAgain` (fails on the old code: `the store "
          "never opened again`).",
          "- **A job failed by a runtime fault stored ONNX Runtime's message** (found by the ONNX Runtime fault): "
          "the job's `error.detail` was `the generation failed: ONNX Runtime failed running graph vocoder: ... "
          "/onnxruntime_src/.../reshape_helper.h:84 ...`, under `statusCode` where docs/SERVICE.md says "
          "`status_code`, while /predict answered the same fault `internal error (trace id ...)`. Now the job stores "
          "`{\"status_code\": 500, \"detail\": \"internal error (trace id <the submit's>)\"}` and the log line "
          "names the trace id; regression test `JobFailureLeaksNothingTest`.",
          "- No other 5xx, hang or crash was found by the load, soak, corpus or fault runs.", "",
          "### What is left",
          "- The faults run on the embedded store only; PostgreSQL's disk full and a replica killed while another "
          "takes over its leases are not in this suite (`scripts/service_tests/test_jobs_postgresql.py` kills a replica "
          "mid-job and checks the other takes it over).",
          "- systemd's restart after a fatal fault is not exercised here (this machine has no systemd): the suite "
          "restarts the process itself on the same data dir, which is what `Restart=on-failure` does.",
          "- The disk-full fault fills a tmpfs, which needs root to mount: without root (a CI runner that is not) it is "
          "skipped and says so in its output. A full disk under the model folder or the log is not tried.",
          "- Jazzer fuzzing sessions (`JAZZER_FUZZ=1`) are run by hand, not in CI; their findings join the seed corpus.",
          "- schemathesis on `/predict/batch`, once the tool generates its bodies (the corpus covers it meanwhile).", END]
    return "\n".join(L) + "\n"


def write(out):
    text = render(out)
    if DOC.is_file():
        current = DOC.read_text()
        if BEGIN in current and END in current:
            head, rest = current.split(BEGIN, 1)
            text = head + text + rest.split(END, 1)[1].lstrip("\n")
        else:
            text = current.rstrip("\n") + "\n\n" + text
    else:
        text = "# Reliability\n\n" + text
    DOC.write_text(text)
    print(f"wrote {DOC}")
