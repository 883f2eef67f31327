"""Image quality assessment without any model: is this image good enough to look at?

Checks (fixed vocabulary): ``blank``, ``underexposed``, ``overexposed``, ``low_contrast``,
``blurry``, ``noisy``, ``low_resolution``, ``clipped``. Each issue carries its metric value,
the threshold it crossed and a plain-language explanation. The thresholds were calibrated on
pydicom's bundled real images and synthetic degradations of them: see ``CALIBRATION.md``
next to this module (re-run with ``python -m medassist.imaging.quality_calibration``).

Grade: ``poor`` when the image is blank, under/over-exposed or blurry, or has three or more
issues; ``acceptable`` with any other issue; ``good`` with none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from medassist.imaging.metrics import compute_metrics
from medassist.imaging.types import LoadedImage, to_gray
from medassist.schemas.imaging import QualityIssue, QualityReport

__all__ = [
    "Thresholds",
    "THRESHOLDS",
    "MIN_RESOLUTION",
    "POOR_CODES",
    "assess_quality",
    "assess_loaded",
    "raw_clipping",
]


@dataclass(frozen=True, slots=True)
class Thresholds:
    blank_dynamic_range: float = 0.03  # p99 - p1 below: nothing to see
    underexposed_p99: float = 0.30  # even the brightest 1 % is darker than this
    overexposed_p01: float = 0.70  # even the darkest 1 % is brighter than this
    overexposed_highlight: float = 0.20  # raster: share of pixels in white plateaus above
    low_contrast_ratio: float = 0.50  # (p99 - p1) / min(p99, 1 - p1) below
    blurry_sharpness: float = 0.14  # fine-scale gradient energy a σ = 1 px smoothing removes, below
    blurry_sharpness_smooth: float = 0.06  # same, for inherently smooth modalities (NM, PT)
    blurry_sharpness_speckle: float = 0.30  # same, for speckle modalities (US, IVUS)
    noisy_relative: float = 0.035  # Immerkaer σ / dynamic range above
    clipped_fraction: float = 0.20  # share of pixels saturated inside the image above
    raw_clipped_fraction: float = 0.05  # DICOM: stored values piled at the extreme inside the body


THRESHOLDS = Thresholds()

#: Minimum short side (pixels) below which an image is low resolution for its modality.
#: Typical acquisition matrices: CT 512, MR 256-512, CR/DX 2000-3000, MG 3000-4000,
#: US 480-800, NM 64-256, PT 128-256. The minimum is about half the usual matrix.
MIN_RESOLUTION: dict[str, int] = {
    "CT": 256,
    "MR": 128,
    "CR": 1024,
    "DX": 1024,
    "MG": 1536,
    "XA": 512,
    "RF": 512,
    "RG": 1024,
    "US": 200,
    "IVUS": 200,
    "NM": 64,
    "PT": 128,
    "OT": 256,
    "SC": 256,
    "XC": 256,
    "ES": 256,
    "*": 256,  # unknown modality (photos and exports)
}
_NO_RESOLUTION_CHECK = {"SEG", "RTDOSE", "RTIMAGE", "REG"}
_SMOOTH_MODALITIES = {"NM", "PT"}
_SPECKLE_MODALITIES = {"US", "IVUS"}

#: Issues that make an image poor on their own.
POOR_CODES = frozenset({"blank", "underexposed", "overexposed", "blurry"})

_EXPLAIN = {
    "blank": "The image is almost uniform: there is nothing to look at. Check that the right file or frame was sent.",
    "underexposed": "The image is too dark: even its brightest parts are dim, so detail in them is hard to see.",
    "overexposed": "The image is washed out: its bright parts are saturated or even its darkest parts are bright, so detail is lost.",
    "low_contrast": "Grey levels are squeezed into a narrow band: structures are hard to tell apart.",
    "blurry": "Edges are soft (motion, focus or heavy smoothing): fine detail cannot be judged.",
    "noisy": "Grain/noise is strong relative to the image contrast: fine detail may be masked.",
    "low_resolution": "The image has fewer pixels than usual for this kind of study: small findings may not be visible.",
    "clipped": "A large part of the image is saturated at pure black or white: detail there is lost.",
}


def raw_clipping(values: np.ndarray) -> float:
    """Share of pixels piled at the stored minimum or maximum, excluding border background.

    On a DICOM, the display window saturates by design (bone in a brain window), so
    clipping is judged on the stored values: a plateau at the extreme value inside the image
    means the detector or an export saturated.
    """
    v = values
    step = max(1, math.ceil(max(v.shape) / 512))
    v = v[::step, ::step]
    worst = 0.0
    for extreme in (float(v.min()), float(v.max())):
        mask = v == extreme
        if mask.mean() < 0.001:
            continue
        labels, n = ndimage.label(mask)
        touches = np.zeros(n + 1, dtype=bool)  # label -> touches the border (lookup, not isin)
        touches[np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])] = True
        touches[0] = True
        interior = ~touches[labels]
        worst = max(worst, float(interior.mean()))
    return worst


def _issue(code: str, metric: str, value: float, threshold: float) -> QualityIssue:
    return QualityIssue(
        code=code,  # type: ignore[arg-type]
        metric=metric,
        value=round(float(value), 4),
        threshold=float(threshold),
        explanation=_EXPLAIN[code],
    )


def assess_quality(
    image: np.ndarray,
    *,
    modality: str | None = None,
    rows: int | None = None,
    columns: int | None = None,
    modality_values: np.ndarray | None = None,
    thresholds: Thresholds = THRESHOLDS,
) -> QualityReport:
    """Grade a display image (float [0, 1], H×W or H×W×3).

    ``rows``/``columns``: the native size (default: the array's). ``modality_values``: the
    stored values of a monochrome DICOM, for the clipping check; without them clipping is
    judged on the display image.
    """
    gray = to_gray(np.asarray(image, dtype=np.float32))
    if gray.ndim != 2 or min(gray.shape) < 1:
        raise ValueError("assess_quality needs a 2-D image (or H×W×3)")
    rows = int(rows or gray.shape[0])
    columns = int(columns or gray.shape[1])
    mod = (modality or "").upper()
    t = thresholds
    m = compute_metrics(gray)
    if modality_values is not None:
        m["raw_clipped_fraction"] = raw_clipping(modality_values)
    m["short_side"] = float(min(rows, columns))
    issues: list[QualityIssue] = []

    if m["dynamic_range"] < t.blank_dynamic_range:
        issues.append(_issue("blank", "dynamic_range", m["dynamic_range"], t.blank_dynamic_range))
        return QualityReport(grade="poor", issues=issues, metrics=_rounded(m))

    if m["p99"] < t.underexposed_p99:
        issues.append(_issue("underexposed", "p99", m["p99"], t.underexposed_p99))
    if m["p01"] > t.overexposed_p01:
        issues.append(_issue("overexposed", "p01", m["p01"], t.overexposed_p01))
    elif modality_values is None and m["highlight_clipped"] > t.overexposed_highlight:
        # a raster export: bright anatomy driven to flat white (gain too high). On a DICOM the
        # display window saturates by design; the stored values are checked for clipping.
        issues.append(
            _issue(
                "overexposed", "highlight_clipped", m["highlight_clipped"], t.overexposed_highlight
            )
        )
    if m["contrast_ratio"] < t.low_contrast_ratio:
        issues.append(
            _issue("low_contrast", "contrast_ratio", m["contrast_ratio"], t.low_contrast_ratio)
        )
    if mod in _SMOOTH_MODALITIES:
        blur_limit = t.blurry_sharpness_smooth
    elif mod in _SPECKLE_MODALITIES:
        blur_limit = t.blurry_sharpness_speckle
    else:
        blur_limit = t.blurry_sharpness
    # where noise dominates the fine scale, sharpness cannot be judged: "noisy" says why
    if m["sharpness"] < blur_limit and m["noise_relative"] <= t.noisy_relative:
        issues.append(_issue("blurry", "sharpness", m["sharpness"], blur_limit))
    if m["noise_relative"] > t.noisy_relative:
        issues.append(_issue("noisy", "noise_relative", m["noise_relative"], t.noisy_relative))
    if mod not in _NO_RESOLUTION_CHECK:
        minimum = MIN_RESOLUTION.get(mod, MIN_RESOLUTION["*"])
        if m["short_side"] < minimum:
            issues.append(_issue("low_resolution", "short_side", m["short_side"], float(minimum)))
    if modality_values is not None:
        if m["raw_clipped_fraction"] > t.raw_clipped_fraction:
            issues.append(
                _issue(
                    "clipped",
                    "raw_clipped_fraction",
                    m["raw_clipped_fraction"],
                    t.raw_clipped_fraction,
                )
            )
    else:
        m["clipped_fraction"] = max(m["clip_low_interior"], m["clip_high_fraction"])
        if m["clipped_fraction"] > t.clipped_fraction:
            issues.append(
                _issue("clipped", "clipped_fraction", m["clipped_fraction"], t.clipped_fraction)
            )

    codes = {i.code for i in issues}
    if codes & POOR_CODES or len(issues) >= 3:
        grade = "poor"
    elif issues:
        grade = "acceptable"
    else:
        grade = "good"
    return QualityReport(grade=grade, issues=issues, metrics=_rounded(m))  # type: ignore[arg-type]


def assess_loaded(image: LoadedImage, thresholds: Thresholds = THRESHOLDS) -> QualityReport:
    """Grade a :class:`LoadedImage` (uses its metadata and stored values)."""
    meta = image.metadata
    return assess_quality(
        image.display,
        modality=meta.modality,
        rows=meta.rows,
        columns=meta.columns,
        modality_values=image.modality_values,
        thresholds=thresholds,
    )


def _rounded(metrics: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 5) for k, v in metrics.items()}
