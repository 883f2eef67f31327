"""Output models of the image pipeline (owned by medassist.imaging)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from medassist.schemas.common import Notice
from medassist.schemas.safety import SafetySection, require_all_layers

__all__ = [
    "QualityIssueCode",
    "QualityIssue",
    "QualityReport",
    "ImageMetadata",
    "Observation",
    "ImageExtraction",
    "ImageAnalysis",
]

QualityIssueCode = Literal[
    "underexposed",
    "overexposed",
    "low_contrast",
    "blurry",
    "noisy",
    "low_resolution",
    "blank",
    "clipped",
]


class QualityIssue(BaseModel):
    code: QualityIssueCode
    metric: str
    value: float
    threshold: float
    explanation: str


class QualityReport(BaseModel):
    grade: Literal["good", "acceptable", "poor"]
    issues: list[QualityIssue] = Field(default_factory=list)
    metrics: dict[str, float] = Field(default_factory=dict)


class ImageMetadata(BaseModel):
    format: Literal["dicom", "png", "jpeg", "tiff"]
    modality: str | None = None
    body_part: str | None = None
    view_position: str | None = None
    rows: int
    columns: int
    frames: int = 1
    pixel_spacing_mm: tuple[float, float] | None = None
    bits_stored: int | None = None
    photometric_interpretation: str | None = None
    manufacturer: str | None = None
    transfer_syntax: str | None = None
    window: tuple[float, float] | None = None  # centre, width applied
    extra: dict[str, Any] = Field(default_factory=dict)  # never identifying tags


class Observation(BaseModel):
    """An assistive observation to review, never a diagnosis."""

    label: str
    confidence: float = Field(ge=0.0, le=1.0)
    kind: Literal["finding_prompt", "modality", "body_region"] = "finding_prompt"
    encoder: str | None = None


class ImageExtraction(BaseModel):
    metadata: ImageMetadata
    quality: QualityReport
    observations: list[Observation] = Field(default_factory=list)
    embedding: list[float] | None = None
    encoder: str | None = None
    notices: list[Notice] = Field(default_factory=list)


class ImageAnalysis(ImageExtraction):
    """The report: an image extraction that has passed through the safety layers."""

    safety: SafetySection

    @field_validator("safety")
    @classmethod
    def _all_safety_layers(cls, value: SafetySection) -> SafetySection:
        return require_all_layers(value)
