"""Benchmark orchestrator: PyTorch (diffusers) against the Java pipeline (ONNX Runtime) on the same weights.

Runs one process per side per round, alternating the sides (default: diffusers fp32, diffusers bf16, Java exact
mode, Java fast mode). Each process loads the model (timed), makes one untimed warm-up generation, then times every
case once and saves its audio. Aggregates median and min-max over the rounds, measures each side's log-mel error
against its anchor on the last round's audio, writes the raw JSON to build/bench/ and the table into
docs/PERFORMANCE.md between the bench markers.
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


SIDES = {  # side name -> (kind, precision or mode); the first side present is the reference of every ratio
    "pytorch": ("pytorch", None),                   # --torch-dtype (float32 unless asked)
    "pytorch-bf16": ("pytorch", "bfloat16"),        # diffusers' own fast mode on CPU: the whole pipeline in bf16
    "java": ("java", "exact"),
    "java-fast": ("java", "fast"),
}


def torch_cmd(args, diffusers, dtype=None):
    return [args.python, "-m", "bench.torch_side", "--model", str(diffusers),
            "--device", args.torch_device, "--dtype", dtype or args.torch_dtype] + common_args(args)


def java_cmd(args, bundle, mode="exact"):
    classpath = f"{JAR_DIR / 'app'}/*:{JAR_DIR / 'lib' / 'main'}/*"
    cmd = [args.java, *args.jvm_arg, "-cp", classpath, "ai.audioldm2.cli.BenchCommand", "--model-dir", str(bundle),
           "--mode", mode]
    if args.optimized_model_dir:
        cmd += ["--optimized-model-dir", args.optimized_model_dir]
    if args.provider_library:
        cmd += ["--provider-library", args.provider_library]
    return cmd + ["--provider", args.provider, "--optimization-level", args.optimization_level] + common_args(args)


def side_cmd(args, side, bundle, diffusers, audio_dir):
    kind, variant = SIDES[side]
    cmd = torch_cmd(args, diffusers, variant) if kind == "pytorch" else java_cmd(args, bundle, variant)
    return cmd + ["--save-audio", str(audio_dir / side)]


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


def side_label(side, first):
    """Column header naming what a side ran (runs before these fields existed were fp32 on CPU)."""
    if SIDES[side][0] == "pytorch":
        device = first.get("device_name") or first.get("device", "cpu")
        return f"PyTorch (diffusers, {first.get('dtype', 'float32')} eager, {device})"
    mode = first.get("mode", "exact")
    graphs = "its fast block" if mode == "fast" else f"{first.get('precision', 'fp32')} graphs"
    return f"Java (ONNX Runtime, {mode} mode: {graphs}, {first.get('provider', 'cpu')})"


def audio_error(args, report, audio_dir):
    """The quality rows (bench/quality.py), computed by the PyTorch side's interpreter: this orchestrator runs on the
    system python3, which need not have numpy or torch."""
    proc = subprocess.run([args.python, "-m", "bench.quality", str(audio_dir), *report["cases"]], cwd=REPO,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO / "scripts")})
    if proc.returncode != 0:
        log(f"quality rows not computed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
        return []
    return json.loads(proc.stdout)


def render(report):
    # raw files from before the four sides hold "order" only, with sides "pytorch" and "java"
    report.setdefault("runs", {s: [r for r in report["order"] if r["side"] == s] for s in SIDES})
    sides = [s for s in SIDES if report["runs"].get(s)]
    firsts = {s: report["runs"][s][0] for s in sides}
    labels = {s: side_label(s, firsts[s]) for s in sides}
    reference, others = sides[0], sides[1:]
    m = report["machine"]
    t0 = next((firsts[s] for s in sides if SIDES[s][0] == "pytorch"), None)
    j0 = next((firsts[s] for s in sides if SIDES[s][0] == "java"), None)
    versions = []
    if t0:
        versions.append(f"torch {t0['torch_version']}, diffusers {t0['diffusers_version']}, transformers "
                        f"{t0['transformers_version']}")
    if j0:
        versions.append(f"ONNX Runtime Java {j0['ort_version']} on Java {j0['java_version']} "
                        f"(Python onnxruntime {report['python_ort']})")
    lines = [
        f"Measured {report['date']} on {m['cpu']}, {m['cores']} cores, {m.get('mem_gib', '?')} GiB "
        f"(flags: {' '.join(m.get('flags', []))}); load average before/after each process: "
        + ", ".join(f"{r['side']} {r['load_avg_before']:.1f}/{r['load_avg_after']:.1f}"
                    for r in report["order"]) + ".",
        "",
        "; ".join(versions) + f"; {report['args']['threads']} threads on every side.",
        "",
        f"Command: `{report['command']}`",
        "",
        f"Workload: prompt + negative prompt, {report['args']['duration']} s of audio, guidance "
        f"{report['args']['guidance']}, seed {report['args']['seed']}; {report['args']['rounds']} rounds "
        f"alternating {', '.join(sides)}, ...; each process loads, warms up with {report['args']['warmup_steps']} "
        "steps, then times each case once. Values: median (min–max) over the rounds; ratios are the reference "
        f"column's median over each other column's ({reference} = 1).",
        "",
    ]
    runs = report["runs"]
    for case in report["cases"]:
        lines += [f"#### {case}", "",
                  "| | " + " | ".join(labels[s] for s in sides) + " | "
                  + " | ".join(f"{reference}/{s}" for s in others) + " |",
                  "|---" * (1 + len(sides) + len(others)) + "|"]
        for key, label in ROWS:
            values = {s: spread(collect(runs[s], case, key)) for s in sides}
            lines.append(f"| {label} | " + " | ".join(fmt(values[s]) for s in sides) + " | "
                         + " | ".join(ratio(values[reference], values[s]) for s in others) + " |")
        lines.append("")
    lines += ["#### Process", "", "| | " + " | ".join(sides) + " |", "|---" * (1 + len(sides)) + "|",
              "| peak RSS (whole process, all cases) | "
              + " | ".join(fmt(spread([r["peak_rss_mb"] for r in runs[s]]), "MB", 0) for s in sides) + " |",
              "| model load | " + " | ".join(fmt(spread([r["load_s"] for r in runs[s]])) for s in sides) + " |"]
    if any(r.get("peak_device_mb") for s in sides for r in runs[s]):
        lines.append("| peak GPU memory (torch.cuda.max_memory_allocated) | "
                     + " | ".join(fmt(spread([r.get("peak_device_mb") for r in runs[s]]), "MB", 0) for s in sides)
                     + " |")
    lines.append("")
    if report.get("quality"):
        lines += ["#### Quality: log-mel error of the last round's audio (same case, same seed)", "",
                  "| case | side | against | RMS / std | max / std |", "|---|---|---|---|---|"]
        for q in report["quality"]:
            lines.append(f"| {q['case']} | {q['side']} | {q['anchor']} | {100 * q['mel_rms_over_std']:.3f}% | "
                         f"{100 * q['mel_max_over_std']:.2f}% |")
        lines.append("")
    for side in (s for s in sides if SIDES[s][0] == "java"):
        lines += [f"#### {side}: time outside `OrtSession.run` (tensor creation, copies, scheduler math, guidance)",
                  "", "| case | stage | wall | outside ORT | share |", "|---|---|---|---|---|"]
        for case in report["cases"]:
            for key, label in ROWS:
                if key == "denoise_step":
                    continue
                wall = spread(collect(runs[side], case, key))
                outside = spread(collect(runs[side], case, key, outside=True))
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
    ap.add_argument("--sides", default="pytorch,pytorch-bf16,java,java-fast",
                    help=f"comma-separated, in column order ({', '.join(SIDES)}); the first is the ratios' reference")
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
    unknown = [s for s in sides if s not in SIDES]
    if unknown:
        sys.exit(f"unknown side(s) {', '.join(unknown)}: choose from {', '.join(SIDES)}")
    if any(SIDES[s][0] == "java" for s in sides):
        ensure_jar()     # a PyTorch-only run (a GPU host without Java) needs no jar
    bundle, diffusers = ensure_models(args)
    started = datetime.datetime.now(datetime.timezone.utc)
    audio_dir = REPO / "build" / "bench" / f"audio-{started.strftime('%Y%m%dT%H%M%S')}"
    order = []
    for r in range(args.rounds):
        for side in sides:
            log(f"round {r + 1}/{args.rounds}: {side} (load average {os.getloadavg()[0]:.1f})")
            result = run_side(side_cmd(args, side, bundle, diffusers, audio_dir))
            result["side"] = side
            log(f"  {side}: load {result['load_s']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB, "
                + ", ".join(f"{c} end to end {v['end_to_end'][0]:.1f} s" for c, v in result["cases"].items()))
            order.append(result)
    report = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(), "python_ort":
        python_ort_version(args.python), "args": vars(args), "cases": args.cases.split(","),
        "command": " ".join(["scripts/bench/run"] + sys.argv[1:]), "order": order,
        "runs": {s: [r for r in order if r["side"] == s] for s in sides},
        "elapsed_s": (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds(),
    }
    out = REPO / "build" / "bench" / f"bench-{started.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))     # before anything that can fail
    report["quality"] = audio_error(args, report, audio_dir)
    out.write_text(json.dumps(report, indent=1))
    log(f"raw results: {out} ({report['elapsed_s']:.0f} s)")
    table = render(report)
    print(table)
    if len(sides) > 1 and not args.no_doc:
        write_doc(table)
        log(f"table written to {DOC}")


if __name__ == "__main__":
    main()
