"""The report of a single calculator run (``medassist score``, ``POST /v1/calculators/{id}``)."""

from __future__ import annotations

from pydantic import BaseModel, field_validator

from medassist.risk.base import ScoreResult
from medassist.schemas.safety import SafetySection, require_all_layers

__all__ = ["ScoreReport"]


class ScoreReport(BaseModel):
    result: ScoreResult
    safety: SafetySection

    @field_validator("safety")
    @classmethod
    def _all_layers(cls, value: SafetySection) -> SafetySection:
        return require_all_layers(value)
