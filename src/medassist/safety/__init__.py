"""The safety system: five layers every output passes through.

1. input guard (:mod:`.input_guard`, :mod:`.injection`, :mod:`.prompting`) — type, size,
   encoding, binary checks; prompt-injection detection; notes as delimited data in prompts.
2. grounding (:mod:`.grounding`) — every number, dose, medication, entity and claim of a
   generated text must be supported by the note (negation and experiencer flips caught).
3. non-diagnostic language (:mod:`.non_diagnostic`) — no diagnosis, no orders.
4. clinical validation (:mod:`.clinical_validation`) — plausibility, unit confusion, dose
   sanity, contradictions, red flags (urgent notices first).
5. output (:mod:`.output`) — disclaimer, confidence per item, abstention, audit record.

:func:`finalize_text_report` and :func:`finalize_image_report` are the only constructors of
reports used by the pipelines; the report models refuse a safety section that does not list
all five layers.

Stable public API::

    guard_text_input(raw) -> GuardedText
    detect_injection(text) -> list[Finding]
    wrap_note_as_data(text) -> str
    check_grounding(generated, source) -> GroundingReport       (.unsupported, .supported)
    enforce_non_diagnostic(text) -> SafeText                    (.text, .findings)
    validate_extraction(text, extraction) -> ValidationReport
    check_generated_text(generated, source) -> SafeGeneratedText
    finalize_text_report(guarded, extraction, timings) -> TextAnalysis
    finalize_image_report(extraction, *, image_sha256, timings, model_ids=[]) -> ImageAnalysis
"""

from __future__ import annotations

from medassist.safety.clinical_validation import validate_extraction
from medassist.safety.finalize import (
    check_generated_text,
    finalize_image_report,
    finalize_text_report,
)
from medassist.safety.grounding import check_grounding
from medassist.safety.injection import detect_injection
from medassist.safety.input_guard import guard_text_input
from medassist.safety.models import (
    GroundingItem,
    GroundingReport,
    GuardedText,
    SafeGeneratedText,
    SafeText,
    ValidationReport,
)
from medassist.safety.non_diagnostic import enforce_non_diagnostic
from medassist.safety.output import DISCLAIMER, LAYERS, build_audit_record
from medassist.safety.prompting import wrap_note_as_data

__all__ = [
    "DISCLAIMER",
    "LAYERS",
    "GroundingItem",
    "GroundingReport",
    "GuardedText",
    "SafeGeneratedText",
    "SafeText",
    "ValidationReport",
    "build_audit_record",
    "check_generated_text",
    "check_grounding",
    "detect_injection",
    "enforce_non_diagnostic",
    "finalize_image_report",
    "finalize_text_report",
    "guard_text_input",
    "validate_extraction",
    "wrap_note_as_data",
]
