"""Validated clinical calculators and risk scores, each point explained by its evidence.

list_calculators() -> list of declared calculators
calculate(calculator_id, text=None, inputs=None) -> ScoreResult
score_analysis(text, extraction) -> list[ScoreResult]   (used by the text pipeline)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from medassist.risk.base import Component, Evidence, InputSpec, ScoreResult

__all__ = [
    "Component",
    "Evidence",
    "InputSpec",
    "ScoreResult",
    "calculate",
    "list_calculators",
    "score_analysis",
]

if TYPE_CHECKING:  # pragma: no cover
    from medassist.risk.api import calculate, list_calculators, score_analysis


def __getattr__(name: str) -> Any:
    if name in {"calculate", "list_calculators", "score_analysis"}:
        from medassist.risk import api

        return getattr(api, name)
    raise AttributeError(name)
