"""Synthetic degradations of a display image, used to calibrate and test the quality checks.

Each takes and returns a float32 grey image in [0, 1]. Deterministic (seeded noise).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage

__all__ = [
    "blur",
    "add_noise",
    "underexpose",
    "overexpose",
    "compress_contrast",
    "downscale",
    "clip_levels",
    "saturate",
    "blank",
    "DEGRADATIONS",
    "EXPECTED_ISSUES",
]


def _q8(img: np.ndarray) -> np.ndarray:
    """Quantise to 8 bits, as a photographed or exported image would be."""
    return (np.round(np.clip(img, 0, 1) * 255) / 255).astype(np.float32)


def blur(img: np.ndarray, sigma_fraction: float = 0.006) -> np.ndarray:
    """Gaussian blur with σ = ``sigma_fraction`` × the long side (3 px at 512)."""
    sigma = max(1.0, sigma_fraction * max(img.shape))
    return _q8(ndimage.gaussian_filter(img, sigma))


def add_noise(img: np.ndarray, sigma: float = 0.06, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return _q8(img + rng.normal(0.0, sigma, img.shape).astype(np.float32))


def underexpose(img: np.ndarray, gain: float = 0.25) -> np.ndarray:
    """Too little signal: every level scaled down (p99 → ~``gain``)."""
    return _q8(img * gain)


def overexpose(img: np.ndarray, gain: float = 0.25) -> np.ndarray:
    """Washed out: every level pushed towards white (p1 → ~1 − ``gain``)."""
    return _q8(1.0 - (1.0 - img) * gain)


def compress_contrast(img: np.ndarray, factor: float = 0.2) -> np.ndarray:
    """Levels squeezed around mid-grey (dynamic range × ``factor``)."""
    return _q8(0.5 + (img - 0.5) * factor)


def downscale(img: np.ndarray, factor: int = 4) -> np.ndarray:
    """Area-averaged downsampling by an integer factor."""
    h, w = (img.shape[0] // factor) * factor, (img.shape[1] // factor) * factor
    small = img[:h, :w].reshape(h // factor, factor, w // factor, factor).mean(axis=(1, 3))
    return _q8(small)


def clip_levels(img: np.ndarray, low: float = 0.3, high: float = 0.7) -> np.ndarray:
    """A window too narrow: levels below ``low`` and above ``high`` saturate."""
    return _q8((img - low) / (high - low))


def saturate(img: np.ndarray, fraction: float = 0.3) -> np.ndarray:
    """Blown highlights: a gain that drives the brightest ``fraction`` of pixels to white."""
    top = float(np.quantile(img, 1.0 - fraction))
    return _q8(img / max(top, 1e-6))


def blank(img: np.ndarray, level: float = 0.5, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return _q8(np.full(img.shape, level, np.float32) + rng.normal(0, 0.002, img.shape))


DEGRADATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "blur": blur,
    "noise": add_noise,
    "underexpose": underexpose,
    "overexpose": overexpose,
    "compress_contrast": compress_contrast,
    "downscale": downscale,
    "clip": saturate,
    "blank": blank,
}

#: The exact issue set each degradation must raise (on a base image graded "good").
EXPECTED_ISSUES: dict[str, set[str]] = {
    "blur": {"blurry"},
    "noise": {"noisy"},
    "underexpose": {"underexposed"},
    "overexpose": {"overexposed"},
    "compress_contrast": {"low_contrast"},
    "downscale": {"low_resolution"},
    "clip": {"clipped"},
    "blank": {"blank"},
}
