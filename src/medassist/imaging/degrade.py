"""Synthetic degradations of a display image, used to calibrate and test the quality checks.

Each takes and returns a float32 grey image in [0, 1], quantised to 8 bits like an export.
Deterministic (seeded noise). Two families:

* the fixed ``DEGRADATIONS`` (strengths relative to the image size) that the unit tests use;
* the parametrised ones of the real-radiograph calibration (issue 13), with strengths in
  pixels of the image they are applied to: :func:`gaussian_blur_px`, :func:`motion_blur`,
  :func:`exposure` (gain and offset, clipped), :func:`add_noise` (Gaussian),
  :func:`poisson_noise` and :func:`downsample_to`; ``SWEEPS`` lists the strengths measured
  by ``benchmarks/image_quality_eval.py`` and the issue each must raise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    "gaussian_blur_px",
    "motion_blur",
    "exposure",
    "poisson_noise",
    "downsample_to",
    "DEGRADATIONS",
    "EXPECTED_ISSUES",
    "Sweep",
    "SWEEPS",
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


def gaussian_blur_px(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of σ = ``sigma`` pixels of this image."""
    return _q8(ndimage.gaussian_filter(np.asarray(img, np.float32), float(sigma)))


def motion_blur(img: np.ndarray, length: int, axis: int = 1) -> np.ndarray:
    """Linear motion blur: the average over ``length`` pixels along ``axis`` (1: horizontal)."""
    return _q8(ndimage.uniform_filter1d(np.asarray(img, np.float32), int(length), axis=axis))


def exposure(img: np.ndarray, gain: float, offset: float = 0.0) -> np.ndarray:
    """A wrong exposure: ``gain`` × level + ``offset``, clipped to [0, 1] (> 1 saturates white)."""
    return _q8(np.asarray(img, np.float32) * float(gain) + float(offset))


def poisson_noise(img: np.ndarray, peak: float, seed: int = 0) -> np.ndarray:
    """Quantum noise: counts ~ Poisson(level × ``peak``) (white = ``peak`` photons), rescaled."""
    rng = np.random.default_rng(seed)
    lam = np.clip(np.asarray(img, np.float64), 0, 1) * float(peak)
    return _q8((rng.poisson(lam) / float(peak)).astype(np.float32))


def downsample_to(img: np.ndarray, size: int) -> np.ndarray:
    """Area-averaged downsampling so that the long side is at most ``size`` pixels."""
    factor = max(1, -(-max(img.shape) // int(size)))
    return downscale(img, factor) if factor > 1 else _q8(img)


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
    # a gain that whitens the brightest 30 %: saturated highlights are overexposure too
    "clip": {"clipped", "overexposed"},
    "blank": {"blank"},
}


@dataclass(frozen=True)
class Sweep:
    """One degradation at one strength, and the issue it must raise (None: must stay clean)."""

    name: str
    strength: float
    apply: Callable[[np.ndarray], np.ndarray]
    expected: str | None
    target: bool  # one of the strengths the issue-13 targets (recall >= 0.90) are set at


def _sweeps() -> tuple[Sweep, ...]:
    out: list[Sweep] = []
    for s in (1, 2, 3, 4, 6, 8, 10):
        out.append(
            Sweep("gaussian_blur", s, lambda im, s=s: gaussian_blur_px(im, s), "blurry", s >= 4)
        )
    for n in (9, 15, 25, 41):
        out.append(Sweep("motion_blur", n, lambda im, n=n: motion_blur(im, n), "blurry", False))
    for g in (1.5, 2.0, 3.0):
        out.append(Sweep("overexposure", g, lambda im, g=g: exposure(im, g), "overexposed", g >= 2))
    out.append(
        Sweep("overexposure_offset", 0.4, lambda im: exposure(im, 1.2, 0.4), "overexposed", False)
    )
    for g in (0.5, 0.25, 0.15):
        out.append(
            Sweep("underexposure", g, lambda im, g=g: exposure(im, g), "underexposed", g <= 0.25)
        )
    for sd in (10, 25, 40):
        out.append(
            Sweep(
                "gaussian_noise",
                sd,
                lambda im, sd=sd: add_noise(im, sd / 255.0),
                "noisy",
                sd >= 25,
            )
        )
    for peak in (200, 50, 20):
        out.append(
            Sweep("poisson_noise", peak, lambda im, p=peak: poisson_noise(im, p), "noisy", False)
        )
    for size in (512, 256, 128, 64):
        out.append(
            Sweep(
                "downsample",
                size,
                lambda im, z=size: downsample_to(im, z),
                "low_resolution",
                size <= 128,
            )
        )
    return tuple(out)


SWEEPS: tuple[Sweep, ...] = _sweeps()
