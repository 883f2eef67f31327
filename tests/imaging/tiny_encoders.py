"""Tiny randomly initialised SigLIP and CLIP models, saved like hub checkpoints.

Built by the tests themselves (no weights can be downloaded here): the real
architectures, a tokenizer trained locally on the prompt bank, and a
preprocessor_config.json, so the real loading code path runs end to end.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import CLIPConfig, CLIPModel, PreTrainedTokenizerFast, SiglipConfig, SiglipModel

from medassist.imaging.prompts import all_prompts

IMAGE_SIZE = 32


def _tokenizer() -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordLevelTrainer(special_tokens=["<pad>", "<unk>", "<s>", "</s>"])
    tok.train_from_iterator(all_prompts() + ["a chest x-ray", "a photo"], trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="<pad>",
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
    )


def _text_cfg(vocab: int) -> dict:
    return dict(
        vocab_size=vocab,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=32,
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=3,
    )


_VISION = dict(
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
    image_size=IMAGE_SIZE,
    patch_size=8,
)


def build(kind: str, out: Path, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    tokenizer = _tokenizer()
    if kind == "siglip":
        model = SiglipModel(
            SiglipConfig(text_config=_text_cfg(len(tokenizer)), vision_config=_VISION)
        )
        mean = std = [0.5, 0.5, 0.5]
    else:
        model = CLIPModel(
            CLIPConfig(
                text_config=_text_cfg(len(tokenizer)), vision_config=_VISION, projection_dim=16
            )
        )
        mean, std = [0.481, 0.458, 0.408], [0.269, 0.261, 0.276]
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    config = {
        "size": {"height": IMAGE_SIZE, "width": IMAGE_SIZE},
        "image_mean": mean,
        "image_std": std,
        "resample": 3,
    }
    (out / "preprocessor_config.json").write_text(json.dumps(config))
    return out
