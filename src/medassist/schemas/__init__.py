"""Pydantic v2 models at the boundaries of medassist."""

from medassist.schemas.common import Notice, Severity, Span
from medassist.schemas.safety import AuditRecord, Finding, SafetySection
from medassist.schemas.text import (
    ContextAssertion,
    Demographics,
    Entity,
    EntityCategory,
    Measurement,
    Medication,
    Section,
    Summary,
    TextAnalysis,
    TextExtraction,
)

__all__ = [
    "AuditRecord",
    "ContextAssertion",
    "Demographics",
    "Entity",
    "EntityCategory",
    "Finding",
    "Measurement",
    "Medication",
    "Notice",
    "SafetySection",
    "Section",
    "Severity",
    "Span",
    "Summary",
    "TextAnalysis",
    "TextExtraction",
]
