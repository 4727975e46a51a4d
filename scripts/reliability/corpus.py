"""A seeded corpus of bad /predict bodies: mutated JSON, and WAV/FLAC/OGG/MP3 files (written here with soundfile,
whose libsndfile 1.2 writes MP3) that are truncated, bit-flipped, given lying headers, 2^31-sample declarations,
zero channels, or are real 384 kHz x 8-channel files."""

import io
import json
import random
import struct

import numpy as np
import soundfile as sf

from .common import b64

FORMATS = [("WAV", "PCM_16"), ("WAV", "PCM_24"), ("WAV", "FLOAT"), ("WAV", "PCM_U8"), ("FLAC", "PCM_16"),
           ("FLAC", "PCM_24"), ("OGG", "VORBIS"), ("MP3", "MPEG_LAYER_III")]
INTERESTING = [0, 1, 2, 7, 8, 9, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 384_000, 384_001]


def encode(fmt, subtype, rate, channels, seconds, rng):
    frames = int(rate * seconds)
    data = (rng.standard_normal((frames, channels)) * 0.1).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, data, rate, format=fmt, subtype=subtype)
    return buffer.getvalue()


def seeds():
    rng = np.random.default_rng(3)
    out = []
    for fmt, subtype in FORMATS:
        rate = 44100 if fmt == "MP3" else 16000
        out.append((f"{fmt}/{subtype}", encode(fmt, subtype, rate, 1, 0.3, rng)))
        out.append((f"{fmt}/{subtype} stereo", encode(fmt, subtype, rate, 2, 0.3, rng)))
    out.append(("WAV 384kHz x 8ch", encode("WAV", "PCM_16", 384_000, 8, 0.05, rng)))
    out.append(("FLAC 384kHz x 8ch", encode("FLAC", "PCM_16", 384_000, 8, 0.05, rng)))
    return out


def lie_wav(data, rng):
    """Overwrite one header field of a canonical WAV with an absurd value."""
    b = bytearray(data)
    fmt_at = b.find(b"fmt ")
    data_at = b.find(b"data")
    field = rng.choice(["riff_size", "channels", "rate", "byte_rate", "block_align", "bits", "data_size", "fmt_size"])
    value = rng.choice(INTERESTING)
    if field == "riff_size":
        struct.pack_into("<I", b, 4, value)
    elif field == "fmt_size":
        struct.pack_into("<I", b, fmt_at + 4, value)
    elif field == "channels":
        struct.pack_into("<H", b, fmt_at + 10, value & 0xFFFF)
    elif field == "rate":
        struct.pack_into("<I", b, fmt_at + 12, value)
    elif field == "byte_rate":
        struct.pack_into("<I", b, fmt_at + 16, value)
    elif field == "block_align":
        struct.pack_into("<H", b, fmt_at + 20, value & 0xFFFF)
    elif field == "bits":
        struct.pack_into("<H", b, fmt_at + 22, value & 0xFFFF)
    elif data_at > 0:
        struct.pack_into("<I", b, data_at + 4, value)
    return bytes(b), f"WAV {field}={value:#x}"


def lie_flac(data, rng):
    """STREAMINFO (after 'fLaC' and a 4-byte block header): rate 20 bits, channels-1 3, bits-1 5, samples 36."""
    b = bytearray(data)
    at = 8 + 10  # the 64-bit field of rate/channels/bits/total samples
    packed = int.from_bytes(b[at:at + 8], "big")
    rate, channels, bits, total = packed >> 44, (packed >> 41) & 7, (packed >> 36) & 31, packed & ((1 << 36) - 1)
    field = rng.choice(["rate", "channels", "bits", "total", "blocksize", "blocklen"])
    if field == "rate":
        rate = rng.choice([0, 1, 384_000, 655_350, (1 << 20) - 1])
    elif field == "channels":
        channels = rng.choice([0, 7])
    elif field == "bits":
        bits = rng.choice([0, 3, 31])
    elif field == "total":
        total = rng.choice([1 << 31, (1 << 31) - 1, (1 << 36) - 1, 0])
    elif field == "blocksize":
        struct.pack_into(">HH", b, 8, rng.choice([0, 1, 16, 0xFFFF]), rng.choice([0, 1, 0xFFFF]))
    else:
        b[5:8] = rng.choice([0, 1, 0xFFFFFF]).to_bytes(3, "big")
    if field in ("rate", "channels", "bits", "total"):
        packed = (rate << 44) | (channels << 41) | (bits << 36) | total
        b[at:at + 8] = packed.to_bytes(8, "big")
    return bytes(b), f"FLAC {field}"


def declared_huge_wav(rng):
    """A WAV whose header declares 2^31 samples (and more) over a few real bytes; zero channels; 8 ch at 384 kHz."""
    channels = rng.choice([0, 1, 2, 8])
    rate = rng.choice([16000, 384_000])
    frames = rng.choice([1 << 31, (1 << 31) - 1, 1 << 30])
    data_size = (frames * max(channels, 1) * 2) & 0xFFFFFFFF
    header = b"RIFF" + struct.pack("<I", (36 + data_size) & 0xFFFFFFFF) + b"WAVE" + b"fmt " + struct.pack(
        "<IHHIIHH", 16, 1, channels, rate, rate * max(channels, 1) * 2, max(channels, 1) * 2, 16)
    return header + b"data" + struct.pack("<I", data_size) + bytes(rng.randrange(0, 4096)), \
        f"WAV declaring {frames} frames x {channels} ch at {rate} Hz"


def mutate(data, rng):
    b = bytearray(data)
    how = rng.choice(["truncate", "flip", "flip", "overwrite", "insert", "zero-run"])
    if how == "truncate":
        return bytes(b[:rng.randrange(0, len(b))]), how
    if how == "flip":
        for _ in range(rng.randrange(1, 9)):
            # most flips in the first 256 bytes, where the headers are
            i = rng.randrange(min(len(b), 256)) if rng.random() < 0.7 else rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        return bytes(b), how
    if how == "overwrite":
        i = rng.randrange(min(len(b), 128))
        b[i:i + 4] = struct.pack("<I", rng.choice(INTERESTING))
        return bytes(b), how
    if how == "insert":
        i = rng.randrange(len(b))
        return bytes(b[:i] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))) + b[i:]), how
    i = rng.randrange(len(b))
    b[i:i + 64] = bytes(min(64, len(b) - i))
    return bytes(b), how


def audio_body(audio, rng):
    # strength 0 keeps the input (no denoising step): a file that still decodes costs one VAE and vocoder pass.
    return json.dumps({"prompt": "fuzz", "audio_input_b64": b64(audio), "num_inference_steps": 10,
                       "strength": rng.choice([0.0, 0.0, 0.0, 0.2])}).encode()


VALID = {"prompt": "rain", "duration": 1.0, "num_inference_steps": 10, "scheduler": "ddim", "seed": 1}
JSON_VALUES = [None, True, False, 0, -1, 1e308, -1e308, 2 ** 63, 2 ** 64, -2 ** 63 - 1, 0.5, 10.5, "", "10", " ",
               "\u0000", "\ud7ff\ue000", "x" * 2001, "😀" * 2000, [], [1], {}, {"a": 1}, "ddim ", "DDIM"]
RAW_JSON = [b"", b"{", b"}", b"[]", b"null", b"1", b'"x"', b"{\"prompt\":}", b"{\"prompt\": \"a\",}",
            b"{\"prompt\": \"a\", \"duration\": 1e400}", b"{\"prompt\": \"a\", \"seed\": 1e400}",
            b"{\"prompt\": \"a\", \"num_inference_steps\": 1e400}", b"{\"prompt\": \"a\", \"duration\": NaN}",
            b"{\"prompt\": \"a\", \"duration\": Infinity}", b"{\"prompt\": \"a\", \"duration\": -0}",
            b"{\"prompt\": \"\\ud800\"}", b"{\"prompt\": \"\xff\xfe\"}", b"{\"prompt\": \"a\", \"prompt\": 5}",
            b"[" * 10000 + b"]" * 10000, b"{\"a\":" * 5000 + b"1" + b"}" * 5000, b"\xef\xbb\xbf{\"prompt\":\"a\"}",
            b"{\"prompt\": \"a\", \"seed\": 123456789012345678901234567890}",
            b"{\"prompt\": \"a\", \"duration\": 1" + b"0" * 5000 + b"}",
            b"{\"prompt\": \"a\", \"audio_input_b64\": \"====\"}", b"{\"prompt\": \"a\", \"audio_input_b64\": \"UklGR\"}",
            b"{\"prompt\": \"a\", \"audio_input_b64\": \"data:audio/wav;base64,UklGRg==\"}",
            b"{\"prompt\": \"a\", \"audio_input_b64\": \"-_-_\"}", b"{\"prompt\": \"a\", \"audio_input_b64\": \"\"}"]


def json_mutant(rng):
    if rng.random() < 0.1:
        return rng.choice(RAW_JSON), "raw"
    body = dict(VALID)
    how = rng.choice(["set", "set", "drop", "extra", "strength", "truncate-text", "flip-text"])
    if how == "set":
        key = rng.choice(list(VALID) + ["negative_prompt", "guidance_scale", "num_waveforms_per_prompt",
                                        "client_job_id", "audio_input_b64"])
        body[key] = rng.choice(JSON_VALUES)
    elif how == "drop":
        body.pop(rng.choice(list(VALID)))
    elif how == "extra":
        body[rng.choice(["x", "Prompt", "__proto__", "", "duration "])] = rng.choice(JSON_VALUES)
    elif how == "strength":
        body["strength"] = rng.choice(JSON_VALUES)
    text = json.dumps(body).encode()
    if how == "truncate-text":
        text = text[:rng.randrange(len(text))]
    elif how == "flip-text":
        text = bytearray(text)
        text[rng.randrange(len(text))] = rng.randrange(256)
        text = bytes(text)
    # a mutant may still be valid JSON with valid values: keep it cheap
    return text, how


def generate(count, seed=11):
    """count (description, body bytes) pairs: about 40% JSON mutants, 60% audio ones."""
    rng = random.Random(seed)
    originals = seeds()
    cases = []
    for name, data in originals:  # the unmodified seeds, 384 kHz x 8 ch included
        cases.append((f"seed {name}", audio_body(data, rng)))
    while len(cases) < count:
        r = rng.random()
        if r < 0.4:
            body, how = json_mutant(rng)
            cases.append((f"json {how}", body))
            continue
        name, data = rng.choice(originals)
        if r < 0.5 and name.startswith("WAV"):
            audio, how = lie_wav(data, rng)
        elif r < 0.6 and name.startswith("FLAC"):
            audio, how = lie_flac(data, rng)
        elif r < 0.65:
            audio, how = declared_huge_wav(rng)
        else:
            audio, how = mutate(data, rng)
            if rng.random() < 0.3:
                audio, more = mutate(audio, rng)
                how += "+" + more
        cases.append((f"{name}: {how}", audio_body(audio, rng)))
    return cases[:count]


BATCH_SHAPES = [b"", b"[]", b"{}", b"null", b'{"requests": null}', b'{"requests": {}}', b'{"requests": "x"}',
                b'{"requests": 1}', b'{"requests": []}', b'{"requests": [null]}', b'{"requests": [[]]}',
                b'{"requests": [1, "x", true]}', b'{"requests": [{}]}', b'{"Requests": [{"prompt": "a"}]}',
                b'{"requests": [' + b"[" * 10000 + b"]" * 10000 + b"]}",
                b'{"requests": [{"prompt": "a"}], "requests": 5}', b'{"requests": [{"prompt": "a"},]}',
                b'{"requests": [{"prompt": "a", "duration": 1e400}]}', b'{"requests": [{"prompt": "\\ud800"}]}']


def batch_mutant(rng, max_items):
    """A /predict/batch body: a broken envelope, or a list of /predict mutants (some valid, some audio inputs),
    sometimes more than max_items of them."""
    if rng.random() < 0.15:
        return rng.choice(BATCH_SHAPES), "shape"
    count = rng.choice([1, 1, 2, max_items, max_items + 1, 3 * max_items])
    items, how = [], []
    for _ in range(count):
        r = rng.random()
        if r < 0.25:
            items.append(json.dumps(dict(VALID, seed=rng.randrange(1 << 31))).encode())
            how.append("valid")
        elif r < 0.35:
            audio, mutation = mutate(rng.choice(BATCH_AUDIO), rng)
            items.append(audio_body(audio, rng))
            how.append("audio " + mutation)
        else:
            text, mutation = json_mutant(rng)
            items.append(text)
            how.append(mutation)
    envelope = b'{"requests": [' + b", ".join(items) + b"]"
    if rng.random() < 0.1:
        envelope += b', "extra": ' + json.dumps(rng.choice(JSON_VALUES)).encode()
    envelope += b"}"
    if rng.random() < 0.05:
        envelope = envelope[:rng.randrange(len(envelope))]
        how.append("truncated")
    return envelope, ",".join(how)


BATCH_AUDIO = []


def generate_batch(count, max_items, seed=13):
    """count (description, body bytes) pairs for /predict/batch."""
    rng = random.Random(seed)
    if not BATCH_AUDIO:
        np_rng = np.random.default_rng(5)
        BATCH_AUDIO.extend(encode(fmt, subtype, 16000, 1, 0.3, np_rng)
                           for fmt, subtype in [("WAV", "PCM_16"), ("FLAC", "PCM_16"), ("OGG", "VORBIS")])
    return [(f"batch {how}", body) for body, how in (batch_mutant(rng, max_items) for _ in range(count))]
