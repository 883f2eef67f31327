"""The measurement catalogue: canonical names, LOINC codes, units, plausible ranges.

Data: ``data/measurements.json`` (LOINC codes (c) Regenstrief Institute, LOINC licence).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel

__all__ = ["MeasurementSpec", "catalogue", "get_spec"]


class MeasurementSpec(BaseModel):
    name: str
    kind: Literal["vital", "lab"]
    label: str
    loinc: str | None = None
    unit: str | None = None  # canonical unit; None for unitless (INR, pH, GCS)
    range: tuple[float, float] | None = None  # plausible range in the canonical unit
    molar_mass: float | None = None  # g/mol, for mass <-> molar conversion
    valence: int | None = None  # for mEq/L <-> mmol/L
    note: str | None = None
    #: unit assumed when none is written: [(upper bound exclusive or None, unit), ...]
    infer: list[tuple[float | None, str]] | None = None


@lru_cache(maxsize=1)
def catalogue() -> dict[str, MeasurementSpec]:
    """All measurement specifications, keyed by canonical name (cached)."""
    raw = resources.files("medassist.text").joinpath("data/measurements.json").read_text("utf-8")
    data = json.loads(raw)["measurements"]
    return {name: MeasurementSpec(name=name, **spec) for name, spec in data.items()}


def get_spec(name: str) -> MeasurementSpec | None:
    return catalogue().get(name)
