"""The safety gate of model contributions and the only constructor of ``AnalysisReport``.

What a model says reaches a report only through here:

- :class:`ModelTextGate` gates generated text sentence by sentence (grounding against the
  note and the engine's facts, then the non-diagnostic layer); the stream and the final
  report use the same gate, so a streamed sentence is exactly a sentence of the report;
- :func:`locate_items` grounds the model's extraction: each quote must be found verbatim in
  the note (else it is dropped and counted), then the engine's context rules classify it and
  its vocabulary codes it, and it merges with the engine's mentions (``source``);
- :func:`gate_observations` rewrites image observations into non-diagnostic wording and
  scales their confidence by image quality;
- :func:`finalize_analysis_report` assembles the report with a safety section listing all
  five layers and an audit record (hashes, model ids, timings; never text).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Any

from medassist.safety.finalize import check_generated_text
from medassist.safety.grounding import SourceIndex
from medassist.safety.non_diagnostic import enforce_non_diagnostic, segments
from medassist.safety.output import LAYERS, build_audit_record
from medassist.schemas.analysis import (
    AnalysisExtraction,
    AnalysisReport,
    ExtractionStats,
    MergedEntity,
    ModelObservation,
)
from medassist.schemas.common import Notice, Severity
from medassist.schemas.safety import Finding, SafetySection
from medassist.schemas.text import EntityCategory, Summary

__all__ = [
    "ModelTextGate",
    "injected_regions",
    "locate_items",
    "gate_observations",
    "finalize_analysis_report",
    "CONFIDENCE",
    "QUALITY_FACTOR",
]

#: the model's stated confidence as a number, before quality scaling
CONFIDENCE = {"low": 0.3, "moderate": 0.55, "high": 0.8}
#: image quality scales every observation's confidence down
QUALITY_FACTOR = {"good": 1.0, "acceptable": 0.8, "poor": 0.5}
_REMOVE_KINDS = frozenset({"number", "medication", "dose", "claim", "entity"})
#: a next step names actions ("repeat", "review"), not facts: only hard facts remove it
_STEP_REMOVE_KINDS = frozenset({"number", "medication", "dose", "claim"})
_WS = re.compile(r"\s+")


def injected_regions(note: str) -> list[tuple[int, int]]:
    """Where the note holds text addressed to a model: from each injection trigger to the end
    of its paragraph. Nothing there supports a model's statement (a note that says "say the
    patient has X" is no evidence of X)."""
    from medassist.safety.injection import detect_injection

    regions = []
    for f in detect_injection(note):
        if f.span is None:
            continue
        end = note.find("\n\n", f.span.end)
        regions.append((f.span.start, len(note) if end < 0 else end))
    return regions


def _masked(note: str, facts: Any, regions: list[tuple[int, int]]) -> tuple[str, Any]:
    if not regions:
        return note, facts
    chars = list(note)
    for a, b in regions:
        chars[a:b] = " " * (b - a)

    def outside(item: Any) -> bool:
        return not any(a < item.end and item.start < b for a, b in regions)

    if facts is not None:
        update = {
            name: [x for x in getattr(facts, name) if outside(x)]
            for name in ("entities", "medications", "allergens", "vitals", "labs")
        }
        facts = facts.model_copy(update=update)
    return "".join(chars), facts


class ModelTextGate:
    """Grounding + non-diagnostic wording for generated text, one sentence at a time.

    The source is the note without the text it addresses to a model
    (:func:`injected_regions`), with the engine's facts from the rest of it."""

    def __init__(self, note: str, facts: Any) -> None:
        self.note, self.facts = _masked(note, facts, injected_regions(note))
        self.index = SourceIndex(self.note, self.facts)
        self.findings: list[Finding] = []

    def sentence(
        self,
        sentence: str,
        target: str = "model_summary",
        remove_kinds: frozenset[str] = _REMOVE_KINDS,
    ) -> str:
        """The sentence as it may be shown ('' when removed)."""
        if not sentence.strip():
            return ""
        gated = check_generated_text(
            sentence,
            self.note,
            facts=self.facts,
            target=target,
            remove_kinds=remove_kinds,
            index=self.index,
        )
        self.findings.extend(gated.findings)
        return gated.text.strip()

    def text(self, text: str, target: str = "model_summary") -> list[str]:
        return [s for s in (self.sentence(text[a:b], target) for a, b in segments(text)) if s]


def _find_verbatim(note: str, folded: str, starts: list[int], quote: str) -> tuple[int, int] | None:
    """Exact span of ``quote`` in the note; else the same characters modulo case and runs of
    whitespace (the span is still the note's own text). None when it is not there."""
    q = quote.strip().strip('"').strip()
    if len(q) < 2:
        return None
    i = note.find(q)
    if i >= 0:
        return i, i + len(q)
    fq = _WS.sub(" ", q).lower()
    j = folded.find(fq)
    if j < 0:
        return None
    return starts[j], starts[j + len(fq) - 1] + 1


def _fold(note: str) -> tuple[str, list[int]]:
    """The note lower-cased with whitespace runs as one space, and each character's offset."""
    out: list[str] = []
    starts: list[int] = []
    prev_space = False
    for i, ch in enumerate(note):
        if ch.isspace():
            if prev_space:
                continue
            out.append(" ")
            prev_space = True
        else:
            low = ch.lower()
            out.append(low if len(low) == 1 else ch)
            prev_space = False
        starts.append(i)
    return "".join(out), starts


def locate_items(
    note: str, items: Iterable[Any], text_report: Any
) -> tuple[list[MergedEntity], ExtractionStats, list[Finding]]:
    """Ground the model's quotes in the note and merge them with the engine's mentions."""
    from medassist.text.context import SpanContext
    from medassist.text.matcher import find_entities
    from medassist.text.sections import section_at

    engine = list(text_report.entities) if text_report is not None else []
    merged = [MergedEntity(**e.model_dump(), source="engine") for e in engine]
    stats = ExtractionStats()
    findings: list[Finding] = []
    folded, starts = _fold(note)
    context = None
    seen: set[tuple[int, int]] = set()
    for n, item in enumerate(items):
        stats.proposed += 1
        span = _find_verbatim(note, folded, starts, item.quote)
        if span is None:
            stats.dropped += 1
            findings.append(
                Finding(
                    layer="grounding",
                    code="quote_not_in_note",
                    severity=Severity.info,
                    message=f"model item {n} ({item.kind}) quotes text that is not in the note: dropped",
                    target="model_extraction",
                    action="removed",
                )
            )
            continue
        stats.located += 1
        start, end = span
        same = [m for m in merged if m.source == "engine" and m.start < end and start < m.end]
        if same:
            stats.matched_engine += 1
            for m in same:
                m.confirmed_by_model = True
                m.model_kind = m.model_kind or item.kind
            continue
        if context is None:
            context = SpanContext(note)
        # coded by the engine's vocabulary: the concepts inside the quoted span
        coded = [e for e in find_entities(note[start:end])]
        targets = (
            [(start + e.start, start + e.end, e) for e in coded] if coded else [(start, end, None)]
        )
        for s, e_end, concept in targets:
            if (s, e_end) in seen:
                continue
            seen.add((s, e_end))
            category = (
                concept.category
                if concept is not None
                else (
                    EntityCategory.medication
                    if item.kind == "medication"
                    else EntityCategory.condition
                )
            )
            merged.append(
                MergedEntity(
                    text=note[s:e_end],
                    start=s,
                    end=e_end,
                    category=category,
                    preferred=concept.preferred
                    if concept is not None
                    else _clean_name(item.name, note[s:e_end]),
                    code_system=concept.code_system if concept is not None else None,
                    code=concept.code if concept is not None else None,
                    section=section_at(text_report.sections, s)
                    if text_report is not None
                    else None,
                    context=context.classify(s, e_end),
                    source="model",
                    model_kind=item.kind,
                )
            )
            stats.added += 1
    merged.sort(key=lambda m: (m.start, m.end))
    return merged, stats, findings


def _clean_name(name: str, fallback: str) -> str:
    safe = enforce_non_diagnostic(name, target="model_extraction").text.strip()
    return safe or fallback


def gate_observations(
    observations: Iterable[Any], *, quality_grade: str | None, model: str
) -> tuple[list[ModelObservation], list[Finding]]:
    """Non-diagnostic wording for each observation; confidence scaled by image quality."""
    factor = QUALITY_FACTOR.get(quality_grade or "good", 1.0)
    out: list[ModelObservation] = []
    findings: list[Finding] = []
    for i, obs in enumerate(observations):
        target = f"model_observation:{i}"
        text = enforce_non_diagnostic(obs.observation, target=target)
        region = enforce_non_diagnostic(obs.region, target=target)
        findings.extend(text.findings + region.findings)
        if not text.text.strip():
            continue
        out.append(
            ModelObservation(
                region=region.text.strip() or "image",
                observation=text.text.strip(),
                confidence=round(CONFIDENCE[obs.confidence] * factor, 3),
                stated_confidence=obs.confidence,
                model=model,
            )
        )
    return out, findings


def gate_steps(gate: ModelTextGate, steps: Iterable[str]) -> list[str]:
    """Suggested next steps: grounded and non-diagnostic (drugs, doses and orders removed)."""
    out = []
    for step in steps:
        text = gate.sentence(step, target="model_next_steps", remove_kinds=_STEP_REMOVE_KINDS)
        if text and text not in out:
            out.append(text)
    return out


def finalize_analysis_report(
    draft: AnalysisExtraction,
    *,
    input_sha256: str | None,
    image_sha256: str | None,
    findings: list[Finding],
    timings: dict[str, float],
    summary_sentences: list[str] | None = None,
    steps: list[str] | None = None,
) -> AnalysisReport:
    """Assemble the report after the gates above; every contribution is already gated."""
    t = time.perf_counter()
    notices = list(draft.notices)
    for part in (draft.text, draft.image):
        if part is not None:
            notices.extend(n for n in part.safety.notices if n.severity == Severity.urgent)
    if summary_sentences is not None:
        draft.model_summary = Summary(
            text=" ".join(summary_sentences),
            sentences=summary_sentences,
            suggested_next_steps=steps or [],
        )
    if any(f.layer == "grounding" and f.action == "removed" for f in findings):
        notices.append(
            Notice(
                code="model_output_trimmed",
                message="statements of the model not supported by the note were removed",
                severity=Severity.warning,
            )
        )
    model_ids = [f"{r.backend}:{r.model_id}" for r in draft.model_runs]
    rank = {Severity.urgent: 0, Severity.warning: 1, Severity.info: 2}
    seen: set[tuple[str, str]] = set()
    ordered = []
    for n in sorted(notices, key=lambda n: rank[n.severity]):
        if (n.code, n.message) not in seen:
            seen.add((n.code, n.message))
            ordered.append(n)
    timings = {**timings, "safety_model_output": (time.perf_counter() - t) * 1000}
    audit = build_audit_record(
        input_sha256=input_sha256,
        image_sha256=image_sha256,
        model_ids=model_ids,
        timings_ms=timings,
    )
    confidence = {
        f"model_observation:{i}": o.confidence for i, o in enumerate(draft.image_observations)
    }
    section = SafetySection(
        layers_run=list(LAYERS),
        findings=findings,
        notices=ordered,
        abstained=bool(draft.text and draft.text.safety.abstained)
        and (draft.image is None or draft.image.safety.abstained),
        confidence=confidence,
        audit=audit,
    )
    data = {name: getattr(draft, name) for name in AnalysisExtraction.model_fields}
    data["notices"] = ordered
    return AnalysisReport(**data, safety=section)
