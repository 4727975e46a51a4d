"""Benchmark orchestrator: PyTorch (diffusers) against the Java pipeline (ONNX Runtime) on the same weights.

Runs one process per side per round, alternating PyTorch, Java, PyTorch, Java, ... Each process loads the model
(timed), makes one untimed warm-up generation, then times every case once. Aggregates median and min-max over the
rounds, writes the raw JSON to build/bench/ and the table into docs/PERFORMANCE.md between the bench markers.
Invoked through scripts/bench/run (PYTHONPATH=scripts python3 -m bench.orchestrate); see docs/PERFORMANCE.md.
The workload's defaults are bench/workload.py, which mirrors the Java BenchCommand's.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from audioldm2_export.source import folder_sha256
from bench import workload

REPO = Path(__file__).resolve().parents[2]
JAR_DIR = REPO / "target" / "quarkus-app"
DOC = REPO / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- bench:begin (written by scripts/bench/run) -->", "<!-- bench:end -->"

ROWS = [  # (key, label); keys as both sides print them
    ("text_encoding", "text encoding (CLAP + T5 + projection)"),
    ("language_model", "GPT-2 generation (8 tokens)"),
    ("denoise_step", "one denoising step (CFG batch 2, median step)"),
    ("denoising", "denoising, all steps"),
    ("vae_decode", "VAE decode"),
    ("vocoder", "vocoder"),
    ("end_to_end", "end to end"),
]


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def newest_mtime(paths):
    newest = 0.0
    for p in paths:
        for f in ([p] if p.is_file() else p.rglob("*")):
            if f.is_file():
                newest = max(newest, f.stat().st_mtime)
    return newest


def ensure_jar():
    jar = JAR_DIR / "quarkus-run.jar"
    sources = newest_mtime([REPO / "src" / "main", REPO / "pom.xml"])
    if jar.is_file() and jar.stat().st_mtime >= sources:
        log(f"reusing {jar}")
        return
    log("building the jar: ./mvnw -q package -DskipTests")
    subprocess.run(["./mvnw", "-B", "-q", "-ntp", "package", "-DskipTests"], cwd=REPO, check=True)


def ensure_models(args):
    bundle = Path(args.bundle)
    manifest = bundle / "manifest.json"
    if bundle.exists() and not manifest.is_file():
        # an export writes manifest.json last: a folder without one is being exported (or a failed export)
        sys.exit(f"{bundle} exists but has no manifest.json: an export is running or failed; wait or remove it")
    if not bundle.exists():
        log(f"no bundle at {bundle}: exporting --random-weights {args.model_id} (tens of minutes)")
        subprocess.run([args.python, str(REPO / "scripts" / "export_onnx.py"), "--random-weights", args.model_id,
                        "--out", str(bundle)], cwd=REPO, check=True)
    source = json.loads(manifest.read_text())["source"]
    diffusers = Path(args.diffusers or source.get("folder") or f"{bundle}-diffusers")
    if not (diffusers / "model_index.json").is_file():
        sys.exit(f"no diffusers folder at {diffusers}; pass --diffusers (the exporter writes <bundle>-diffusers)")
    if not args.skip_weight_check:
        actual = folder_sha256(diffusers)
        if actual != source.get("folder_sha256"):
            sys.exit(f"{diffusers} (sha256 {actual}) is not the folder {bundle} was exported from "
                     f"({source.get('folder_sha256')}): the two sides would load different weights")
        log(f"same weights: {diffusers} matches the bundle's folder_sha256")
    return bundle, diffusers


def run_side(cmd):
    load_before = os.getloadavg()[0]
    # the PyTorch side runs as a module of scripts/ (bench.torch_side)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "scripts"),
                                                                    os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        sys.exit(f"side failed (exit {proc.returncode}): {' '.join(cmd)}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load_avg_before"] = load_before
    result["load_avg_after"] = os.getloadavg()[0]
    return result


def common_args(args):
    return ["--prompt", args.prompt, "--negative-prompt", args.negative_prompt, "--duration", str(args.duration),
            "--guidance", str(args.guidance), "--case", args.cases, "--threads", str(args.threads),
            "--warmup-steps", str(args.warmup_steps), "--seed", str(args.seed)]


def torch_cmd(args, diffusers):
    return [args.python, "-m", "bench.torch_side", "--model", str(diffusers),
            "--device", args.torch_device, "--dtype", args.torch_dtype] + common_args(args)


def java_cmd(args, bundle):
    classpath = f"{JAR_DIR / 'app'}/*:{JAR_DIR / 'lib' / 'main'}/*"
    cmd = [args.java, *args.jvm_arg, "-cp", classpath, "ai.audioldm2.cli.BenchCommand", "--model-dir", str(bundle)]
    if args.optimized_model_dir:
        cmd += ["--optimized-model-dir", args.optimized_model_dir]
    if args.provider_library:
        cmd += ["--provider-library", args.provider_library]
    return cmd + ["--provider", args.provider, "--optimization-level", args.optimization_level] + common_args(args)


def spread(values):
    """(median, min, max) of a list, or None."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def collect(results, case, key, outside=False):
    out = []
    for r in results:
        stages = r["cases"][case]
        if outside:
            stages = stages.get("outside_ort", {})
        out.extend(stages.get(key, []))
    return out


def fmt(s, unit="s", digits=2):
    if s is None:
        return "–"
    med, lo, hi = s
    return f"{med:.{digits}f} {unit} ({lo:.{digits}f}–{hi:.{digits}f})"


def ratio(t, j):
    return "–" if t is None or j is None or j[0] == 0 else f"{t[0] / j[0]:.2f}×"


def machine():
    info = {"cores": os.cpu_count(), "cpu": platform.processor()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        for line in cpuinfo.splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                info["flags"] = sorted(f for f in flags if f.startswith(("avx512", "amx", "avx2", "fma")))
                break
    except OSError:
        pass
    mem = Path("/proc/meminfo")
    if mem.is_file():
        info["mem_gib"] = round(int(mem.read_text().split()[1]) / 2**20, 1)
    return info


def python_ort_version(python):
    proc = subprocess.run([python, "-c", "import onnxruntime; print(onnxruntime.__version__)"],
                          capture_output=True, text=True)
    return proc.stdout.strip() or "not installed"


def side_labels(t0, j0):
    """Column headers naming what each side ran (runs before these fields existed were fp32 on CPU)."""
    device = t0.get("device_name") or t0.get("device", "cpu")
    torch_label = f"PyTorch (diffusers, {t0.get('dtype', 'float32')} eager, {device})"
    java_label = f"Java (ONNX Runtime, {j0.get('precision', 'fp32')}, {j0.get('provider', 'cpu')})"
    return torch_label, java_label


def render(report):
    torch_runs, java_runs = report["pytorch"], report["java"]
    t0, j0 = torch_runs[0], java_runs[0]
    torch_label, java_label = side_labels(t0, j0)
    m = report["machine"]
    lines = [
        f"Measured {report['date']} on {m['cpu']}, {m['cores']} cores, {m.get('mem_gib', '?')} GiB "
        f"(flags: {' '.join(m.get('flags', []))}); load average before/after each process: "
        + ", ".join(f"{r['side'][0].upper()} {r['load_avg_before']:.1f}/{r['load_avg_after']:.1f}"
                    for r in report["order"]) + ".",
        "",
        f"torch {t0['torch_version']}, diffusers {t0['diffusers_version']}, transformers "
        f"{t0['transformers_version']}; ONNX Runtime Java {j0['ort_version']} on Java {j0['java_version']} "
        f"(Python onnxruntime {report['python_ort']}); {report['args']['threads']} threads on both sides.",
        "",
        f"Command: `{report['command']}`",
        "",
        f"Workload: prompt + negative prompt, {report['args']['duration']} s of audio, guidance "
        f"{report['args']['guidance']}, seed {report['args']['seed']}; {report['args']['rounds']} rounds "
        f"alternating PyTorch, Java, ...; each process loads, warms up with {report['args']['warmup_steps']} steps, "
        "then times each case once. Values: median (min–max) over the rounds.",
        "",
    ]
    for case in report["cases"]:
        lines += [f"#### {case}", "", f"| | {torch_label} | {java_label} | PyTorch/Java |", "|---|---|---|---|"]
        for key, label in ROWS:
            t, j = spread(collect(torch_runs, case, key)), spread(collect(java_runs, case, key))
            lines.append(f"| {label} | {fmt(t)} | {fmt(j)} | {ratio(t, j)} |")
        lines.append("")
    t, j = spread([r["peak_rss_mb"] for r in torch_runs]), spread([r["peak_rss_mb"] for r in java_runs])
    lt, lj = spread([r["load_s"] for r in torch_runs]), spread([r["load_s"] for r in java_runs])
    lines += ["#### Process", "", "| | PyTorch | Java | PyTorch/Java |", "|---|---|---|---|",
              f"| peak RSS (whole process, all cases) | {fmt(t, 'MB', 0)} | {fmt(j, 'MB', 0)} | {ratio(t, j)} |",
              f"| model load | {fmt(lt)} | {fmt(lj)} | {ratio(lt, lj)} |"]
    gpu = spread([r.get("peak_device_mb") for r in torch_runs])
    if gpu:
        lines.append(f"| peak GPU memory (torch.cuda.max_memory_allocated) | {fmt(gpu, 'MB', 0)} | – | – |")
    lines.append("")
    lines += ["#### Java: time outside `OrtSession.run` (tensor creation, copies, scheduler math, guidance)", "",
              "| case | stage | wall | outside ORT | share |", "|---|---|---|---|---|"]
    for case in report["cases"]:
        for key, label in ROWS:
            if key == "denoise_step":
                continue
            wall = spread(collect(java_runs, case, key))
            outside = spread(collect(java_runs, case, key, outside=True))
            if wall and outside:
                lines.append(f"| {case} | {label} | {wall[0]:.3f} s | {outside[0] * 1000:.1f} ms | "
                             f"{100 * outside[0] / wall[0]:.2f}% |")
    lines.append("")
    return "\n".join(lines)


def write_doc(table):
    text = DOC.read_text() if DOC.is_file() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", default=str(REPO / "build" / "full-random"), help="fp32 ONNX bundle")
    ap.add_argument("--diffusers", help="diffusers folder (default: the bundle manifest's source folder)")
    ap.add_argument("--model-id", default="cvssp/audioldm2", help="architecture to export when --bundle is missing")
    ap.add_argument("--python", default=os.environ.get("PYTHON", str(REPO / ".venv" / "bin" / "python")))
    ap.add_argument("--java", default="java")
    ap.add_argument("--jvm-arg", action="append", default=[], help="extra JVM option (repeatable)")
    workload.add_arguments(ap)
    ap.add_argument("--cases", default=workload.CASES, help="comma-separated SCHEDULER:STEPS")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--optimization-level", default="all")
    ap.add_argument("--optimized-model-dir", help="Java: cache of optimized graphs (written once, reused)")
    ap.add_argument("--provider", default="cpu", help="Java: execution provider (cpu, cuda, migraphx)")
    ap.add_argument("--provider-library", help="Java: plugin EP library (the MIGraphX route)")
    ap.add_argument("--torch-device", default="cpu", help="PyTorch: device (cuda for the GPU anchor)")
    ap.add_argument("--torch-dtype", default="float32", choices=["float32", "float16", "bfloat16"],
                    help="PyTorch: dtype of the whole pipeline (float16 on GPU is diffusers' documented setup)")
    ap.add_argument("--sides", default="pytorch,java", help="run only some sides (for Java-only lever runs)")
    ap.add_argument("--skip-weight-check", action="store_true", help="skip hashing the diffusers folder")
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/PERFORMANCE.md")
    ap.add_argument("--render", metavar="RAW_JSON", help="only re-render a saved run (build/bench/*.json) into the doc")
    args = ap.parse_args()
    if args.render:
        table = render(json.loads(Path(args.render).read_text()))
        print(table)
        if not args.no_doc:
            write_doc(table)
        return

    sides = args.sides.split(",")
    if "java" in sides:
        ensure_jar()     # a PyTorch-only run (a GPU host without Java) needs no jar
    bundle, diffusers = ensure_models(args)
    started = datetime.datetime.now(datetime.timezone.utc)
    order = []
    for r in range(args.rounds):
        for side in sides:
            log(f"round {r + 1}/{args.rounds}: {side} (load average {os.getloadavg()[0]:.1f})")
            cmd = torch_cmd(args, diffusers) if side == "pytorch" else java_cmd(args, bundle)
            result = run_side(cmd)
            log(f"  {side}: load {result['load_s']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB, "
                + ", ".join(f"{c} end to end {v['end_to_end'][0]:.1f} s" for c, v in result["cases"].items()))
            order.append(result)
    report = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(), "python_ort":
        python_ort_version(args.python), "args": vars(args), "cases": args.cases.split(","),
        "command": " ".join(["scripts/bench/run"] + sys.argv[1:]), "order": order,
        "pytorch": [r for r in order if r["side"] == "pytorch"], "java": [r for r in order if r["side"] == "java"],
        "elapsed_s": (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds(),
    }
    out = REPO / "build" / "bench" / f"bench-{started.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    log(f"raw results: {out} ({report['elapsed_s']:.0f} s)")
    if len(sides) == 2:
        table = render(report)
        print(table)
        if not args.no_doc:
            write_doc(table)
            log(f"table written to {DOC}")


if __name__ == "__main__":
    main()
