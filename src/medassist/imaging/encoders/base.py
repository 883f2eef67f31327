"""The image-encoder contract and the shared, torch-free preprocessing.

An encoder maps images to L2-normalised embeddings and, for zero-shot observations,
prompts to embeddings in the same space. Scores are turned into probabilities the way
the model family was trained: a per-prompt sigmoid for SigLIP, a softmax over the
prompt set for CLIP-style contrastive models.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

import numpy as np
from PIL import Image

__all__ = ["Preprocessor", "ImageEncoder", "ScoringKind", "l2_normalize"]

ScoringKind = Literal["sigmoid", "softmax"]

_RESAMPLE = {"bicubic": Image.Resampling.BICUBIC, "bilinear": Image.Resampling.BILINEAR}


def l2_normalize(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norm, 1e-12)


@dataclass
class Preprocessor:
    """Resize to ``size`` x ``size``, scale to [0, 1], normalise per channel; NCHW float32.

    Input images are float arrays in [0, 1], greyscale (H, W) or colour (H, W, 3); this is
    what medassist's loaders produce for display, so DICOM windowing happens before.
    """

    size: int
    mean: list[float] = field(default_factory=lambda: [0.5, 0.5, 0.5])
    std: list[float] = field(default_factory=lambda: [0.5, 0.5, 0.5])
    resample: str = "bicubic"

    def __call__(self, images: list[np.ndarray]) -> np.ndarray:
        return np.stack([self._one(img) for img in images]).astype(np.float32)

    def _one(self, image: np.ndarray) -> np.ndarray:
        arr = np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)
        if arr.ndim == 2:
            arr = np.repeat(arr[:, :, None], 3, axis=2)
        elif arr.ndim == 3 and arr.shape[2] == 4:
            arr = arr[:, :, :3]
        if arr.ndim != 3 or arr.shape[2] != 3:
            raise ValueError(f"expected an (H, W) or (H, W, 3) image, got shape {arr.shape}")
        pil = Image.fromarray((arr * 255.0 + 0.5).astype(np.uint8), mode="RGB")
        pil = pil.resize(
            (self.size, self.size), _RESAMPLE.get(self.resample, Image.Resampling.BICUBIC)
        )
        out = np.asarray(pil, dtype=np.float32) / 255.0
        out = (out - np.asarray(self.mean, np.float32)) / np.asarray(self.std, np.float32)
        return out.transpose(2, 0, 1)

    def to_json(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def from_json(cls, path: Path) -> Preprocessor:
        data = json.loads(path.read_text())
        return cls(**{k: data[k] for k in ("size", "mean", "std", "resample") if k in data})

    @classmethod
    def from_hf_dir(
        cls, path: Path, image_size: int, default_mean: list[float], default_std: list[float]
    ) -> Preprocessor:
        """Read a Hugging Face ``preprocessor_config.json`` if present (no torchvision needed)."""
        cfg_path = path / "preprocessor_config.json"
        cfg = json.loads(cfg_path.read_text()) if cfg_path.is_file() else {}
        size = cfg.get("size", image_size)
        if isinstance(size, dict):
            size = size.get("height") or size.get("shortest_edge") or image_size
        resample = {2: "bilinear", 3: "bicubic"}.get(cfg.get("resample", 3), "bicubic")
        return cls(
            size=int(size),
            mean=list(cfg.get("image_mean", default_mean)),
            std=list(cfg.get("image_std", default_std)),
            resample=resample,
        )


class ImageEncoder:
    """Base class of the encoder backends (one module, one class per backend)."""

    backend: ClassVar[str]
    scoring: ScoringKind = "softmax"
    #: multiplies cosine similarities before the sigmoid/softmax
    logit_scale: float = 100.0
    logit_bias: float = 0.0

    def __init__(self, model_id: str, preprocessor: Preprocessor) -> None:
        self.model_id = model_id
        self.preprocessor = preprocessor

    @property
    def name(self) -> str:
        return f"{self.backend}:{Path(self.model_id).name or self.model_id}"

    def embed_images(self, images: list[np.ndarray]) -> np.ndarray:
        """L2-normalised image embeddings, shape (N, D)."""
        raise NotImplementedError

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """L2-normalised prompt embeddings, shape (N, D)."""
        raise NotImplementedError

    def probabilities(
        self, image_embeddings: np.ndarray, text_embeddings: np.ndarray, temperature: float = 1.0
    ) -> np.ndarray:
        """Per-prompt probabilities, shape (N_images, N_prompts).

        ``temperature`` > 1 softens over-confident scores (temperature scaling).
        """
        logits = (
            self.logit_scale * image_embeddings @ text_embeddings.T + self.logit_bias
        ) / temperature
        if self.scoring == "sigmoid":
            return 1.0 / (1.0 + np.exp(-logits))
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)
