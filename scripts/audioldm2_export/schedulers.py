"""The schedulers a reference case may name, built like the Java side builds them."""

from __future__ import annotations

SCHEDULERS = ("ddim", "dpm++2m", "euler-ancestral")


def scheduler(name: str, config):
    """The diffusers scheduler of a case, built from_config on the checkpoint's DDIM config like the Java side."""
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler

    classes = {"ddim": DDIMScheduler,
               "dpm++2m": DPMSolverMultistepScheduler,  # the HF blog recipe: DPM-Solver++ (2M) from DDIM's config
               "euler-ancestral": EulerAncestralDiscreteScheduler}  # stochastic: noise from the pipeline's generator
    return classes[name].from_config(config)
