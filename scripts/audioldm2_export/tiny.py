"""Builds a seeded AudioLDM2 pipeline from a PipelineSpec and saves it as a diffusers folder.

The Hub is unreachable, so the tokenizers are trained here from a small built-in corpus: a byte-level BPE for
the CLAP (RoBERTa) tokenizer and a sentencepiece unigram model for the T5 tokenizer. The saved folder holds only
the slow-tokenizer files (vocab.json + merges.txt, spiece.model), so exporting from it exercises the
slow -> tokenizer.json conversion. The language model is saved as GPT2Model, as in the hub checkpoints.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from pathlib import Path

import torch

from .configs import PipelineSpec

# Captions in the style of AudioCaps/MusicCaps prompts, plus digits, punctuation and a little non-ASCII text, so
# the trained vocabularies contain real merges and pieces. Written for this fixture.
TOKENIZER_CORPUS = [
    "A hammer hitting a wooden surface.",
    "Techno music with a strong, upbeat tempo and high melodic riffs.",
    "The sound of rain falling on a tin roof while thunder rumbles in the distance.",
    "A dog barks twice, then a car door slams and an engine starts.",
    "Birds chirping in a forest at dawn, with leaves rustling in the wind.",
    "A man speaks over a loudspeaker in a crowded train station.",
    "Gentle piano melody with soft strings in the background.",
    "Water flowing in a small stream over rocks.",
    "A crowd applauds and cheers after a live performance.",
    "Footsteps on gravel, followed by a gate creaking open.",
    "An old telephone rings three times before someone answers.",
    "Electric guitar solo with heavy distortion and fast drums.",
    "Waves crashing on the shore and seagulls calling overhead.",
    "A clock ticks steadily in a quiet room; a kettle starts to whistle.",
    "Jazz saxophone improvisation over a walking bass line.",
    "Low quality, average quality, noisy recording.",
    "A baby laughs while a woman talks softly.",
    "Heavy traffic on a highway with horns honking.",
    "Church bells ringing at noon, echoing across the valley.",
    "Synthesizer arpeggios at 128 BPM with a deep kick drum.",
    "The wind howls through the trees during a winter storm.",
    "A cat meows and purrs near a crackling fireplace.",
    "Orchestral music with brass fanfare and timpani rolls.",
    "Typing on a mechanical keyboard, 100 words per minute.",
    "A helicopter flies overhead, its rotor blades thumping.",
    "Children playing in a schoolyard, shouting and laughing.",
    "A frog croaks by the pond at night while crickets chirp.",
    "Lo-fi hip hop beat with vinyl crackle and mellow chords.",
    "Glass shatters on a tiled floor, then silence.",
    "Samba drums with waves gently crashing in the background.",
    "An airplane takes off from runway 27 at 6:45 pm.",
    "Ambient drone with reverb-heavy pads (C minor, 60 BPM).",
    "She said: \"turn it up!\" -- and the bass dropped.",
    "Café ambience: cups clinking, espresso machine hissing, quiet chatter.",
    "Naïve über-fast Dvořák waltz, played on an out-of-tune piano.",
    "Sirens wail as an ambulance passes by at 3 a.m.",
    "Rain, rain, rain... and more rain!!!",
    "A violin plays a slow, sad melody in a large hall.",
    "Motorcycle engine revving, then accelerating away quickly.",
    "Horse hooves clopping on cobblestones in an old town.",
    "東京の駅のアナウンスと電車の音。",
    "Un chien aboie pendant que la pluie tombe.",
    "Ein Vogel singt im Garten, während ein Rasenmäher läuft.",
    "Emoji test: 🎵🎸🥁 music, 🔔 bells, 🌧️ rain.",
    "Numbers 0 1 2 3 4 5 6 7 8 9 10 42 1000 3.14 -7 +12 50% #1 @home $5 & more.",
]


def _train_clap_bpe(folder: Path, vocab_size: int, max_length: int) -> None:
    """Byte-level BPE with RoBERTa's special tokens -> vocab.json, merges.txt, tokenizer_config.json."""
    from tokenizers import ByteLevelBPETokenizer

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # ids 0..4, as in roberta-base (pad 1)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(TOKENIZER_CORPUS * 4, vocab_size=vocab_size, min_frequency=2,
                            special_tokens=specials, show_progress=False)
    folder.mkdir(parents=True, exist_ok=True)
    bpe.save_model(str(folder))
    _write_json(folder / "tokenizer_config.json", {
        "tokenizer_class": "RobertaTokenizer", "model_max_length": max_length, "add_prefix_space": False,
        "errors": "replace", "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
    })


def _train_t5_unigram(folder: Path, vocab_size: int, max_length: int) -> None:
    """Sentencepiece unigram with T5's special ids (pad 0, eos 1, unk 2) -> spiece.model, tokenizer_config.json."""
    import sentencepiece as spm

    folder.mkdir(parents=True, exist_ok=True)
    spm.set_random_generator_seed(0)  # the trainer is otherwise seeded from the clock
    model = io.BytesIO()  # written in memory: a model_prefix path would be stored in the model file
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(TOKENIZER_CORPUS * 4), model_writer=model, vocab_size=vocab_size,
        model_type="unigram", hard_vocab_limit=False, character_coverage=1.0, pad_id=0, eos_id=1, unk_id=2,
        bos_id=-1, num_threads=1, shuffle_input_sentence=False, minloglevel=2,
    )
    (folder / "spiece.model").write_bytes(model.getvalue())
    _write_json(folder / "tokenizer_config.json", {
        "tokenizer_class": "T5Tokenizer", "model_max_length": max_length, "extra_ids": 100,
        "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
    })


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def build_pipeline(spec: PipelineSpec, folder: Path, seed: int = 0) -> None:
    """Creates `folder` as a diffusers AudioLDM2 folder with seeded random weights and slow-only tokenizers."""
    from diffusers import AudioLDM2Pipeline, AudioLDM2ProjectionModel, AudioLDM2UNet2DConditionModel, \
        AutoencoderKL, DDIMScheduler
    from transformers import AutoTokenizer, ClapAudioConfig, ClapConfig, ClapFeatureExtractor, ClapModel, \
        ClapTextConfig, GPT2Config, GPT2Model, SpeechT5HifiGan, SpeechT5HifiGanConfig, T5Config, T5EncoderModel

    folder = Path(folder)
    with tempfile.TemporaryDirectory() as tmp:
        clap_tok_dir, t5_tok_dir = Path(tmp) / "tokenizer", Path(tmp) / "tokenizer_2"
        _train_clap_bpe(clap_tok_dir, spec.bpe_vocab_size, spec.clap_max_length)
        _train_t5_unigram(t5_tok_dir, spec.unigram_vocab_size, spec.t5_max_length)
        tokenizer = AutoTokenizer.from_pretrained(clap_tok_dir)
        tokenizer_2 = AutoTokenizer.from_pretrained(t5_tok_dir)

        # Every component gets its own seed, so changing one config leaves the others' weights unchanged.
        torch.manual_seed(seed)
        unet = AudioLDM2UNet2DConditionModel(**spec.unet)
        torch.manual_seed(seed + 1)
        vae = AutoencoderKL(**spec.vae)
        torch.manual_seed(seed + 2)
        clap_text = {"vocab_size": len(tokenizer), **spec.clap_text}
        text_encoder = ClapModel(ClapConfig(
            text_config=ClapTextConfig(**clap_text).to_dict(), audio_config=ClapAudioConfig(**spec.clap_audio).to_dict(),
            projection_dim=spec.clap_projection_dim, logit_scale_init_value=spec.clap_logit_scale_init))
        torch.manual_seed(seed + 3)
        t5 = {"vocab_size": len(tokenizer_2), **spec.t5}
        text_encoder_2 = T5EncoderModel(T5Config(**t5))
        torch.manual_seed(seed + 4)
        gpt2 = {"vocab_size": 64, "bos_token_id": 63, "eos_token_id": 63, **spec.gpt2}
        gpt2_config = GPT2Config(**gpt2)
        gpt2_config.max_new_tokens = spec.max_new_tokens  # stored in language_model/config.json like the hub
        language_model = GPT2Model(gpt2_config)
        torch.manual_seed(seed + 5)
        projection_model = AudioLDM2ProjectionModel(
            text_encoder_dim=spec.clap_projection_dim, text_encoder_1_dim=spec.t5["d_model"],
            langauge_model_dim=spec.gpt2["n_embd"])
        torch.manual_seed(seed + 6)
        vocoder = SpeechT5HifiGan(SpeechT5HifiGanConfig(**spec.vocoder))
        # transformers initialises HiFi-GAN convs with std 0.01, which gives waveforms of ~1e-10 after five
        # upsampling stages; PyTorch's default init keeps them audible (~0.1) so parity checks are meaningful.
        for module in vocoder.modules():
            if isinstance(module, (torch.nn.Conv1d, torch.nn.ConvTranspose1d)):
                module.reset_parameters()
        pipe = AudioLDM2Pipeline(
            vae=vae, text_encoder=text_encoder, text_encoder_2=text_encoder_2, projection_model=projection_model,
            language_model=language_model, tokenizer=tokenizer, tokenizer_2=tokenizer_2,
            feature_extractor=ClapFeatureExtractor(**spec.feature_extractor), unet=unet,
            scheduler=DDIMScheduler.from_config(spec.scheduler), vocoder=vocoder)

        if folder.exists():
            shutil.rmtree(folder)
        pipe.save_pretrained(folder, safe_serialization=True)
        # Replace the re-exported fast tokenizers with the slow-only files a converted checkpoint may carry.
        for name, src in (("tokenizer", clap_tok_dir), ("tokenizer_2", t5_tok_dir)):
            shutil.rmtree(folder / name)
            shutil.copytree(src, folder / name)
