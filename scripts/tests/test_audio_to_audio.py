"""Audio-to-audio and CLAP ranking references: the documented draw order, strength edges, per-prompt ranking."""

import numpy as np
import torch

from audioldm2_export import audio_to_audio, ranking
from audioldm2_export.reference import read_cases

CASE = {"id": "a2a", "prompt": "A dog barks", "negative_prompt": None, "steps": 4, "guidance_scale": 2.0,
        "duration": None, "seed": 5, "scheduler": "ddim", "strength": 0.5,
        "input_audio": {"sample_rate": 22050, "channels": 2, "seconds": 0.4, "seed": 1}}


def test_case_file_accepts_audio_to_audio_fields(tmp_path):
    path = tmp_path / "cases.json"
    path.write_text(__import__("json").dumps([CASE]))
    (case,) = read_cases(path)
    assert audio_to_audio.applies(case) and case["eta"] == 0.0


def test_generator_draws_posterior_noise_then_add_noise_noise(tiny_pipe):
    arrays, facts = audio_to_audio.run_case(tiny_pipe, {**CASE, "num_waveforms_per_prompt": 1, "eta": 0.0},
                                            tiny_pipe.scheduler.config)
    generator = torch.Generator("cpu").manual_seed(CASE["seed"])
    shape = arrays["posterior_latents"].shape
    assert np.array_equal(arrays["posterior_noise"], torch.randn(shape, generator=generator).numpy())
    assert np.array_equal(arrays["add_noise_noise"], torch.randn(shape, generator=generator).numpy())
    assert len(facts["timesteps"]) == 2 and facts["begin_index"] == 2        # int(4 * 0.5) steps, from t_start 2
    assert arrays["waveform"].shape == (1, int(0.4 * 16000))                 # the input's duration


def test_strength_zero_is_the_round_trip_of_the_posterior_sample(tiny_pipe):
    arrays, facts = audio_to_audio.run_case(tiny_pipe, {**CASE, "strength": 0.0, "num_waveforms_per_prompt": 1,
                                                        "eta": 0.0}, tiny_pipe.scheduler.config)
    assert facts["timesteps"] == [] and "add_noise_noise" not in arrays
    scaled = arrays["posterior_latents"] * np.float32(tiny_pipe.vae.config.scaling_factor)
    assert np.array_equal(arrays["final_latents"], scaled)


def test_ranking_is_per_prompt(tiny_pipe):
    waveforms = ranking.synthetic_waveforms(16000, 0.5)
    result = ranking.clap_scores(tiny_pipe, ranking.SYNTHETIC_PROMPTS, np.concatenate([waveforms, waveforms]), 4)
    assert sorted(result["order"][:4]) == [0, 1, 2, 3] and sorted(result["order"][4:]) == [4, 5, 6, 7]
    for p in range(2):
        ranked = result["scores"][result["order"][4 * p:4 * p + 4]]
        assert np.all(np.diff(ranked) <= 0)
