"""BiomedCLIP through open_clip (optional extra ``biomedclip``).

Licence note: BiomedCLIP's weights are released for research use; check the licence of the
checkpoint before any deployed (clinical) use. open_clip itself is MIT.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from medassist.errors import BackendUnavailableError, ModelError
from medassist.imaging.encoders.base import ImageEncoder, Preprocessor, l2_normalize

__all__ = ["BiomedClipEncoder", "is_available"]

_DEFAULT = "hf-hub:microsoft/BiomedCLIP-PubMedBERT_256-vit_base_patch16_224"
_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
_CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def is_available() -> bool:
    import importlib.util

    return (
        importlib.util.find_spec("open_clip") is not None
        and importlib.util.find_spec("torch") is not None
    )


class BiomedClipEncoder(ImageEncoder):
    backend = "biomedclip"
    scoring = "softmax"

    def __init__(self, model_id: str = _DEFAULT) -> None:
        if not is_available():
            raise BackendUnavailableError(
                "BiomedCLIP needs open_clip: pip install 'medassist[biomedclip]'"
            )
        import open_clip
        import torch

        try:
            model, _, _ = open_clip.create_model_and_transforms(model_id)
            self.tokenizer = open_clip.get_tokenizer(model_id)
        except Exception as exc:  # open_clip raises many kinds
            raise ModelError(f"cannot load BiomedCLIP from {model_id!r}: {exc}") from None
        self.model = model.eval()
        self._torch = torch
        size = int(getattr(model.visual, "image_size", (224, 224))[0])
        super().__init__(model_id, Preprocessor(size=size, mean=_CLIP_MEAN, std=_CLIP_STD))
        self.logit_scale = float(model.logit_scale.exp().item())

    def vision_module(self) -> Any:
        torch = self._torch
        model = self.model

        class _Vision(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, pixel_values: Any) -> Any:
                return torch.nn.functional.normalize(self.model.encode_image(pixel_values), dim=-1)

        return _Vision().eval()

    def embed_images(self, images: list[np.ndarray]) -> np.ndarray:
        pixels = self._torch.from_numpy(self.preprocessor(images))
        with self._torch.inference_mode():
            return l2_normalize(self.model.encode_image(pixels).float().numpy())

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        with self._torch.inference_mode():
            return l2_normalize(self.model.encode_text(self.tokenizer(texts)).float().numpy())
