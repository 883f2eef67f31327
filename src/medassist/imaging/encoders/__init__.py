"""Image encoders behind one contract, chosen by name; heavy backends load lazily.

Backends (``backend=``): ``siglip`` (transformers SiglipModel, e.g. MedSigLIP-448),
``clip`` (transformers CLIPModel), ``biomedclip`` (open_clip, optional), ``onnx``
(ONNX Runtime, no torch). ``auto`` picks ``onnx`` for an exported directory, else reads
``config.json``'s ``model_type``.
"""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path

from medassist.errors import ConfigurationError
from medassist.imaging.encoders.base import ImageEncoder, Preprocessor

__all__ = ["ImageEncoder", "Preprocessor", "get_encoder", "backend_status"]

_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "siglip": ("torch", "transformers"),
    "clip": ("torch", "transformers"),
    "biomedclip": ("torch", "open_clip"),
    "onnx": ("onnxruntime",),
}


def backend_status() -> dict[str, list[str]]:
    """Each backend and the packages it still misses (empty list: available)."""
    return {
        name: [dep for dep in deps if importlib.util.find_spec(dep) is None]
        for name, deps in _DEPENDENCIES.items()
    }


def _detect_backend(spec: str) -> str:
    path = Path(spec)
    if (path / "encoder.json").is_file():
        return "onnx"
    config = path / "config.json"
    if config.is_file():
        model_type = json.loads(config.read_text()).get("model_type", "")
        if "siglip" in model_type:
            return "siglip"
        if "clip" in model_type:
            return "clip"
    lowered = spec.lower()
    if "biomedclip" in lowered:
        return "biomedclip"
    if "siglip" in lowered:
        return "siglip"
    if "clip" in lowered:
        return "clip"
    raise ConfigurationError(
        f"cannot tell which encoder backend {spec!r} needs; pass backend= one of {sorted(_DEPENDENCIES)}"
    )


@lru_cache(maxsize=4)
def get_encoder(spec: str, backend: str = "auto") -> ImageEncoder:
    """Load (once) the encoder at ``spec``: a local directory or a hub id."""
    if backend == "auto":
        backend = _detect_backend(spec)
    if backend not in _DEPENDENCIES:
        raise ConfigurationError(
            f"unknown encoder backend {backend!r}; available: {', '.join(sorted(_DEPENDENCIES))}"
        )
    if backend == "onnx":
        from medassist.imaging.encoders.onnx_backend import OnnxEncoder

        return OnnxEncoder(spec)
    if backend == "biomedclip":
        from medassist.imaging.encoders.open_clip_backend import BiomedClipEncoder

        return BiomedClipEncoder(spec)
    from medassist.imaging.encoders.transformers_backend import ClipEncoder, SiglipEncoder

    return SiglipEncoder(spec) if backend == "siglip" else ClipEncoder(spec)
