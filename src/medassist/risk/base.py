"""The calculator contract and its registry.

A calculator is a subclass of :class:`Calculator` that declares its inputs once (with unit,
type and allowed range), carries its reference, keeps arithmetic (``compute``) apart from
interpretation (``bands``), and derives its inputs from a note's facts (``derive``).
Register it with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, Field

from medassist.errors import UnknownCalculatorError

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
    "band_for",
]

InputType = Literal["number", "bool", "choice", "date", "int"]


class InputSpec(BaseModel):
    name: str
    label: str
    type: InputType = "number"
    unit: str | None = None  # canonical unit; other units are converted to it
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    choices: list[str] | None = None
    default: Any = None  # value assumed when not mentioned (stated in the result)
    derivation: str = ""  # how the input is derived from the note's facts


class Evidence(BaseModel):
    """Why an input has its value."""

    source: Literal["note", "input", "assumed", "derived"]
    text: str | None = None  # the source span's text (from the note)
    start: int | None = None
    end: int | None = None
    note: str | None = None  # e.g. "not mentioned -> assumed absent"


class Fact(BaseModel):
    """A value found in the note (or given), in the input's canonical unit, with its evidence."""

    value: Any
    evidence: Evidence


class Component(BaseModel):
    name: str  # the input or criterion
    value: Any = None  # the input's value
    points: float | None = None  # points it contributes (scores); None for formulas
    evidence: list[Evidence] = Field(default_factory=list)


class Band(BaseModel):
    label: str  # non-diagnostic wording, e.g. "low (0-1): ..."
    low: float | None = None
    high: float | None = None


class ScoreResult(BaseModel):
    calculator_id: str
    name: str
    value: float | int | str | None  # dates as ISO strings
    unit: str | None = None
    band: str | None = None
    interpretation: str | None = None
    components: list[Component] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    possible_range: tuple[float, float] | None = None  # when inputs are missing
    formula: str | None = None  # formula with substituted values
    reference: str
    flags: list[str] = Field(default_factory=list)  # e.g. "contradictory ages in note"


class CalculatorInfo(BaseModel):
    """What :func:`medassist.risk.api.list_calculators` reports for one calculator."""

    id: str
    name: str
    kind: Literal["score", "formula"] = "formula"
    reference: str
    unit: str | None = None
    inputs: list[InputSpec]
    bands: list[Band] = Field(default_factory=list)


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
