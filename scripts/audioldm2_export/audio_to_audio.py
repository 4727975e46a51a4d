"""Audio-to-audio reference (issue 5): AudioLDM's style transfer on AudioLDM2, in diffusers' img2img convention.

diffusers has no audio-to-audio AudioLDM2 pipeline, so this module composes one from the tiny pipeline's own
components, in the order the Java pipeline (AudioToAudio) runs them:

1. the input clip (a deterministic 44.1 kHz stereo test signal, saved as a float WAV in the case folder) is
   downmixed to mono (channel mean, float64, rounded to float32);
2. resampled to the vocoder's rate with torchaudio's resample (the port in dsp.py) evaluated
   in float64 and rounded to float32 (AudioLDM itself runs it in float32, which differs by up to 5e-6 at 44.1 kHz);
3. AudioLDM's normalisation with a segment of `height * hop` samples, TacotronSTFT log-mel (librosa slaney filters,
   float64) and _pad_spec to `height` frames, where height is the text-to-audio height for the duration
   (the duration defaults to the input's duration);
4. vae.encode(mel).latent_dist.sample(generator) * scaling_factor;
5. StableDiffusionImg2ImgPipeline.get_timesteps (init = int(N * strength), t_start = N - init, set_begin_index),
   scheduler.add_noise at the first remaining timestep;
6. AudioLDM2Pipeline's own denoising loop from there, VAE decode, vocoder, trim to int(duration * sr).

One torch.Generator('cpu').manual_seed(seed) per case draws, in this order: (1) the posterior sample's noise,
(2) the add_noise noise, (3) any scheduler noise (DDIM eta > 0). strength 0 runs no step and draws no (2): the
result is the VAE + vocoder round trip of the posterior sample.

reference.write_references runs these cases next to the text-to-audio ones (export_onnx.py --reference).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from . import dsp
from .schedulers import scheduler

CASE_FIELDS = {"strength", "input_audio"}
INPUT_WAV = "input.wav"


def applies(case: dict) -> bool:
    return "strength" in case


def input_clip(spec: dict) -> tuple[np.ndarray, int]:
    """A deterministic multichannel test clip (channels, samples) in float32: per channel a different tone pair,
    a slow amplitude envelope and seeded noise, so that the downmix and the resampler both matter."""
    sr, seconds, channels = spec["sample_rate"], spec["seconds"], spec["channels"]
    rng = np.random.RandomState(spec["seed"])
    t = np.arange(int(round(sr * seconds))) / sr
    rows = []
    for c in range(channels):
        tone = 0.3 * np.sin(2 * np.pi * (220 + 110 * c) * t) + 0.15 * np.sin(2 * np.pi * (1760 + 500 * c) * t)
        envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 1.5 * t + c)
        rows.append(tone * envelope + 0.03 * rng.standard_normal(t.size) + 0.05)  # a DC offset to remove
    return np.clip(np.stack(rows), -0.99, 0.99).astype(np.float32), sr


def mel_frames(duration: float, pipe) -> tuple[int, int]:
    """The text-to-audio height for a duration (AudioLDM2Pipeline.__call__) and int(duration * sr)."""
    upsample = np.prod(pipe.vocoder.config.upsample_rates) / pipe.vocoder.config.sampling_rate
    height = int(duration / upsample)
    if height % pipe.vae_scale_factor != 0:
        height = int(np.ceil(height / pipe.vae_scale_factor)) * pipe.vae_scale_factor
    return height, int(duration * pipe.vocoder.config.sampling_rate)


def audioldm_mel(clip: np.ndarray, sr: int, pipe, height: int) -> np.ndarray:
    """Steps 1-3: (height, mel_bins) float32, the VAE encoder's input without its batch and channel axes."""
    target_sr = pipe.vocoder.config.sampling_rate
    hop = int(np.prod(pipe.vocoder.config.upsample_rates))
    mel_bins = pipe.vocoder.config.model_in_dim
    mono = clip.astype(np.float64).mean(axis=0).astype(np.float32)
    wav = dsp.torchaudio_resample(torch.from_numpy(mono).double(), sr, target_sr).numpy().astype(np.float32)
    wav = dsp.audioldm_normalize(wav.astype(np.float64), height * hop).astype(np.float32)
    log_mel = dsp.tacotron_log_mel(wav.astype(np.float64), sr=target_sr, n_fft=1024, hop=hop, win=1024,
                                   n_mels=mel_bins, fmin=0, fmax=target_sr / 2, dtype=torch.float64)
    padded = np.zeros((height, mel_bins))
    rows = min(height, log_mel.shape[0])
    padded[:rows] = log_mel[:rows]
    return padded.astype(np.float32)


def run_case(pipe, case: dict, base_scheduler_config) -> tuple[dict, dict]:
    """Runs one audio-to-audio case; returns the arrays to save and the facts for cases.json."""
    from diffusers import StableDiffusionImg2ImgPipeline

    pipe.scheduler = scheduler(case["scheduler"], base_scheduler_config)
    clip, sr = input_clip(case["input_audio"])
    duration = case["duration"] if case["duration"] is not None else clip.shape[1] / sr
    height, samples = mel_frames(duration, pipe)
    mel_in = audioldm_mel(clip, sr, pipe, height)

    prompts = case["prompt"] if isinstance(case["prompt"], list) else [case["prompt"]]
    n = case["num_waveforms_per_prompt"]
    rows = len(prompts) * n
    cfg = case["guidance_scale"] > 1.0
    generator = torch.Generator("cpu").manual_seed(case["seed"])
    with torch.no_grad():
        prompt_embeds, attention_mask, generated = pipe.encode_prompt(
            case["prompt"], "cpu", n, cfg, negative_prompt=case["negative_prompt"])
        posterior = pipe.vae.encode(torch.from_numpy(mel_in)[None, None].repeat(rows, 1, 1, 1)).latent_dist
        sampled = posterior.sample(generator=generator)                              # draw 1
        init_latents = sampled * pipe.vae.config.scaling_factor

        pipe.scheduler.set_timesteps(case["steps"], device="cpu")
        timesteps, _ = StableDiffusionImg2ImgPipeline.get_timesteps(pipe, case["steps"], case["strength"], "cpu")
        latents = init_latents
        if len(timesteps) > 0:
            noise = torch.randn(init_latents.shape, generator=generator, dtype=init_latents.dtype)  # draw 2
            latents = pipe.scheduler.add_noise(init_latents, noise, timesteps[:1])
        noised = latents.clone()
        # replay the documented draw order on a fresh generator: the noises must be exactly what the pipeline consumed
        replay = torch.Generator("cpu").manual_seed(case["seed"])
        draws = {"posterior_noise": torch.randn(sampled.shape, generator=replay, dtype=sampled.dtype)}
        assert torch.equal(sampled, posterior.mean + posterior.std * draws["posterior_noise"]), "draw 1 is not eps"
        if len(timesteps) > 0:
            draws["add_noise_noise"] = torch.randn(sampled.shape, generator=replay, dtype=sampled.dtype)
            replayed = pipe.scheduler.add_noise(init_latents, draws["add_noise_noise"], timesteps[:1])
            assert torch.equal(noised, replayed), "draw 2 is not the add_noise noise"
        extra_step_kwargs = pipe.prepare_extra_step_kwargs(generator, case["eta"])    # draws 3.. in step()
        for t in timesteps:  # AudioLDM2Pipeline.__call__'s loop
            model_input = torch.cat([latents] * 2) if cfg else latents
            model_input = pipe.scheduler.scale_model_input(model_input, t)
            noise_pred = pipe.unet(model_input, t, encoder_hidden_states=generated,
                                   encoder_hidden_states_1=prompt_embeds,
                                   encoder_attention_mask_1=attention_mask, return_dict=False)[0]
            if cfg:
                uncond, text = noise_pred.chunk(2)
                noise_pred = uncond + case["guidance_scale"] * (text - uncond)
            latents = pipe.scheduler.step(noise_pred, t, latents, **extra_step_kwargs).prev_sample
        mel_out = pipe.vae.decode(1 / pipe.vae.config.scaling_factor * latents).sample
        waveform = pipe.mel_spectrogram_to_waveform(mel_out)[:, :samples]

    arrays = {name: t.numpy() for name, t in draws.items()}
    arrays |= {"mel_input": mel_in[None, None], "posterior_mean": posterior.mean.numpy(),
               "posterior_logvar": posterior.logvar.numpy(), "posterior_latents": sampled.numpy(),
               "initial_latents": noised.numpy(), "final_latents": latents.numpy(), "mel": mel_out.numpy(),
               "waveform": waveform.numpy().astype(np.float32)}
    facts = {"do_classifier_free_guidance": cfg, "timesteps": [int(t) for t in timesteps],
             "begin_index": len(pipe.scheduler.timesteps) - len(timesteps), "effective_duration": duration,
             "input_wav": INPUT_WAV, "input_sample_rate": sr, "input_channels": int(clip.shape[0]),
             "mel_frames": height, "latent_shape": list(latents.shape), "waveform_samples": samples,
             "draw_order": "one torch.Generator: 1 posterior noise, 2 add_noise noise (only when a step runs), "
                           "3.. scheduler noise"}
    return arrays, facts


def write_input_wav(case_dir: Path, case: dict) -> None:
    """The case's input clip as a 32-bit float WAV, which both sides decode to the same samples (scipy's writer:
    byte-identical on every run, unlike libsndfile's, whose PEAK chunk carries a timestamp)."""
    import scipy.io.wavfile

    clip, sr = input_clip(case["input_audio"])
    scipy.io.wavfile.write(case_dir / INPUT_WAV, sr, np.ascontiguousarray(clip.T))
