from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Severity", "Span", "Notice"]


class Severity(StrEnum):
    info = "info"
    warning = "warning"
    urgent = "urgent"


class Span(BaseModel):
    """A half-open character range ``[start, end)`` into the source text."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Notice(BaseModel):
    """A message for the reader of a report (not an error)."""

    code: str
    message: str
    severity: Severity = Severity.info
