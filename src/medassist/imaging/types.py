"""The in-memory result of loading an image (never serialised: it holds pixels)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from medassist.schemas.imaging import ImageMetadata

__all__ = ["LoadedImage", "to_gray"]

# ITU-R BT.601 luma weights, as used for grey-level quality metrics of colour images.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def to_gray(display: np.ndarray) -> np.ndarray:
    """A float32 single-channel view of a display image (H×W or H×W×3)."""
    if display.ndim == 2:
        return display
    return (display[..., :3] @ _LUMA).astype(np.float32, copy=False)


@dataclass(slots=True)
class LoadedImage:
    """A decoded image.

    ``display``: float32 in [0, 1], H×W (grey) or H×W×3 (RGB), after modality LUT, VOI LUT /
    window and MONOCHROME1 inversion: what a viewer shows. ``modality_values``: float32 H×W
    values after the modality LUT (Hounsfield units for CT) for monochrome DICOM, else None.
    ``sha256``: of the file bytes.
    """

    display: np.ndarray
    metadata: ImageMetadata
    sha256: str
    modality_values: np.ndarray | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def gray(self) -> np.ndarray:
        return to_gray(self.display)
