"""The combined report of ``medassist.analyze``: note and/or image, with or without a model.

Built only by :func:`medassist.safety.analysis.finalize_analysis_report` (the model's text,
quotes and observations pass grounding, context, vocabulary and the non-diagnostic layer
there); it refuses a safety section that does not list all five layers.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from medassist.schemas.common import Notice
from medassist.schemas.imaging import ImageAnalysis
from medassist.schemas.safety import SafetySection, require_all_layers
from medassist.schemas.text import Entity, Summary, TextAnalysis

__all__ = [
    "ModelInfo",
    "ModelStatus",
    "MergedEntity",
    "ExtractionStats",
    "ModelObservation",
    "Correlation",
    "CombinedView",
    "AnalysisExtraction",
    "AnalysisReport",
]


class ModelInfo(BaseModel):
    """One model call: what ran and how long it took (no text)."""

    backend: str
    model_id: str
    file_sha256: str | None = None
    quantization: str | None = None
    device: str | None = None
    constrained: bool = False
    attempts: int = 1
    timings_ms: dict[str, float] = Field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ModelStatus(BaseModel):
    """Whether a model contributed, and if not, why and what it would have added."""

    state: Literal["not_configured", "ok", "failed"]
    backend: str | None = None
    model_id: str | None = None
    error_code: str | None = None
    message: str | None = None
    #: without a model (or when it failed): what a configured model adds to this report
    would_add: list[str] = Field(default_factory=list)


class MergedEntity(Entity):
    """A mention found by the engine or proposed by the model and located in the note."""

    source: Literal["engine", "model"]
    #: the model's class for it (finding, medication, history); None for engine-only mentions
    model_kind: Literal["finding", "medication", "history"] | None = None
    #: the engine found the same span too (a model proposal that confirms it)
    confirmed_by_model: bool = False


class ExtractionStats(BaseModel):
    proposed: int = 0  # quotes the model gave
    located: int = 0  # found verbatim in the note
    dropped: int = 0  # not found in the note: dropped, never reported
    matched_engine: int = 0  # located on a span the engine had already found
    added: int = 0  # new mentions from the model


class ModelObservation(BaseModel):
    """A model's observation of the image: to review, never a finding or a diagnosis."""

    region: str
    observation: str
    confidence: float = Field(ge=0.0, le=1.0)  # after scaling by image quality
    stated_confidence: Literal["low", "moderate", "high"]
    model: str


class Correlation(BaseModel):
    """One item of the note compared with the image observations."""

    item: str
    status: Literal["agreeing", "contradicting", "image_only", "text_only"]
    text_evidence: str | None = None  # the note's mention (and its context)
    image_evidence: str | None = None  # the observation


class CombinedView(BaseModel):
    """The calculators beside the image observations."""

    scores: list[dict[str, Any]] = Field(default_factory=list)
    observations: list[ModelObservation] = Field(default_factory=list)
    image_quality: str | None = None


class AnalysisExtraction(BaseModel):
    text: TextAnalysis | None = None  # the deterministic text report (already finalized)
    image: ImageAnalysis | None = None  # the deterministic image report (already finalized)
    model: ModelStatus
    model_runs: list[ModelInfo] = Field(default_factory=list)
    model_summary: Summary | None = None  # grounded, non-diagnostic
    entities: list[MergedEntity] = Field(default_factory=list)
    extraction: ExtractionStats = Field(default_factory=ExtractionStats)
    image_observations: list[ModelObservation] = Field(default_factory=list)
    correlation: list[Correlation] = Field(default_factory=list)
    combined: CombinedView | None = None
    notices: list[Notice] = Field(default_factory=list)


class AnalysisReport(AnalysisExtraction):
    """The report: every model contribution has passed the safety layers."""

    safety: SafetySection

    @field_validator("safety")
    @classmethod
    def _all_safety_layers(cls, value: SafetySection) -> SafetySection:
        return require_all_layers(value)
