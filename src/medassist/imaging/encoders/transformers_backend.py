"""SigLIP (MedSigLIP-448) and CLIP encoders through transformers, from a local path or hub id.

Weights load on first use; torch and transformers are imported lazily (extra ``vision``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from medassist.errors import BackendUnavailableError, ModelError
from medassist.imaging.encoders.base import ImageEncoder, Preprocessor, l2_normalize

__all__ = ["SiglipEncoder", "ClipEncoder"]

_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
_CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def _require_torch() -> Any:
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BackendUnavailableError(
            "this encoder needs torch and transformers: pip install 'medassist[vision]'"
        ) from exc
    return torch


class _TransformersEncoder(ImageEncoder):
    model_class_name: ClassVar[str]
    default_mean: ClassVar[list[float]]
    default_std: ClassVar[list[float]]
    text_padding: ClassVar[str] = "longest"

    def __init__(self, model_id: str) -> None:
        torch = _require_torch()
        import transformers

        model_cls = getattr(transformers, self.model_class_name)
        try:
            self.model = model_cls.from_pretrained(model_id).eval()
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(model_id)
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"cannot load {self.model_class_name} from {model_id!r}: {exc}"
            ) from None
        self._torch = torch
        cfg = self.model.config
        preprocessor = Preprocessor.from_hf_dir(
            Path(model_id), cfg.vision_config.image_size, self.default_mean, self.default_std
        )
        super().__init__(model_id, preprocessor)
        self.logit_scale = float(self.model.logit_scale.exp().item())
        bias = getattr(self.model, "logit_bias", None)
        self.logit_bias = float(bias.item()) if bias is not None else 0.0
        self.max_text_length = min(64, int(cfg.text_config.max_position_embeddings))

    def vision_module(self) -> Any:
        """A torch module mapping pixel_values to L2-normalised embeddings (for ONNX export)."""
        torch = self._torch
        model = self.model

        class _Vision(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, pixel_values: Any) -> Any:
                features = _pooled(self.model.get_image_features(pixel_values=pixel_values))
                return torch.nn.functional.normalize(features, dim=-1)

        return _Vision().eval()

    def embed_images(self, images: list[np.ndarray]) -> np.ndarray:
        pixels = self._torch.from_numpy(self.preprocessor(images))
        with self._torch.inference_mode():
            features = _pooled(self.model.get_image_features(pixel_values=pixels))
        return l2_normalize(features.float().numpy())

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        tokens = self.tokenizer(
            texts,
            padding=self.text_padding,
            truncation=True,
            max_length=self.max_text_length,
            return_tensors="pt",
        )
        kwargs = {"input_ids": tokens["input_ids"]}
        if self.text_padding != "max_length" and "attention_mask" in tokens:
            kwargs["attention_mask"] = tokens["attention_mask"]
        with self._torch.inference_mode():
            features = _pooled(self.model.get_text_features(**kwargs))
        return l2_normalize(features.float().numpy())


def _pooled(output: Any) -> Any:
    # transformers >= 5 returns a ModelOutput whose pooler_output is the projected embedding
    return getattr(output, "pooler_output", output)


class SiglipEncoder(_TransformersEncoder):
    """SigLIP / MedSigLIP (e.g. google/medsiglip-448): sigmoid scores per prompt."""

    backend = "siglip"
    model_class_name = "SiglipModel"
    default_mean = [0.5, 0.5, 0.5]
    default_std = [0.5, 0.5, 0.5]
    text_padding = "max_length"  # SigLIP was trained with max-length padding
    scoring = "sigmoid"


class ClipEncoder(_TransformersEncoder):
    """OpenAI-style CLIP: softmax over the prompt set."""

    backend = "clip"
    model_class_name = "CLIPModel"
    default_mean = _CLIP_MEAN
    default_std = _CLIP_STD
    scoring = "softmax"
