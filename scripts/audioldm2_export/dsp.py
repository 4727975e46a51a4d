"""The audio front end both reference writers share, as the Java side (package ai.audioldm2.audio) reproduces it:
torchaudio's sinc resampling, AudioLDM's waveform normalisation and its TacotronSTFT log-mel.

- resampling: torchaudio.functional.resample (sinc_interp_hann, lowpass_filter_width 6, rolloff 0.99). torchaudio
  has no build for torch 2.13, so `torchaudio_resample` is a line-by-line port of torchaudio 2.11's
  `_get_sinc_resample_kernel` / `_apply_sinc_resample_kernel` (scripts/make_dsp_fixtures.py checks it against
  torchaudio when torchaudio imports).
- normalisation: AudioLDM's `normalize_wav` / `pad_wav` / renormalisation (audioldm/audio/tools.py).
- log-mel: AudioLDM's TacotronSTFT (audioldm/audio/stft.py: Fourier-basis conv1d, periodic Hann, reflect padding,
  magnitude) with librosa's slaney mel filterbank and log(clamp(x, 1e-5)).

Used by scripts/make_dsp_fixtures.py (the Java DSP fixtures), audio_to_audio and ranking.
"""

import math

import numpy as np
import torch


# ---------------------------------------------------------------- resampling (port of torchaudio 2.11)

def _get_sinc_resample_kernel(orig_freq, new_freq, gcd, lowpass_filter_width=6, rolloff=0.99, dtype=None):
    orig_freq = int(orig_freq) // gcd
    new_freq = int(new_freq) // gcd
    base_freq = min(orig_freq, new_freq)
    base_freq *= rolloff
    width = math.ceil(lowpass_filter_width * orig_freq / base_freq)
    idx_dtype = dtype if dtype is not None else torch.float64
    idx = torch.arange(-width, width + orig_freq, dtype=idx_dtype)[None, None] / orig_freq
    t = torch.arange(0, -new_freq, -1, dtype=dtype)[:, None, None] / new_freq + idx
    t *= base_freq
    t = t.clamp_(-lowpass_filter_width, lowpass_filter_width)
    window = torch.cos(t * math.pi / lowpass_filter_width / 2) ** 2
    t *= math.pi
    scale = base_freq / orig_freq
    kernels = torch.where(t == 0, torch.tensor(1.0).to(t), t.sin() / t)
    kernels *= window * scale
    if dtype is None:
        kernels = kernels.to(dtype=torch.float32)
    return kernels, width


def _apply_sinc_resample_kernel(waveform, orig_freq, new_freq, gcd, kernel, width):
    orig_freq = int(orig_freq) // gcd
    new_freq = int(new_freq) // gcd
    shape = waveform.size()
    waveform = waveform.view(-1, shape[-1])
    num_wavs, length = waveform.shape
    waveform = torch.nn.functional.pad(waveform, (width, width + orig_freq))
    resampled = torch.nn.functional.conv1d(waveform[:, None], kernel, stride=orig_freq)
    resampled = resampled.transpose(1, 2).reshape(num_wavs, -1)
    target_length = torch.ceil(torch.as_tensor(new_freq * length / orig_freq)).long()
    resampled = resampled[..., :target_length]
    return resampled.view(shape[:-1] + resampled.shape[-1:])


def torchaudio_resample(waveform, orig_freq, new_freq):
    """torchaudio.functional.resample with its defaults; like torchaudio, the kernel is built in the input's dtype."""
    if orig_freq == new_freq:
        return waveform
    gcd = math.gcd(int(orig_freq), int(new_freq))
    kernel, width = _get_sinc_resample_kernel(orig_freq, new_freq, gcd, dtype=waveform.dtype)
    return _apply_sinc_resample_kernel(waveform, orig_freq, new_freq, gcd, kernel, width)


# ---------------------------------------------------------------- AudioLDM normalisation (audioldm/audio/tools.py)

def audioldm_normalize(waveform, segment_length):
    waveform = waveform - np.mean(waveform)
    waveform = waveform / (np.max(np.abs(waveform)) + 1e-8)
    waveform = waveform * 0.5
    waveform = waveform[None, ...]
    # pad_wav: a longer waveform goes through `waveform[:segment_length]` on the (1, N) array, which slices the
    # channel axis, so it is returned whole.
    if waveform.shape[-1] < segment_length:
        padded = np.zeros((1, segment_length))
        padded[:, :waveform.shape[-1]] = waveform
        waveform = padded
    waveform = waveform / np.max(np.abs(waveform))
    return 0.5 * waveform[0]


# ---------------------------------------------------------------- TacotronSTFT log-mel (audioldm/audio/stft.py)

def tacotron_log_mel(audio, sr, n_fft, hop, win, n_mels, fmin, fmax, dtype):
    """AudioLDM's STFT.transform + TacotronSTFT.mel_spectrogram, in `dtype`; returns (frames, n_mels)."""
    import librosa
    import scipy.signal

    cutoff = n_fft // 2 + 1
    fourier = np.fft.fft(np.eye(n_fft))
    basis = np.vstack([np.real(fourier[:cutoff, :]), np.imag(fourier[:cutoff, :])])
    window = librosa.util.pad_center(scipy.signal.get_window("hann", win, fftbins=True), size=n_fft)
    forward_basis = torch.tensor(basis[:, None, :] * window, dtype=dtype)
    y = torch.tensor(audio, dtype=dtype)[None, None, None, :]
    y = torch.nn.functional.pad(y, (n_fft // 2, n_fft // 2, 0, 0), mode="reflect").squeeze(1)
    spec = torch.nn.functional.conv1d(y, forward_basis, stride=hop)
    magnitude = torch.sqrt(spec[:, :cutoff, :] ** 2 + spec[:, cutoff:, :] ** 2)
    mel_basis = torch.tensor(librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax),
                             dtype=dtype)
    mel = torch.log(torch.clamp(torch.matmul(mel_basis, magnitude), min=1e-5))
    return mel[0].T.numpy()
