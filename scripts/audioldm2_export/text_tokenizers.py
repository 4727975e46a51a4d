"""tokenizer.json for DJL, and the check that it gives the Python tokenizer's ids.

Written as shared/notes/djl-tokenizers-findings.md found necessary for DJL to match transformers:
1. re-exported by transformers 5 from a freshly loaded tokenizer (slow files are converted on load);
2. a `padding` block carrying the pad id (DJL otherwise pads with 0);
3. the max lengths go to the manifest (clap_max_length, t5_max_length); DJL must be given them explicitly.
The check encodes HARD_STRINGS with the `tokenizers` library (the Rust core DJL wraps) reading the written file,
and compares ids and masks with the tokenizer diffusers itself uses, called the way the pipeline calls it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from .errors import ExportError

_LONG_WORDS = ("the sound of a distant train crossing a bridge while rain falls on the river and a dog barks "
               "near the old mill at 5:30 in the morning ").split()

HARD_STRINGS = [
    "", " ", "   ", "\t", "\n", " \t\n ", "A hammer hitting a wooden surface",
    "  leading spaces", "trailing spaces   ", "repeated    inner   spaces", "tabs\tand\nnewlines\r\nhere",
    "Café crème, naïve façade", "Cafe\u0301 combining accent", "ÅÄÖ åäö ÆØ æø ß ẞ",
    "emoji 🎵🎸🥁 and a family 👨‍👩‍👧‍👦 and flags 🇯🇵🇫🇷", "skin tones 👍🏽👍🏿", "日本語のテキスト、東京駅",
    "中文文本：下雨的声音", "한국어 텍스트", "مرحبا بالعالم", "שלום עולם", "Ελληνικά κείμενο", "Русский текст",
    "zero\u200bwidth\u200cjoiners\u200d", "non\u00a0breaking\u00a0space", "control\x01\x02\x7fchars",
    "digits 0123456789 3.14159 -42 +7 1e-5 1,000,000 50% 24/7", "$100 €50 £20 ¥1000",
    "punctuation!!! ??? ... --- ;;; ::: (brackets) [square] {curly} <angle> \"quotes\" 'single' `back`",
    "a.b,c;d:e!f?g", "hyphen-ated and under_scored and slash/ed", "@user #hashtag http://example.com/a?b=c&d=e",
    "<s>", "</s>", "<pad>", "<unk>", "<mask>", "text with </s> inside", "<extra_id_0> sentinel",
    "UPPER lower MiXeD", "x" * 1000, " ".join(_LONG_WORDS * 33),  # a 1000-char word; a ~650-word text
    "Low quality, average quality.", "Techno music with a strong, upbeat tempo and high melodic riffs",
]


def _fresh_export(source_dir: Path, work_dir: Path) -> Path:
    """Loads the tokenizer from `source_dir` (slow files are converted) and saves it with transformers 5."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source_dir, use_fast=True)
    tokenizer.save_pretrained(work_dir)
    path = work_dir / "tokenizer.json"
    if not path.is_file():
        raise ExportError(f"transformers wrote no tokenizer.json for {source_dir}")
    return path


def write_tokenizer_json(source_dir: Path, dest_dir: Path) -> dict:
    """Writes dest_dir/tokenizer.json (+ the tokenizer_config.json of the same export); returns its settings."""
    from transformers import AutoTokenizer

    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        exported = _fresh_export(source_dir, Path(tmp))
        data = json.loads(exported.read_text(encoding="utf-8"))
        shutil.copy(Path(tmp) / "tokenizer_config.json", dest_dir / "tokenizer_config.json")
    tokenizer = AutoTokenizer.from_pretrained(source_dir, use_fast=True)
    data["truncation"] = None  # lengths are per call (CLAP max length, T5 positive-prompt length)
    data["padding"] = {"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": None,
                       "pad_id": tokenizer.pad_token_id, "pad_type_id": 0, "pad_token": tokenizer.pad_token}
    (dest_dir / "tokenizer.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return {"pad_id": tokenizer.pad_token_id, "eos_id": tokenizer.eos_token_id,
            "model_max_length": int(tokenizer.model_max_length)}


def check_clap_ids(py_tokenizer, tokenizer_json: Path, max_length: int) -> dict:
    """CLAP is tokenized with padding="max_length", truncation at model_max_length (encode_prompt)."""
    from tokenizers import Tokenizer

    rust = Tokenizer.from_file(str(tokenizer_json))
    pad = json.loads(tokenizer_json.read_text(encoding="utf-8"))["padding"]
    rust.enable_truncation(max_length)
    rust.enable_padding(length=max_length, pad_id=pad["pad_id"], pad_token=pad["pad_token"])
    mismatches = []
    for text in HARD_STRINGS:
        expected = py_tokenizer(text, padding="max_length", max_length=max_length, truncation=True)
        got = rust.encode(text)
        if list(got.ids) != list(expected["input_ids"]) or list(got.attention_mask) != list(expected["attention_mask"]):
            mismatches.append(text)
    return _report("clap", len(HARD_STRINGS), mismatches)


def check_t5_ids(py_tokenizer, tokenizer_json: Path, max_length: int) -> dict:
    """T5 is tokenized with padding=True (longest), truncation at model_max_length: single strings and a batch."""
    from tokenizers import Tokenizer

    rust = Tokenizer.from_file(str(tokenizer_json))
    rust.enable_truncation(max_length)
    mismatches = []
    rust.no_padding()
    for text in HARD_STRINGS:
        expected = py_tokenizer(text, padding=True, max_length=max_length, truncation=True)
        got = rust.encode(text)
        if list(got.ids) != list(expected["input_ids"]) or list(got.attention_mask) != list(expected["attention_mask"]):
            mismatches.append(text)
    pad = json.loads(tokenizer_json.read_text(encoding="utf-8"))["padding"]
    rust.enable_padding(pad_id=pad["pad_id"], pad_token=pad["pad_token"])
    expected = py_tokenizer(HARD_STRINGS, padding=True, max_length=max_length, truncation=True)
    batch = rust.encode_batch(HARD_STRINGS)
    if [list(e.ids) for e in batch] != [list(x) for x in expected["input_ids"]] or \
            [list(e.attention_mask) for e in batch] != [list(x) for x in expected["attention_mask"]]:
        mismatches.append("<batch of all strings, padded to the longest>")
    return _report("t5", len(HARD_STRINGS) + 1, mismatches)


def _report(name: str, checked: int, mismatches: list[str]) -> dict:
    if mismatches:
        shown = ", ".join(repr(m[:40]) for m in mismatches[:5])
        raise ExportError(f"{name} tokenizer.json gives other ids than the Python tokenizer for "
                          f"{len(mismatches)} of {checked} test strings: {shown}")
    return {"strings_checked": checked, "mismatches": 0}
