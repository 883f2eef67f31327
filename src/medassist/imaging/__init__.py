"""Medical image loading, quality assessment, metadata and de-identification.

Public API (imported lazily so that ``import medassist.imaging`` stays cheap)::

    load_image(source, *, window=None, frame=None) -> LoadedImage
    assess_quality(image, *, modality=None, rows=None, columns=None, modality_values=None) -> QualityReport
    assess_loaded(loaded) -> QualityReport
    deidentify(src, dst) -> DeidentificationSummary
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_image", "assess_quality", "assess_loaded", "deidentify", "LoadedImage"]

_LAZY = {
    "load_image": ("medassist.imaging.io", "load_image"),
    "assess_quality": ("medassist.imaging.quality", "assess_quality"),
    "assess_loaded": ("medassist.imaging.quality", "assess_loaded"),
    "deidentify": ("medassist.imaging.deidentify", "deidentify"),
    "LoadedImage": ("medassist.imaging.types", "LoadedImage"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'medassist.imaging' has no attribute {name!r}")
