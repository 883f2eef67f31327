"""Calculator inputs and outputs: what a calculator declares (:class:`InputSpec`), what it
returns (:class:`ScoreResult` with its :class:`Component` points and their :class:`Evidence`)
and the report of a single calculator run (``medassist score``, ``POST /v1/calculators/{id}``).

These are boundary models: ``medassist.risk`` builds them, the API, CLI, FHIR export and
safety layers read them; this module imports nothing from ``medassist.risk``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from medassist.schemas.safety import SafetySection, require_all_layers

__all__ = [
    "InputType",
    "InputSpec",
    "Evidence",
    "Fact",
    "Component",
    "Band",
    "ScoreResult",
    "CalculatorInfo",
    "ScoreReport",
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


class ScoreReport(BaseModel):
    result: ScoreResult
    safety: SafetySection

    @field_validator("safety")
    @classmethod
    def _all_layers(cls, value: SafetySection) -> SafetySection:
        return require_all_layers(value)
