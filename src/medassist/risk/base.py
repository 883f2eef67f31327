"""The calculator contract and its registry (the input/output models live in
:mod:`medassist.schemas.scores` and are re-exported here).

A calculator is a subclass of :class:`Calculator` that declares its inputs once (with unit,
type and allowed range), carries its reference, keeps arithmetic (``compute``) apart from
interpretation (``bands``), and derives its inputs from a note's facts (``derive``).
Register it with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from medassist.errors import UnknownCalculatorError
from medassist.schemas.scores import (
    Band,
    CalculatorInfo,
    Component,
    Evidence,
    Fact,
    InputSpec,
    InputType,
    ScoreResult,
)

if TYPE_CHECKING:  # pragma: no cover
    from medassist.risk.facts import NoteFacts

__all__ = [
    "InputSpec",
    "Evidence",
    "Fact",
    "Component",
    "Band",
    "ScoreResult",
    "Calculator",
    "register",
    "get_calculator",
    "registry",
    "CalculatorInfo",
    "InputType",
    "band_for",
]


def band_for(bands: list[Band], value: float | None) -> Band | None:
    """The first band with ``low <= value <= high`` (open ends where None)."""
    if value is None:
        return None
    for band in bands:
        if (band.low is None or value >= band.low) and (band.high is None or value <= band.high):
            return band
    return None


class Calculator:
    """Base class. Subclasses set the class attributes and implement ``compute``.

    Optional extras (all have defaults): ``kind`` ("score" for point scores, whose missing
    inputs give a ``possible_range``), ``bands`` (interpretation, non-diagnostic wording),
    ``relevant(facts)`` (whether a note calls for this calculator in a report) and
    ``partial_ok`` (report it even when some required inputs are missing).
    """

    id: ClassVar[str]
    name: ClassVar[str]
    reference: ClassVar[str]  # publication / guideline, with DOI or PMID
    version: ClassVar[str] = "1"
    unit: ClassVar[str | None] = None
    inputs: ClassVar[list[InputSpec]]
    relevance: ClassVar[int] = 50  # lower = shown first in a report
    kind: ClassVar[Literal["score", "formula"]] = "formula"
    bands: ClassVar[list[Band]] = []
    partial_ok: ClassVar[bool] = False

    def relevant(self, facts: NoteFacts) -> bool:
        """Whether the note calls for this calculator (used by the text pipeline)."""
        return True

    def band(self, value: float | None) -> Band | None:
        return band_for(self.bands, value)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        """Find this calculator's inputs in a note. Returns only the inputs found.

        ``facts`` is a :class:`medassist.risk.facts.NoteFacts`.
        """
        return {}

    def compute(self, values: dict[str, Any]) -> ScoreResult:  # pragma: no cover - abstract
        """Arithmetic on validated inputs in canonical units (absent optional inputs: None)."""
        raise NotImplementedError


_REGISTRY: dict[str, type[Calculator]] = {}


def register(cls: type[Calculator]) -> type[Calculator]:
    if cls.id in _REGISTRY and _REGISTRY[cls.id] is not cls:
        raise ValueError(f"calculator id {cls.id!r} registered twice")
    _REGISTRY[cls.id] = cls
    return cls


def registry() -> dict[str, type[Calculator]]:
    return dict(_REGISTRY)


def get_calculator(calculator_id: str) -> Calculator:
    try:
        return _REGISTRY[calculator_id]()
    except KeyError:
        available = ", ".join(sorted(_REGISTRY))
        raise UnknownCalculatorError(
            f"unknown calculator {calculator_id!r}; available: {available}",
            calculator_id=calculator_id,
        ) from None


Factory = Callable[[], Calculator]
