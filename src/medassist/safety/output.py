"""Layer 5, output: disclaimer, per-item confidence, abstention and the audit record.

- :func:`item_confidences` gives each extracted item (``entity:3``, ``medication:0``,
  ``vital:1``, ``lab:2``, ``score:<calculator id>``, ``observation:0``) a heuristic
  confidence in [0, 1] from how it was found and what the other layers said about it.
- :func:`abstention_reason` says when the evidence is too thin to report (an empty or
  near-empty note; a generated text whose facts are mostly unsupported).
- :func:`build_audit_record` records hashes, versions, model ids and timings — never text.
  The HTTP service keeps one record per request in its audit store (:mod:`medassist.audit`,
  ``MEDASSIST_AUDIT_URL``; ``medassist audit export --format jsonl`` replaces the former
  ``MEDASSIST_AUDIT_PATH`` JSONL file).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from medassist.schemas.safety import DISCLAIMER, SAFETY_LAYERS, AuditRecord

if TYPE_CHECKING:  # pragma: no cover
    from medassist.safety.models import GroundingReport, ValidationReport
    from medassist.schemas.imaging import ImageExtraction
    from medassist.schemas.text import TextExtraction

__all__ = [
    "DISCLAIMER",
    "LAYERS",
    "item_confidences",
    "image_confidences",
    "abstention_reason",
    "build_audit_record",
    "MIN_CONTENT_WORDS",
    "MAX_UNSUPPORTED_FRACTION",
]

#: the five layers, in order; every report's ``safety.layers_run`` lists all of them
LAYERS: tuple[str, ...] = SAFETY_LAYERS

#: a note with fewer words than this, and nothing extracted, is too thin to report on
MIN_CONTENT_WORDS = 3
#: a generated text with more unsupported than this fraction of its facts is withheld
MAX_UNSUPPORTED_FRACTION = 0.5

_WORD = re.compile(r"[A-Za-z]{2,}")


def _clip(x: float) -> float:
    return round(min(1.0, max(0.0, x)), 3)


def item_confidences(
    extraction: TextExtraction, validation: ValidationReport | None = None
) -> dict[str, float]:
    """Heuristic confidence per extracted item, keyed by item id."""
    conf: dict[str, float] = {}
    implausible = set(validation.implausible) if validation else set()
    flagged_meds = set(validation.flagged_medications) if validation else set()
    for i, e in enumerate(extraction.entities):
        c = 0.85
        if e.code:
            c += 0.05
        if len(e.text.strip()) <= 3:  # abbreviations are ambiguous (PE, MS, RA)
            c -= 0.15
        ctx = e.context
        if ctx.uncertain:
            c -= 0.2
        if ctx.hypothetical:
            c -= 0.15
        if ctx.triggers:
            c -= 0.05  # context rules applied: a small chance they were misapplied
        conf[f"entity:{i}"] = _clip(c)
    for i, m in enumerate(extraction.medications):
        c = 0.6
        c += 0.1 if m.dose is not None else 0
        c += 0.1 if m.unit else 0
        c += 0.1 if m.frequency else 0
        c += 0.05 if m.drugbank_id else 0
        if m.status == "unknown":
            c -= 0.05
        if i in flagged_meds:
            c -= 0.3
        conf[f"medication:{i}"] = _clip(c)
    for kind, items in (("vital", extraction.vitals), ("lab", extraction.labs)):
        for i, m in enumerate(items):
            item_id = f"{kind}:{i}"
            c = 0.92
            if m.value is None and m.value_text is None:
                c -= 0.4
            if m.value is not None and not m.unit and m.normalized_unit is None:
                c -= 0.15
            if not m.plausible or item_id in implausible:
                c = min(c, 0.2)
            conf[item_id] = _clip(c)
    for i, s in enumerate(extraction.scores):
        data: dict[str, Any] = s if isinstance(s, dict) else getattr(s, "__dict__", {})
        if hasattr(s, "model_dump"):
            data = s.model_dump()
        components = data.get("components") or []
        evidence = [ev for comp in components for ev in (comp.get("evidence") or [])]
        from_note = sum(1 for ev in evidence if ev.get("source") in ("note", "input", "derived"))
        assumed = sum(1 for ev in evidence if ev.get("source") == "assumed")
        total = from_note + assumed
        c = 0.9 if total == 0 else 0.5 + 0.45 * from_note / total
        if data.get("missing"):
            c -= 0.1 * min(3, len(data["missing"]))
        if data.get("value") is None:
            c = min(c, 0.3)
        if data.get("flags"):
            c -= 0.1
        key = f"score:{data.get('calculator_id') or i}"
        conf[key] = _clip(c)
    return conf


def image_confidences(extraction: ImageExtraction) -> dict[str, float]:
    """Observation confidence scaled by image quality; quality issues lower it further."""
    factor = {"good": 1.0, "acceptable": 0.8, "poor": 0.5}[extraction.quality.grade]
    factor *= max(0.5, 1.0 - 0.05 * len(extraction.quality.issues))
    return {
        f"observation:{i}": _clip(o.confidence * factor)
        for i, o in enumerate(extraction.observations)
    }


def abstention_reason(
    text: str | None = None,
    extraction: TextExtraction | None = None,
    grounding: GroundingReport | None = None,
) -> str | None:
    """Why the report should abstain, or None when there is enough evidence."""
    if text is not None:
        words = _WORD.findall(text)
        if not text.strip():
            return "the note is empty"
        has_facts = extraction is not None and (
            extraction.entities or extraction.medications or extraction.vitals or extraction.labs
        )
        if len(words) < MIN_CONTENT_WORDS and not has_facts:
            return f"the note has fewer than {MIN_CONTENT_WORDS} words and no extractable facts"
    if grounding is not None:
        total = len(grounding.supported) + len(grounding.unsupported)
        if total and grounding.unsupported_fraction > MAX_UNSUPPORTED_FRACTION:
            return (
                f"{len(grounding.unsupported)} of {total} facts of the generated text are not "
                "supported by the note"
            )
    return None


def _version() -> str:
    try:
        from medassist._version import __version__

        return __version__
    except ImportError:  # pragma: no cover
        return "unknown"


def build_audit_record(
    *,
    input_sha256: str | None = None,
    image_sha256: str | None = None,
    model_ids: list[str] | None = None,
    timings_ms: dict[str, float] | None = None,
) -> AuditRecord:
    """An audit record: hashes, versions, model ids and timings (never raw text)."""
    return AuditRecord(
        input_sha256=input_sha256,
        image_sha256=image_sha256,
        medassist_version=_version(),
        model_ids=list(model_ids or []),
        timings_ms={k: round(float(v), 3) for k, v in (timings_ms or {}).items()},
        created_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
    )
