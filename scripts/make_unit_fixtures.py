#!/usr/bin/env python3
"""Writes the golden fixtures of the Java unit tests (Npy reader, torch RNG, schedulers, WAV writer).

Run from the repository root with the pinned venv:
    .venv/bin/python scripts/make_unit_fixtures.py [npy] [rng] [scheduler] [audio]
With no argument every group is written. Output: src/test/resources/fixtures/{npy,rng,scheduler,audio}/.
"""
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "src" / "test" / "resources" / "fixtures"


def write_npy_fixtures():
    """Small arrays in every dtype/header version the Java Npy reader claims to read.

    The Java test recomputes the same formulas, so the values are checked, not just the parsing."""
    out = FIXTURES / "npy"
    out.mkdir(parents=True, exist_ok=True)
    idx = np.arange(24)
    np.save(out / "f4_2x3x4.npy", (idx * 0.5 - 3.0).astype("<f4").reshape(2, 3, 4))
    np.save(out / "f8_5.npy", (np.arange(5, dtype="<f8") + 1.0) / 3.0)
    np.save(out / "i8_4.npy", np.array([0, -1, 2**40 + 3, -(2**62)], dtype="<i8"))
    np.save(out / "i4_2x2.npy", np.array([[7, -8], [2**31 - 1, -(2**31)]], dtype="<i4"))
    np.save(out / "bool_3.npy", np.array([True, False, True]))
    np.save(out / "f4_scalar.npy", np.array(2.5, dtype="<f4"))
    with open(out / "f4_v2_3.npy", "wb") as f:
        np.lib.format.write_array(f, np.array([1.0, -2.0, 0.1], dtype="<f4"), version=(2, 0))
    np.save(out / "f8_big_endian.npy", np.array([1.0], dtype=">f8"))


RNG_SHAPES = [(1, 8, 256, 16), (2, 8, 250, 16), (1, 4, 32, 4), (3, 5, 7), (17,), (15,), (5,), (1,)]
RNG_SEEDS = [0, 1, 42, 2**32 + 7, 987654321987654321, -1]
# Arrays up to this size are stored whole; bigger ones as sha256 plus their first/last EXCERPT values.
RNG_FULL_LIMIT = 4096
RNG_EXCERPT = 1024


def write_rng_fixtures():
    """torch.randn(shape, generator=torch.Generator("cpu").manual_seed(seed)) for the TorchGenerator tests.

    Each case is a seed and a list of successive randn calls on one generator. cases.json lists them;
    every call's output is in rng/<case>_<call>.npy (whole, or head+tail excerpt with the sha256 of the
    whole little-endian float32 array)."""
    import hashlib
    import json

    import torch

    assert torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512"), "fixtures must come from the AVX2 kernel"
    out = FIXTURES / "rng"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.npy"):
        old.unlink()
    plans = [(f"seed{seed}_{'x'.join(map(str, shape))}", seed, [shape]) for seed in RNG_SEEDS for shape in RNG_SHAPES]
    plans += [
        # path B keeps a cached sine sample across calls; path A neither uses nor clears it
        ("successive_paths", 0, [(3,), (3,), (5,), (1, 4, 32, 4), (1,), (17,), (2,)]),
        # DDIM eta > 0: initial latents, then one latent-shaped randn per step from the same generator
        ("successive_latents", 1234, [(1, 4, 32, 4), (1, 4, 32, 4), (1, 4, 32, 4)]),
        ("successive_real_latents", 42, [(1, 8, 256, 16), (1, 8, 256, 16)]),
    ]
    cases = []
    for name, seed, shapes in plans:
        g = torch.Generator("cpu").manual_seed(seed)
        calls = []
        for k, shape in enumerate(shapes):
            values = torch.randn(shape, generator=g, dtype=torch.float32).numpy().astype("<f4").ravel()
            file = f"{name}_{k}.npy"
            whole = values.size <= RNG_FULL_LIMIT
            stored = values if whole else np.concatenate([values[:RNG_EXCERPT], values[-RNG_EXCERPT:]])
            np.save(out / file, stored)
            calls.append({"shape": list(shape), "file": file, "whole": whole,
                          "sha256": hashlib.sha256(values.tobytes()).hexdigest()})
        cases.append({"name": name, "seed": seed, "calls": calls})
    meta = {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "excerpt": RNG_EXCERPT, "cases": cases}
    (out / "cases.json").write_text(json.dumps(meta, indent=1) + "\n")


# The cvssp/audioldm2 scheduler/scheduler_config.json (a DDIMScheduler config), and variants that exercise
# the other config fields the Java SchedulerConfig reads.
AUDIOLDM2_DDIM_CONFIG = {
    "_class_name": "DDIMScheduler", "beta_end": 0.0195, "beta_schedule": "scaled_linear", "beta_start": 0.0015,
    "clip_sample": False, "clip_sample_range": 1.0, "dynamic_thresholding_ratio": 0.995, "num_train_timesteps": 1000,
    "prediction_type": "epsilon", "rescale_betas_zero_snr": False, "sample_max_value": 1.0, "set_alpha_to_one": False,
    "steps_offset": 1, "thresholding": False, "timestep_spacing": "leading", "trained_betas": None,
}


def scheduler_configs():
    from diffusers import DDIMScheduler

    # diffusers' AudioLDM2 fast-test scheduler (get_dummy_components)
    tiny = dict(DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                              set_alpha_to_one=False).config)
    return {
        "audioldm2": AUDIOLDM2_DDIM_CONFIG,
        "tiny": {k: v for k, v in tiny.items() if not k.startswith("_")},
        "vpred_trailing": {**AUDIOLDM2_DDIM_CONFIG, "prediction_type": "v_prediction", "timestep_spacing": "trailing",
                           "set_alpha_to_one": True},
        "linear_linspace": {**AUDIOLDM2_DDIM_CONFIG, "beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02,
                            "timestep_spacing": "linspace", "steps_offset": 0},
        "cosine_500": {**AUDIOLDM2_DDIM_CONFIG, "beta_schedule": "squaredcos_cap_v2", "num_train_timesteps": 500},
    }


def make_scheduler(name, config):
    import diffusers as d

    classes = {
        "ddim": (d.DDIMScheduler, {}),
        "dpm++2m": (d.DPMSolverMultistepScheduler, {}),
        "dpm++2m-karras": (d.DPMSolverMultistepScheduler, {"use_karras_sigmas": True}),
        "euler": (d.EulerDiscreteScheduler, {}),
        "euler-ancestral": (d.EulerAncestralDiscreteScheduler, {}),
        "heun": (d.HeunDiscreteScheduler, {}),
        "unipc": (d.UniPCMultistepScheduler, {}),
        "pndm": (d.PNDMScheduler, {"skip_prk_steps": True}),
        "lms": (d.LMSDiscreteScheduler, {}),
    }
    cls, extra = classes[name]
    return cls.from_config(config, **extra)


SAMPLE_SHAPE = (1, 2, 4, 4)
MODEL_OUTPUT_POOL = 5


def run_trajectory(scheduler, steps, pool, seed, eta=None, strength=None):
    """The AudioLDM2 pipeline loop with a stand-in UNet: model_output = pool[i % K] + 0.1 * scaled input.

    The generator draws the initial latents first (randn * init_noise_sigma) and then whatever the scheduler's
    step() draws, exactly as the pipeline passes it. With a strength, the run starts like diffusers' img2img:
    begin index t_start * order, clean sample pool[0] noised with pool[1] at the first timestep."""
    import inspect

    import torch

    scheduler.set_timesteps(steps)
    generator = torch.Generator("cpu").manual_seed(seed)
    timesteps = scheduler.timesteps
    begin = 0
    if strength is None:
        latents = torch.randn(SAMPLE_SHAPE, generator=generator, dtype=torch.float32) * scheduler.init_noise_sigma
    else:
        init_timestep = min(int(steps * strength), steps)
        begin = max(steps - init_timestep, 0) * scheduler.order
        if hasattr(scheduler, "set_begin_index"):  # DDIM and PNDM index by timestep value instead
            scheduler.set_begin_index(begin)
        clean = torch.from_numpy(pool[0].reshape(SAMPLE_SHAPE))
        noise = torch.from_numpy(pool[1].reshape(SAMPLE_SHAPE))
        latents = scheduler.add_noise(clean, noise, timesteps[begin:begin + 1])
    step_params = inspect.signature(scheduler.step).parameters
    kwargs = {}
    if "generator" in step_params:
        kwargs["generator"] = generator
    if eta is not None:
        kwargs["eta"] = eta
    states = [latents.numpy().ravel().copy()]
    for i in range(begin, len(timesteps)):
        t = timesteps[i]
        model_input = scheduler.scale_model_input(latents, t)
        model_output = torch.from_numpy(pool[i % MODEL_OUTPUT_POOL].reshape(SAMPLE_SHAPE)) + 0.1 * model_input
        latents = scheduler.step(model_output, t, latents, **kwargs).prev_sample
        states.append(latents.numpy().ravel().copy())
    return begin, np.stack(states).astype("<f4")


SCHEDULER_CASES = (
    [(name, "audioldm2", steps, None, None) for name in
     ["ddim", "dpm++2m", "dpm++2m-karras", "euler", "euler-ancestral", "heun", "unipc", "pndm", "lms"]
     for steps in (10, 25, 200)]
    + [(name, config, steps, None, None) for name in
       ["ddim", "dpm++2m", "dpm++2m-karras", "euler", "euler-ancestral", "heun", "unipc", "pndm", "lms"]
       for config in ("tiny", "vpred_trailing", "linear_linspace", "cosine_500") for steps in (4, 25)]
    + [("ddim", "audioldm2", 25, 1.0, None), ("ddim", "audioldm2", 10, 0.5, None), ("ddim", "tiny", 2, 0.0, None)]
    + [(name, "audioldm2", 25, None, 0.6) for name in
       ["ddim", "dpm++2m", "dpm++2m-karras", "euler", "euler-ancestral", "heun", "unipc", "pndm", "lms"]]
)


def write_scheduler_fixtures():
    """Golden runs of the diffusers schedulers for SchedulerGoldenTest.

    cases.json lists configs and cases; per case <id>_timesteps.npy (float64, the diffusers timesteps),
    <id>_sigmas.npy (float32, where the scheduler has sigmas) and <id>_states.npy (float32, the latents before
    the first step and after every step). alphas_cumprod_<config>.npy holds torch's table per config."""
    import json

    import diffusers
    import torch

    out = FIXTURES / "scheduler"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.npy"):
        old.unlink()
    configs = scheduler_configs()
    for config_name, config in configs.items():
        ddim = make_scheduler("ddim", config)
        np.save(out / f"alphas_cumprod_{config_name}.npy", ddim.alphas_cumprod.numpy().astype("<f4"))
    pool = np.random.RandomState(1234).standard_normal((MODEL_OUTPUT_POOL, int(np.prod(SAMPLE_SHAPE)))).astype("<f4")
    np.save(out / "model_output_pool.npy", pool)
    cases = []
    for k, (name, config_name, steps, eta, strength) in enumerate(SCHEDULER_CASES):
        case_id = f"{k:03d}_{name}_{config_name}_{steps}"
        scheduler = make_scheduler(name, configs[config_name])
        try:
            begin, states = run_trajectory(scheduler, steps, pool, seed=1000 + k, eta=eta, strength=strength)
        except Exception as e:  # e.g. a spacing that this scheduler rejects: the Java side must reject it too
            cases.append({"id": case_id, "scheduler": name, "config": config_name, "steps": steps,
                          "error": f"{type(e).__name__}: {e}"})
            continue
        timesteps = scheduler.timesteps.numpy().astype("<f8")
        np.save(out / f"{case_id}_timesteps.npy", timesteps)
        np.save(out / f"{case_id}_states.npy", states)
        case = {"id": case_id, "scheduler": name, "config": config_name, "steps": steps, "seed": 1000 + k,
                "eta": eta, "strength": strength, "begin_index": begin,
                "init_noise_sigma": float(scheduler.init_noise_sigma), "order": scheduler.order}
        if hasattr(scheduler, "sigmas") and name not in ("ddim", "pndm"):
            np.save(out / f"{case_id}_sigmas.npy", scheduler.sigmas.numpy().astype("<f4"))
            case["sigmas"] = True
        cases.append(case)
    meta = {"diffusers": diffusers.__version__, "torch": torch.__version__, "sample_shape": list(SAMPLE_SHAPE),
            "configs": configs, "cases": cases}
    (out / "cases.json").write_text(json.dumps(meta, indent=1) + "\n")


def write_audio_fixtures():
    """soundfile's WAV files of one float32 signal, for WavWriterTest: PCM_16 and FLOAT at 16 kHz."""
    import soundfile

    out = FIXTURES / "audio"
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(7)
    k = np.arange(-20, 20)
    signal = np.concatenate([
        0.8 * np.sin(np.linspace(0, 40 * np.pi, 1600)),  # an ordinary waveform
        rng.uniform(-1.3, 1.3, 1200),  # including clipping
        rng.uniform(-1e-3, 1e-3, 400),  # near zero
        k / 32768, (k + 0.5) / 32768, k / 32767, (k + 0.5) / 32767,  # integer and half-way points
        (k - 2.0**-18) / 32768, (k - 2.0**-16) / 32768,  # just below integers (the int32 carry)
        [1.0, -1.0, 0.0, -0.0, 2.0, -2.0, np.inf, -np.inf, 2.0**-32, 3 * 2.0**-32, 1e-30],
    ]).astype("<f4")
    np.save(out / "signal.npy", signal)
    soundfile.write(out / "signal_pcm16.wav", signal, 16000, subtype="PCM_16", format="WAV")
    soundfile.write(out / "signal_float.wav", signal, 16000, subtype="FLOAT", format="WAV")


GROUPS = {"npy": write_npy_fixtures, "rng": write_rng_fixtures, "scheduler": write_scheduler_fixtures,
          "audio": write_audio_fixtures}

if __name__ == "__main__":
    wanted = sys.argv[1:] or list(GROUPS)
    for name in wanted:
        GROUPS[name]()
        print("wrote", name)
