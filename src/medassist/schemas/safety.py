"""The safety section that every report carries (owned by medassist.safety)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from medassist.schemas.common import Notice, Severity, Span

__all__ = [
    "Finding",
    "AuditRecord",
    "SafetySection",
    "DISCLAIMER",
    "SAFETY_LAYERS",
    "require_all_layers",
]

DISCLAIMER = (
    "medassist is an assistive tool for qualified clinicians. It does not diagnose, "
    "prescribe or replace clinical judgement; every output must be reviewed against the "
    "source record by a clinician."
)

#: the five safety layers; every report's ``safety.layers_run`` must list all of them
SAFETY_LAYERS: tuple[str, ...] = (
    "input_guard",
    "grounding",
    "non_diagnostic",
    "clinical_validation",
    "output",
)


class Finding(BaseModel):
    layer: str  # input_guard | grounding | non_diagnostic | clinical_validation | output
    code: str  # e.g. "prompt_injection", "unsupported_number", "diagnostic_statement"
    message: str
    severity: Severity = Severity.info
    span: Span | None = None  # where, in the text the layer examined
    target: str | None = None  # which text: "note", "summary", "generated"
    action: str | None = None  # "flagged", "removed", "rewritten", "neutralised"


class AuditRecord(BaseModel):
    input_sha256: str | None = None
    image_sha256: str | None = None
    medassist_version: str
    model_ids: list[str] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    created_at: str


class SafetySection(BaseModel):
    layers_run: list[str]
    findings: list[Finding] = Field(default_factory=list)
    notices: list[Notice] = Field(default_factory=list)  # urgent notices first
    disclaimer: str = DISCLAIMER
    abstained: bool = False
    confidence: dict[str, float] = Field(default_factory=dict)
    audit: AuditRecord | None = None


def require_all_layers(section: SafetySection) -> SafetySection:
    """Raise ValueError unless ``section.layers_run`` lists every safety layer.

    Used by the report models' validators: a report cannot be built without passing
    through ``medassist.safety`` (``finalize_text_report`` / ``finalize_image_report``).
    """
    missing = [layer for layer in SAFETY_LAYERS if layer not in section.layers_run]
    if missing:
        raise ValueError(
            "a report must pass through every safety layer; missing: "
            + ", ".join(missing)
            + " (build reports with medassist.safety.finalize_text_report/finalize_image_report)"
        )
    return section
