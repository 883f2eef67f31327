"""Temperature scaling (Guo et al., 2017, arXiv:1706.04599) for zero-shot confidences."""

from __future__ import annotations

import numpy as np

__all__ = ["fit_temperature", "expected_calibration_error"]


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(
    logits: np.ndarray, labels: np.ndarray, grid: np.ndarray | None = None
) -> float:
    """The temperature minimising the negative log-likelihood of ``labels`` under softmax(logits / T)."""
    grid = np.exp(np.linspace(np.log(0.05), np.log(20.0), 400)) if grid is None else grid
    idx = np.arange(len(labels))
    best_t, best_nll = 1.0, np.inf
    for t in grid:
        p = _softmax(logits / t)[idx, labels]
        nll = -np.mean(np.log(np.maximum(p, 1e-12)))
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(ece)
