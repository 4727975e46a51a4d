#!/usr/bin/env python
"""Writes the reference fixtures for the Java audio front end (package ai.audioldm2.audio).

Output: src/test/resources/fixtures/dsp/ -- index.json (cases and their parameters) plus raw little-endian
arrays (*.f32 / *.f64) and encoded audio files. Run from the repository root with the project's venv:

    .venv/bin/python scripts/make_dsp_fixtures.py

References:
- resampling: torchaudio.functional.resample (sinc_interp_hann, lowpass_filter_width 6, rolloff 0.99). torchaudio
  has no build for torch 2.13, so `torchaudio_resample` (audioldm2_export/dsp.py, with the normalisation and
  log-mel below) is a line-by-line port of torchaudio 2.11's `_get_sinc_resample_kernel` /
  `_apply_sinc_resample_kernel`. When torchaudio can be imported (for instance an
  unpacked 2.11 wheel on PYTHONPATH: it imports with torch 2.13) the port is checked against it, and index.json
  records the outcome.
- normalisation: AudioLDM's `normalize_wav` / `pad_wav` / renormalisation (audioldm/audio/tools.py).
- log-mel: AudioLDM's TacotronSTFT (Fourier-basis conv1d, periodic Hann, reflect padding, magnitude) with
  librosa's slaney mel filterbank and log(clamp(x, 1e-5)), evaluated in float64.
- CLAP features: transformers' ClapFeatureExtractor with AudioLDM2's settings (truncation "rand_trunc", padding
  "repeatpad"); the long clip is cropped beforehand at the centred offset the Java extractor uses.
- decoding: soundfile (libsndfile) writes and reads back the encoded files.
"""
import json
import pathlib
import sys

import librosa
import numpy as np
import scipy.signal
import soundfile as sf
import torch

from audioldm2_export.dsp import audioldm_normalize, tacotron_log_mel, torchaudio_resample

OUT = pathlib.Path(__file__).resolve().parent.parent / "src/test/resources/fixtures/dsp"


def write(name, array, dtype):
    path = OUT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<")).tofile(path)
    return {"file": name, "shape": list(np.shape(array)), "dtype": np.dtype(dtype).name}


# ---------------------------------------------------------------- resampling (the port: audioldm2_export/dsp.py)

def check_port_against_torchaudio(signals):
    try:
        import torchaudio.functional
    except Exception as e:  # noqa: BLE001 - any import failure means "not available"
        return f"torchaudio not importable ({type(e).__name__}); the port was not cross-checked"
    worst = 0.0
    for x, orig, new in signals:
        for dtype in (torch.float32, torch.float64):
            xt = torch.from_numpy(x).to(dtype)
            ours = torchaudio_resample(xt, orig, new)
            theirs = torchaudio.functional.resample(xt, orig, new)
            worst = max(worst, float((ours - theirs).abs().max()))
    if worst != 0.0:
        sys.exit(f"the torchaudio port differs from torchaudio {torchaudio.__version__}: {worst}")
    return f"port identical (max abs diff 0.0) to torchaudio {torchaudio.__version__} on every resample case"


def resample_cases(rng):
    cases, checks = [], []
    specs = [
        ("tones_44100_16000", 44100, 16000, "tones"),
        ("noise_44100_16000", 44100, 16000, "noise"),
        ("noise_48000_16000", 48000, 16000, "noise"),
        ("noise_22050_16000", 22050, 16000, "noise"),
        ("noise_8000_16000", 8000, 16000, "noise"),
        ("noise_12345_16000", 12345, 16000, "noise"),
        ("tones_16000_48000", 16000, 48000, "tones"),
        ("noise_16000_48000", 16000, 48000, "noise"),
        ("noise_44100_48000", 44100, 48000, "noise"),
    ]
    for name, orig, new, kind in specs:
        n = int(0.25 * orig)
        t = np.arange(n) / orig
        if kind == "tones":
            # inside the pass band, near the new Nyquist frequency, and above it (must be rejected)
            nyquist = min(orig, new) / 2
            x = (0.4 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 0.9 * nyquist * t)
                 + 0.2 * np.sin(2 * np.pi * min(1.3 * nyquist, 0.45 * orig) * t))
        else:
            x = 0.3 * rng.standard_normal(n)
        x = x.astype(np.float32)
        checks.append((x, orig, new))
        ref64 = torchaudio_resample(torch.from_numpy(x).double(), orig, new).numpy()
        ref32 = torchaudio_resample(torch.from_numpy(x), orig, new).numpy()
        cases.append({"name": name, "orig_freq": orig, "new_freq": new,
                      "input": write(f"resample/{name}.in.f32", x, np.float32),
                      "expected_f64": write(f"resample/{name}.f64.f64", ref64, np.float64),
                      "expected_f32": write(f"resample/{name}.f32.f32", ref32, np.float32),
                      # torchaudio's own float32 rounding error on this case
                      "f32_vs_f64_max_abs_diff": float(np.max(np.abs(ref32.astype(np.float64) - ref64)))})
    return cases, check_port_against_torchaudio(checks)


# ---------------------------------------------------------------- AudioLDM normalisation (audioldm/audio/tools.py)

def normalize_cases(rng):
    cases = []
    for name, n, segment in [("pad", 3000, 4000), ("longer", 5000, 4000), ("exact", 4000, 4000)]:
        x = (0.3 * rng.standard_normal(n) + 0.7).astype(np.float32)  # a DC offset to remove
        ref = audioldm_normalize(x.astype(np.float64), segment)
        cases.append({"name": name, "segment_length": segment,
                      "input": write(f"normalize/{name}.in.f32", x, np.float32),
                      "expected": write(f"normalize/{name}.f64", ref, np.float64)})
    return cases


# ---------------------------------------------------------------- TacotronSTFT log-mel (audioldm/audio/stft.py)

def mel_cases(rng):
    cases = []
    settings = [
        # the real checkpoints: hop = prod(vocoder upsample_rates), mel bins = vocoder model_in_dim, fmax = sr / 2
        ("real", dict(sr=16000, n_fft=1024, hop=160, win=1024, n_mels=64, fmin=0, fmax=8000), 16000),
        # diffusers' tiny dummy vocoder: upsample_rates [2, 2], model_in_dim 8
        ("tiny", dict(sr=16000, n_fft=1024, hop=4, win=1024, n_mels=8, fmin=0, fmax=8000), 1600),
    ]
    for name, s, n in settings:
        t = np.arange(n) / s["sr"]
        chirp = scipy.signal.chirp(t, f0=50, f1=7500, t1=t[-1], method="logarithmic")
        x = 0.25 * chirp + 0.05 * rng.standard_normal(n)
        x[n // 3: n // 3 + n // 10] = 0.0  # a silent stretch exercises the 1e-5 clamp
        x = (0.5 * x / np.max(np.abs(x))).astype(np.float32)
        ref64 = tacotron_log_mel(x.astype(np.float64), dtype=torch.float64, **s)
        ref32 = tacotron_log_mel(x, dtype=torch.float32, **s)
        basis = librosa.filters.mel(sr=s["sr"], n_fft=s["n_fft"], n_mels=s["n_mels"], fmin=s["fmin"],
                                    fmax=s["fmax"], dtype=np.float64)
        cases.append({"name": name, **s,
                      "input": write(f"mel/{name}.in.f32", x, np.float32),
                      "expected_f64": write(f"mel/{name}.logmel.f64", ref64, np.float64),
                      "float32_reference_max_abs_diff": float(np.max(np.abs(ref32 - ref64))),
                      "mel_basis": write(f"mel/{name}.basis.f64", basis, np.float64)})
    return cases


def front_end_cases(rng):
    """AudioLDM's wav_to_fbank on a mono clip: torchaudio resample (float32, as after torchaudio.load),
    normalisation with segment target_length * hop, TacotronSTFT log-mel, _pad_spec."""
    cases = []
    s = dict(sr=16000, n_fft=1024, hop=160, win=1024, n_mels=64, fmin=0, fmax=8000)
    for name, orig, seconds, target_length in [("44100_pad", 44100, 0.6, 64), ("22050_trim", 22050, 0.9, 64)]:
        n = int(orig * seconds)
        t = np.arange(n) / orig
        x = (0.2 * np.sin(2 * np.pi * 330 * t) + 0.05 * rng.standard_normal(n) + 0.1).astype(np.float32)
        expected = {}
        for key, dtype in [("expected", torch.float32), ("expected_f64_resample", torch.float64)]:
            wav = torchaudio_resample(torch.from_numpy(x).to(dtype), orig, s["sr"]).numpy().astype(np.float64)
            wav = audioldm_normalize(wav, target_length * s["hop"])
            mel = tacotron_log_mel(wav, dtype=torch.float64, **s)
            padded = np.zeros((target_length, s["n_mels"]))
            rows = min(target_length, mel.shape[0])
            padded[:rows] = mel[:rows]
            expected[key] = write(f"front_end/{name}.{key}.f64", padded, np.float64)
        cases.append({"name": name, **s, "orig_freq": orig, "target_length": target_length,
                      "input": write(f"front_end/{name}.in.f32", x, np.float32), **expected})
    return cases


# ---------------------------------------------------------------- CLAP features (transformers ClapFeatureExtractor)

def clap_cases(rng):
    from transformers import ClapFeatureExtractor
    cases = []
    sr = 48000
    n = int(1.7 * sr)
    t = np.arange(n) / sr
    short = (0.3 * np.sin(2 * np.pi * 440 * t) * np.sin(2 * np.pi * 0.5 * t) + 0.1 * rng.standard_normal(n)
             + 0.2 * scipy.signal.chirp(t, f0=60, f1=20000, t1=t[-1])).astype(np.float32)
    short_file = write("clap/short.in.f32", short, np.float32)
    long_repeats = 7  # the long clip is the short one repeated: 11.9 s, more than max_length
    settings = [
        # AudioLDM2's feature_extractor/preprocessor_config.json
        ("audioldm2", dict(feature_size=64, sampling_rate=sr, hop_length=480, max_length_s=10, fft_window_size=1024,
                           frequency_min=50, frequency_max=14000)),
        # diffusers' tiny test pipeline overrides hop_length to 7900
        ("hop7900", dict(feature_size=64, sampling_rate=sr, hop_length=7900, max_length_s=10, fft_window_size=1024,
                         frequency_min=50, frequency_max=14000)),
    ]
    for name, s in settings:
        extractor = ClapFeatureExtractor(**s, truncation="rand_trunc", padding="repeatpad")
        max_len = s["max_length_s"] * sr
        long = np.tile(short, long_repeats)
        offset = (long.size - max_len) // 2  # the Java extractor's deterministic choice for rand_trunc
        for kind, clip in [("short", short), ("long", long[offset:offset + max_len])]:
            features = extractor(clip, sampling_rate=sr, return_tensors="np").input_features[0, 0]
            cases.append({"name": f"{name}_{kind}", **s, "input": short_file,
                          "input_repeats": 1 if kind == "short" else long_repeats,
                          "expected": write(f"clap/{name}_{kind}.features.f32", features, np.float32)})
    return cases


# ---------------------------------------------------------------- encoded files for the decoder

def decode_cases(rng):
    cases = []

    def signal(sr, channels, seconds=0.1):
        t = np.arange(int(sr * seconds)) / sr
        cols = [0.5 * np.sin(2 * np.pi * (330 + 220 * c) * t) + 0.05 * rng.standard_normal(t.size)
                for c in range(channels)]
        return np.clip(np.stack(cols, axis=1), -0.99, 0.99)

    lossless = [
        ("pcm_u8.wav", "WAV", "PCM_U8", 8000, 1),
        ("pcm_16.wav", "WAV", "PCM_16", 22050, 2),
        ("pcm_24.wav", "WAV", "PCM_24", 44100, 2),
        ("pcm_32.wav", "WAV", "PCM_32", 16000, 1),
        ("float_32.wav", "WAV", "FLOAT", 48000, 2),
        ("float_64.wav", "WAV", "DOUBLE", 11025, 1),
        ("extensible_pcm_16.wav", "WAVEX", "PCM_16", 32000, 6),
        ("extensible_pcm_24.wav", "WAVEX", "PCM_24", 96000, 8),
        ("extensible_float_32.wav", "WAVEX", "FLOAT", 44100, 3),
        ("flac_16.flac", "FLAC", "PCM_16", 44100, 2),
        ("flac_24.flac", "FLAC", "PCM_24", 48000, 1),
        ("flac_8ch.flac", "FLAC", "PCM_16", 16000, 8),
    ]
    lossy = [
        ("vorbis.ogg", "OGG", "VORBIS", 44100, 2),
        ("mpeg_layer3.mp3", "MP3", "MPEG_LAYER_III", 44100, 2),
        ("mpeg_layer3_mono.mp3", "MP3", "MPEG_LAYER_III", 22050, 1),
    ]
    for file, fmt, subtype, sr, ch in lossless + lossy:
        x = signal(sr, ch)
        path = OUT / "decode" / file
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, x, sr, format=fmt, subtype=subtype)
        decoded, sr_read = sf.read(path, dtype="float64", always_2d=True)
        assert sr_read == sr
        cases.append({"file": f"decode/{file}", "format": fmt, "subtype": subtype, "sample_rate": sr,
                      "channels": ch, "lossless": (file, fmt, subtype, sr, ch) in lossless,
                      # what libsndfile decodes (mpg123 for MP3, with gapless trimming), (frames, channels)
                      "expected": write(f"decode/{file}.decoded.f64", decoded, np.float64)})
    return cases


def main():
    # one generator per section, so that adding cases to one section leaves the others' fixtures unchanged
    resample, port_check = resample_cases(np.random.RandomState(1))
    index = {
        "versions": {"torch": torch.__version__, "librosa": librosa.__version__, "numpy": np.__version__,
                     "transformers": __import__("transformers").__version__,
                     "soundfile": sf.__version__, "libsndfile": sf.__libsndfile_version__},
        "resample_port_check": port_check,
        "resample": resample,
        "normalize": normalize_cases(np.random.RandomState(2)),
        "mel": mel_cases(np.random.RandomState(3)),
        "clap": clap_cases(np.random.RandomState(4)),
        "front_end": front_end_cases(np.random.RandomState(6)),
        "decode": decode_cases(np.random.RandomState(5)),
    }
    (OUT / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    print(json.dumps({k: index[k] for k in ("versions", "resample_port_check")}, indent=1))
    for case in index["mel"]:
        print(case["name"], "float32 TacotronSTFT vs float64:", case["float32_reference_max_abs_diff"])


if __name__ == "__main__":
    main()
