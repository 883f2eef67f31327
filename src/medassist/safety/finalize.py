"""Integration: the only constructors of reports, so no output path skips a layer.

- :func:`finalize_text_report` turns a guarded note and its extraction into a
  :class:`~medassist.schemas.text.TextAnalysis` after layers 2-5.
- :func:`finalize_image_report` does the same for an image extraction.
- :func:`check_generated_text` is the gate for any model-generated text (grounding, then
  non-diagnostic wording).

The report models refuse construction unless ``safety.layers_run`` lists all five layers
(see :mod:`medassist.schemas.text`), and these functions are what fill it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from medassist.logs import get_logger
from medassist.safety.clinical_validation import validate_extraction
from medassist.safety.grounding import SourceIndex, check_grounding
from medassist.safety.models import GroundingReport, GuardedText, SafeGeneratedText
from medassist.safety.non_diagnostic import enforce_non_diagnostic, segments
from medassist.safety.output import (
    LAYERS,
    abstention_reason,
    build_audit_record,
    image_confidences,
    item_confidences,
)
from medassist.safety.scores import gate_score_result
from medassist.schemas.common import Notice, Severity
from medassist.schemas.imaging import ImageAnalysis, ImageExtraction
from medassist.schemas.safety import Finding, SafetySection
from medassist.schemas.text import Summary, TextAnalysis, TextExtraction

__all__ = ["finalize_text_report", "finalize_image_report", "check_generated_text"]

_log = get_logger(__name__)
_ALL_KINDS = frozenset({"entity", "number", "medication", "dose", "claim"})
#: in the engine's own summary (built from extracted facts) only hard facts remove a sentence;
#: a word the lexicon cannot place is flagged
_SUMMARY_REMOVE_KINDS = frozenset({"number", "medication", "dose", "claim"})


def check_generated_text(
    generated: str,
    source: str,
    *,
    facts: TextExtraction | None = None,
    target: str = "generated",
    remove_kinds: Iterable[str] = _ALL_KINDS,
    index: SourceIndex | None = None,
) -> SafeGeneratedText:
    """Gate for model-generated text: drop unsupported statements, then neutralise wording.

    Every sentence holding an unsupported fact of a kind in ``remove_kinds`` is removed;
    others are flagged. When most facts are unsupported the whole text is withheld
    (``abstained``). The rest passes :func:`enforce_non_diagnostic`.
    """
    report = check_grounding(generated, source, facts=facts, index=index)
    remove = frozenset(remove_kinds)
    findings: list[Finding] = []
    # only the kinds that remove a statement count towards withholding the whole text
    counted = GroundingReport(
        supported=report.supported,
        unsupported=[i for i in report.unsupported if i.kind in remove],
    )
    if abstention_reason(grounding=counted) is not None:
        for f in report.findings(target):
            findings.append(f.model_copy(update={"action": "removed"}))
        findings.append(
            Finding(
                layer="output",
                code="abstained",
                severity=Severity.warning,
                target=target,
                message=f"generated text withheld: {abstention_reason(grounding=counted)}",
                action="removed",
            )
        )
        return SafeGeneratedText(
            text="",
            findings=findings,
            grounding=report,
            abstained=True,
            removed_sentences=len(segments(generated)),
        )
    kept: list[str] = []
    removed = 0
    for s0, s1 in segments(generated):
        inside = [it for it in report.unsupported if s0 <= it.span.start < s1]
        drop = any(it.kind in remove for it in inside)
        for it in inside:
            findings.append(
                Finding(
                    layer="grounding",
                    code=f"unsupported_{it.kind}",
                    severity=Severity.warning,
                    message=f"{it.kind} not supported by the note: {it.reason}",
                    span=it.span,
                    target=target,
                    action="removed" if drop else "flagged",
                )
            )
        if drop:
            removed += 1
            if generated[s0:s1].endswith("\n"):
                kept.append("\n")
            continue
        kept.append(generated[s0:s1])
    cleaned = "".join(kept).strip() if removed else generated
    safe = enforce_non_diagnostic(cleaned, target=target)
    findings.extend(safe.findings)
    return SafeGeneratedText(
        text=safe.text, findings=findings, grounding=report, removed_sentences=removed
    )


def _order_notices(notices: list[Notice]) -> list[Notice]:
    rank = {Severity.urgent: 0, Severity.warning: 1, Severity.info: 2}
    seen: set[tuple[str, str]] = set()
    out = []
    for n in sorted(notices, key=lambda n: rank[n.severity]):  # stable: keeps order within a rank
        key = (n.code, n.message)
        if key not in seen:
            seen.add(key)
            out.append(n)
    return out


def _safe_summary(
    guarded: GuardedText, extraction: TextExtraction
) -> tuple[Summary, list[Finding], GroundingReport | None]:
    """Gate the engine's summary: each sentence through grounding and non-diagnostic wording."""
    summary = extraction.summary
    if not summary.text.strip() and not summary.sentences and not summary.suggested_next_steps:
        return summary, [], None
    findings: list[Finding] = []
    index = SourceIndex(guarded.text, extraction)
    combined = GroundingReport()

    def gate(piece: str) -> str:
        gated = check_generated_text(
            piece,
            guarded.text,
            facts=extraction,
            target="summary",
            remove_kinds=_SUMMARY_REMOVE_KINDS,
            index=index,
        )
        findings.extend(gated.findings)
        combined.supported.extend(gated.grounding.supported)
        combined.unsupported.extend(gated.grounding.unsupported)
        return gated.text.strip()

    if summary.sentences and summary.text == " ".join(summary.sentences):
        sentences = [t for t in (gate(s) for s in summary.sentences) if t]
        text = " ".join(sentences)
    else:
        text = gate(summary.text) if summary.text.strip() else ""
        sentences = (
            [t for t in (gate(s) for s in summary.sentences) if t] if summary.sentences else []
        )
    steps = []
    for step in summary.suggested_next_steps:
        safe = enforce_non_diagnostic(step, target="suggested_next_steps")
        findings.extend(safe.findings)
        if safe.text.strip():
            steps.append(safe.text)
    return Summary(text=text, sentences=sentences, suggested_next_steps=steps), findings, combined


def finalize_text_report(
    guarded: GuardedText, extraction: TextExtraction, timings: dict[str, float]
) -> TextAnalysis:
    """Run layers 2-5 over an extraction of ``guarded.text`` and build the report.

    The summary is grounded against the note and its facts and rewritten into
    non-diagnostic wording; vitals, labs and medications are validated (red flags become
    urgent notices, first); every item gets a confidence; the report abstains when the
    note is (near) empty; an audit record (hashes and timings only) is attached (the
    HTTP service stores one per request in its audit store, :mod:`medassist.audit`).
    """
    t_start = time.perf_counter()
    layer_ms: dict[str, float] = {}
    findings: list[Finding] = list(guarded.findings)
    notices: list[Notice] = list(guarded.notices)

    t = time.perf_counter()
    summary, summary_findings, grounding = _safe_summary(guarded, extraction)
    layer_ms["safety_grounding_non_diagnostic"] = (time.perf_counter() - t) * 1000
    findings.extend(summary_findings)

    t = time.perf_counter()
    for score in extraction.scores:  # every score passes the same layers as a single score
        score_findings, _ = gate_score_result(score, guarded.text)
        findings.extend(score_findings)
    layer_ms["safety_scores"] = (time.perf_counter() - t) * 1000

    t = time.perf_counter()
    validation = validate_extraction(guarded.text, extraction)
    layer_ms["safety_clinical_validation"] = (time.perf_counter() - t) * 1000
    findings.extend(validation.findings)
    notices.extend(validation.notices)

    t = time.perf_counter()
    confidence = item_confidences(extraction, validation)
    reason = abstention_reason(guarded.text, extraction)
    if reason is not None:
        notices.append(
            Notice(
                code="abstained", message=f"No analysis reported: {reason}.", severity=Severity.info
            )
        )
        findings.append(
            Finding(layer="output", code="abstained", message=reason, action="abstained")
        )
    if any(f.layer == "grounding" and f.action == "removed" for f in summary_findings):
        notices.append(
            Notice(
                code="summary_trimmed",
                message="statements of the summary not supported by the note were removed",
                severity=Severity.warning,
            )
        )
    layer_ms["safety_output"] = (time.perf_counter() - t) * 1000
    layer_ms["safety_total"] = (time.perf_counter() - t_start) * 1000
    all_timings = {**timings, **layer_ms}
    audit = build_audit_record(input_sha256=guarded.sha256, timings_ms=all_timings)

    ordered = _order_notices(notices)
    section = SafetySection(
        layers_run=list(LAYERS),
        findings=findings,
        notices=ordered,
        abstained=reason is not None,
        confidence=confidence,
        audit=audit,
    )
    urgent = [n for n in ordered if n.severity == Severity.urgent]
    data = {name: getattr(extraction, name) for name in TextExtraction.model_fields}
    data["summary"] = summary
    data["notices"] = urgent + [
        n for n in extraction.notices if n.severity != Severity.urgent or n not in urgent
    ]
    if grounding is not None:
        _log.debug(
            "summary grounding: %d supported, %d unsupported",
            len(grounding.supported),
            len(grounding.unsupported),
        )
    return TextAnalysis(**data, safety=section)


def finalize_image_report(
    extraction: ImageExtraction,
    *,
    image_sha256: str,
    timings: dict[str, float],
    model_ids: list[str] | None = None,
) -> ImageAnalysis:
    """Build the image report after the safety layers.

    Observation labels are checked for diagnostic wording (rewritten when needed) and
    must come from a named encoder (grounding: an observation is only as good as the model
    that made it); each gets a confidence scaled by image quality. A blank image abstains
    (its observations are withheld). Quality issues always stay.
    """
    t_start = time.perf_counter()
    findings: list[Finding] = []
    notices: list[Notice] = []
    observations = []
    for i, obs in enumerate(extraction.observations):
        encoder = obs.encoder or extraction.encoder
        if not encoder:
            findings.append(
                Finding(
                    layer="grounding",
                    code="unsupported_observation",
                    severity=Severity.warning,
                    message=f"observation:{i} has no encoder to trace it to; withheld",
                    target="observations",
                    action="removed",
                )
            )
            continue
        safe = enforce_non_diagnostic(obs.label, target=f"observation:{i}")
        findings.extend(safe.findings)
        if not safe.text.strip():
            continue
        observations.append(obs.model_copy(update={"label": safe.text, "encoder": encoder}))
    blank = any(issue.code == "blank" for issue in extraction.quality.issues)
    abstained = blank and bool(observations)
    if blank:
        if observations:
            findings.append(
                Finding(
                    layer="output",
                    code="abstained",
                    action="abstained",
                    message="the image is blank: observations withheld",
                )
            )
        observations = []
        notices.append(
            Notice(
                code="abstained",
                message="No observations reported: the image appears blank.",
                severity=Severity.warning,
            )
        )
        abstained = True
    if extraction.quality.grade == "poor":
        notices.append(
            Notice(
                code="poor_quality",
                message="Image quality is poor: observations are less reliable; review the quality issues.",
                severity=Severity.warning,
            )
        )
    if extraction.observations and not observations and not blank:
        notices.append(
            Notice(
                code="observations_withheld",
                message="All observations were withheld by the safety layers.",
                severity=Severity.warning,
            )
        )
    updated = extraction.model_copy(update={"observations": observations})
    confidence = image_confidences(updated)
    safety_ms = (time.perf_counter() - t_start) * 1000
    audit = build_audit_record(
        image_sha256=image_sha256,
        model_ids=list(model_ids or []),
        timings_ms={**timings, "safety_total": safety_ms},
    )
    section = SafetySection(
        layers_run=list(LAYERS),
        findings=findings,
        notices=_order_notices(notices + list(extraction.notices)),
        abstained=abstained,
        confidence=confidence,
        audit=audit,
    )
    data = {name: getattr(updated, name) for name in ImageExtraction.model_fields}
    return ImageAnalysis(**data, safety=section)
