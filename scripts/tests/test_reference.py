"""Reference writing: what is saved equals what diffusers computes, and capturing changes nothing."""

import json

import numpy as np
import pytest
import torch

import export_onnx
from audioldm2_export.errors import ExportError
from audioldm2_export.reference import read_cases

CASES = [
    {"id": "cfg_two_waveforms", "prompt": "A dog barks",
     "negative_prompt": "Low quality, average quality, noisy recording with hiss and hum",
     "steps": 3, "guidance_scale": 3.0, "duration": 0.36, "seed": 11, "num_waveforms_per_prompt": 2, "eta": 0.3},
    {"id": "dpm_two_prompts_no_cfg", "prompt": ["Rain", "Wind and thunder over the hills"],
     "steps": 3, "guidance_scale": 1.0, "duration": 0.5, "seed": 12, "scheduler": "dpm++2m"},
]


@pytest.fixture(scope="module")
def references(tiny_bundle, tiny_folder, tmp_path_factory):
    cases = tmp_path_factory.mktemp("cases") / "cases.json"
    cases.write_text(json.dumps(CASES))
    assert export_onnx.run(["--reference", str(cases), "--model", str(tiny_folder), "--out", str(tiny_bundle)]) == 0
    return tiny_bundle / "reference"


def load(ref, case, name):
    return np.load(ref / case / f"{name}.npy")


def call(pipe, case, scheduler_cls):
    ddim = pipe.scheduler
    pipe.scheduler = scheduler_cls.from_config(ddim.config)
    try:
        return pipe(prompt=case["prompt"], negative_prompt=case.get("negative_prompt"),
                    num_inference_steps=case["steps"], guidance_scale=case["guidance_scale"],
                    audio_length_in_s=case["duration"],
                    num_waveforms_per_prompt=case.get("num_waveforms_per_prompt", 1), eta=case.get("eta", 0.0),
                    generator=torch.Generator("cpu").manual_seed(case["seed"])).audios
    finally:
        pipe.scheduler = ddim


def test_cases_json_and_manifest_list_the_cases(references, tiny_bundle):
    written = json.loads((references / "cases.json").read_text())
    assert [c["id"] for c in written] == [c["id"] for c in CASES]
    first = written[0]
    assert first["scheduler"] == "ddim" and first["do_classifier_free_guidance"] is True
    assert first["mel_frames"] == 36 and first["latent_shape"] == [2, 8, 9, 16]  # 0.36 s: height 9, not a multiple of 8
    assert first["timesteps"] == [667, 334, 1]  # DDIM "leading", steps_offset 1
    manifest = json.loads((tiny_bundle / "manifest.json").read_text())
    assert manifest["reference"]["cases"] == [c["id"] for c in CASES]
    assert "reference/cases.json" in manifest["files"]


def test_waveform_equals_an_unwrapped_diffusers_call(references, tiny_pipe):
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler

    assert np.array_equal(load(references, "cfg_two_waveforms", "waveform"), call(tiny_pipe, CASES[0], DDIMScheduler))
    assert np.array_equal(load(references, "dpm_two_prompts_no_cfg", "waveform"),
                          call(tiny_pipe, CASES[1], DPMSolverMultistepScheduler))


def test_initial_latents_are_torch_randn_of_the_seed(references):
    latents = load(references, "cfg_two_waveforms", "initial_latents")
    expected = torch.randn(latents.shape, generator=torch.Generator("cpu").manual_seed(11)).numpy()
    assert np.array_equal(latents, expected)


def test_embeddings_are_encode_prompt_outputs_in_cfg_order(references, tiny_pipe):
    case = CASES[0]
    with torch.no_grad():
        t5, mask, gpt2 = tiny_pipe.encode_prompt(case["prompt"], "cpu", 2, True,
                                                 negative_prompt=case["negative_prompt"])
    assert np.array_equal(load(references, "cfg_two_waveforms", "t5_embeds"), t5.numpy())
    assert np.array_equal(load(references, "cfg_two_waveforms", "t5_mask"), mask.numpy())
    assert np.array_equal(load(references, "cfg_two_waveforms", "gpt2_embeds"), gpt2.numpy())
    assert load(references, "cfg_two_waveforms", "t5_mask").dtype == np.int64


def test_negative_prompt_is_truncated_to_the_prompt_t5_length(references, tiny_pipe):
    ids = load(references, "cfg_two_waveforms", "t5_input_ids")
    positive = tiny_pipe.tokenizer_2(CASES[0]["prompt"]).input_ids
    negative = tiny_pipe.tokenizer_2(CASES[0]["negative_prompt"]).input_ids
    assert len(negative) > len(positive), "the case must have a longer negative prompt"
    assert ids.shape == (2, len(positive))
    assert list(ids[1]) == positive  # CFG order: [negative, positive]
    assert list(ids[0]) == negative[:len(positive) - 1] + [1]  # truncated, </s> kept
    clap_ids = load(references, "cfg_two_waveforms", "clap_input_ids")
    assert clap_ids.shape == (2, 77) and clap_ids[0, -1] == 1  # padded to max_length with <pad>


def test_no_cfg_batch_has_no_negative_half(references):
    assert load(references, "dpm_two_prompts_no_cfg", "t5_embeds").shape[0] == 2
    assert load(references, "dpm_two_prompts_no_cfg", "gpt2_embeds").shape == (2, 8, 16)
    assert load(references, "dpm_two_prompts_no_cfg", "waveform").shape == (2, 8000)


def test_several_waveforms_keep_generation_order_and_ranking(references):
    from diffusers.utils import is_librosa_available

    generated = load(references, "cfg_two_waveforms", "waveform_generated")
    final = load(references, "cfg_two_waveforms", "waveform")
    assert generated.shape == final.shape == (2, 5760)
    if is_librosa_available():
        indices = load(references, "cfg_two_waveforms", "ranking_indices")
        assert sorted(indices.tolist()) == [0, 1]
        assert np.array_equal(final, generated[indices])
    else:
        assert np.array_equal(final, generated)


def test_final_latents_decode_to_the_saved_mel(references, tiny_pipe):
    latents = torch.from_numpy(load(references, "cfg_two_waveforms", "final_latents"))
    with torch.no_grad():
        # diffusers multiplies by the reciprocal (1 / scaling_factor * latents); dividing differs in the last bit
        mel = tiny_pipe.vae.decode(1 / tiny_pipe.vae.config.scaling_factor * latents).sample.numpy()
    assert np.array_equal(mel, load(references, "cfg_two_waveforms", "mel"))


@pytest.mark.parametrize("content, message", [
    ("not json", "not valid JSON"),
    ("[]", "non-empty JSON list"),
    ('[{"id": "a", "prompt": "x", "steps": 2, "guidance_scale": 1, "duration": 1}]', "missing field 'seed'"),
    ('[{"id": "a", "prompt": "x", "steps": 2, "guidance_scale": 1, "duration": 1, "seed": 0, "scheduler": "pndm"}]',
     "scheduler 'pndm'"),
    ('[{"id": "a/b", "prompt": "x", "steps": 2, "guidance_scale": 1, "duration": 1, "seed": 0}]', "id must be"),
    ('[{"id": "a", "prompt": "x", "steps": 2, "guidance_scale": 1, "duration": 1, "seed": 0, "bogus": 1}]',
     "unknown fields"),
])
def test_bad_case_files_are_rejected(tmp_path, content, message):
    path = tmp_path / "cases.json"
    path.write_text(content)
    with pytest.raises(ExportError, match=message):
        read_cases(path)
