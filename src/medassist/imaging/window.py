"""VOI windowing (DICOM PS3.3 C.11.2.1.2) and window presets per modality and body part."""

from __future__ import annotations

import numpy as np

__all__ = ["WINDOW_PRESETS", "preset_window", "validate_window", "window_linear"]

#: (modality, body part or "*") -> (centre, width), in modality units (HU for CT).
#: Usual radiology display presets (soft tissue, brain, lung, bone).
WINDOW_PRESETS: dict[tuple[str, str], tuple[float, float]] = {
    ("CT", "*"): (40.0, 400.0),  # soft tissue / mediastinum
    ("CT", "HEAD"): (40.0, 80.0),  # brain
    ("CT", "BRAIN"): (40.0, 80.0),
    ("CT", "LUNG"): (-600.0, 1500.0),
    ("CT", "CHEST"): (40.0, 400.0),
    ("CT", "ABDOMEN"): (50.0, 400.0),
    ("CT", "PELVIS"): (50.0, 400.0),
    ("CT", "SPINE"): (400.0, 1800.0),  # bone
    ("CT", "EXTREMITY"): (400.0, 1800.0),
}


def preset_window(modality: str | None, body_part: str | None) -> tuple[float, float] | None:
    """The preset for a modality and body part, or None when the modality has no preset."""
    mod = (modality or "").upper()
    part = (body_part or "").upper()
    return WINDOW_PRESETS.get((mod, part)) or WINDOW_PRESETS.get((mod, "*"))


def window_linear(
    values: np.ndarray, centre: float, width: float, function: str = "LINEAR"
) -> np.ndarray:
    """Map ``values`` through a VOI window into float32 [0, 1].

    ``function``: LINEAR (the DICOM default, with its 0.5/−1 offsets), LINEAR_EXACT or SIGMOID.
    """
    x = np.asarray(values, dtype=np.float32)
    fn = function.upper()
    if fn == "SIGMOID":
        out = 1.0 / (1.0 + np.exp(-4.0 * (x - centre) / width))
        return out.astype(np.float32)
    if fn == "LINEAR_EXACT" or width <= 1:
        lo = centre - width / 2
        return np.clip((x - lo) / width, 0.0, 1.0).astype(np.float32)
    lo = centre - 0.5 - (width - 1) / 2
    return np.clip((x - lo) / (width - 1), 0.0, 1.0).astype(np.float32)


def validate_window(window: object) -> tuple[float, float] | None:
    """A caller's (centre, width): two finite numbers, width > 0; InputError otherwise."""
    import math

    from medassist.errors import InputError

    if window is None:
        return None
    try:
        centre, width = (float(v) for v in window)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise InputError("window must be two numbers: (centre, width)") from None
    if not (math.isfinite(centre) and math.isfinite(width)) or width <= 0:
        raise InputError("window needs a finite centre and a finite width > 0", width=str(width))
    return centre, width
