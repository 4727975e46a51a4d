"""The benchmark workload: the one source of the request the bench scripts, and quantize_unet's calibration and
evaluation, generate.

These values mirror the Java benchmark's defaults, the picocli defaultValue of --prompt, --negative-prompt,
--duration, --guidance, --case, --runs, --warmup-steps, --seed and --threads in
src/main/java/ai/audioldm2/cli/BenchCommand.java, so that both sides of scripts/bench/run time the same request.
Change them together. GUIDANCE_SCALE is also the service's request default (audioldm2.defaults.guidance-scale in
src/main/resources/application.properties, read through ServiceConfig). The service's other request defaults differ
on purpose: duration 10.0 s there, 10.24 s here (diffusers' default length for the cvssp checkpoints); 200 steps
there, short timed cases here; no negative prompt there.
"""

PROMPT = "Techno music with a strong, upbeat tempo and high melodic riffs"
NEGATIVE_PROMPT = "Low quality, average quality."
DURATION_S = 10.24
GUIDANCE_SCALE = 3.5
CASE = "ddim:10"              # one process's timed generations (BenchCommand --case)
CASES = "ddim:10,dpm++2m:25"  # what scripts/bench/run times on both sides
RUNS = 1
WARMUP_STEPS = 2
SEED = 0
THREADS = 2


def add_arguments(ap) -> None:
    """The workload's command-line options with these defaults, shared by both sides' drivers (orchestrate, which
    passes them on to both processes, and torch_side)."""
    ap.add_argument("--prompt", default=PROMPT)
    ap.add_argument("--negative-prompt", default=NEGATIVE_PROMPT)
    ap.add_argument("--duration", type=float, default=DURATION_S)
    ap.add_argument("--guidance", type=float, default=GUIDANCE_SCALE)
    ap.add_argument("--threads", type=int, default=THREADS)
    ap.add_argument("--warmup-steps", type=int, default=WARMUP_STEPS)
    ap.add_argument("--seed", type=int, default=SEED)
