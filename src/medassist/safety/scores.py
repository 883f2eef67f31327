"""The safety layers over a single calculator result.

- input guard: the note (if any) went through :func:`guard_text_input` (its findings kept);
- grounding: every piece of note evidence must be the exact text of the note at its span;
- non-diagnostic: the band and interpretation wording is checked and rewritten if needed;
- clinical validation: contradictory facts flagged by the calculator become warnings;
- output: disclaimer, confidence, abstention when the value could not be computed, audit.
"""

from __future__ import annotations

import time

from medassist.risk.base import ScoreResult
from medassist.safety.models import GuardedText
from medassist.safety.non_diagnostic import enforce_non_diagnostic
from medassist.safety.output import LAYERS, build_audit_record
from medassist.schemas.common import Notice, Severity, Span
from medassist.schemas.safety import Finding, SafetySection
from medassist.schemas.scores import ScoreReport

__all__ = ["finalize_score_report", "gate_score_result"]


def _ground_evidence(result: ScoreResult, source: str | None) -> list[Finding]:
    findings: list[Finding] = []
    for comp in result.components:
        kept = []
        for ev in comp.evidence:
            if ev.source == "note":
                ok = (
                    source is not None
                    and ev.start is not None
                    and ev.end is not None
                    and ev.text is not None
                    and source[ev.start : ev.end] == ev.text
                )
                if not ok:
                    findings.append(
                        Finding(
                            layer="grounding",
                            code="unsupported_evidence",
                            message=f"evidence for {comp.name!r} does not match the note at its span; removed",
                            severity=Severity.warning,
                            span=Span(start=ev.start, end=ev.end)
                            if ev.start is not None and ev.end is not None and ev.end >= ev.start
                            else None,
                            target="note",
                            action="removed",
                        )
                    )
                    continue
            kept.append(ev)
        comp.evidence = kept
    return findings


def gate_score_result(
    result: ScoreResult, source: str | None
) -> tuple[list[Finding], list[Notice]]:
    """Layers 2-4 over one calculator result, in place: evidence grounded in ``source``,
    band and interpretation in non-diagnostic wording, contradiction flags surfaced.

    Used for a single score (:func:`finalize_score_report`) and for every score of a text
    report (``finalize_text_report``).
    """
    findings = _ground_evidence(result, source)
    notices: list[Notice] = []
    for attr in ("band", "interpretation"):
        value = getattr(result, attr)
        if value:
            safe = enforce_non_diagnostic(value)
            if safe.text != value:
                findings.extend(safe.findings)
                setattr(result, attr, safe.text)
    for flag in result.flags:
        notices.append(Notice(code="contradiction", message=flag, severity=Severity.warning))
        findings.append(
            Finding(
                layer="clinical_validation",
                code="contradiction",
                message=f"{result.calculator_id}: {flag}",
                severity=Severity.warning,
                action="flagged",
            )
        )
    return findings, notices


def finalize_score_report(
    result: ScoreResult, *, guarded: GuardedText | None, timings: dict[str, float]
) -> ScoreReport:
    t0 = time.perf_counter()
    findings: list[Finding] = list(guarded.findings) if guarded else []
    notices: list[Notice] = list(guarded.notices) if guarded else []
    gate_findings, gate_notices = gate_score_result(result, guarded.text if guarded else None)
    findings.extend(gate_findings)
    notices.extend(gate_notices)
    abstained = result.value is None
    if abstained:
        missing = ", ".join(result.missing) or "inputs"
        notices.append(
            Notice(
                code="incomplete",
                message=f"{result.name} could not be computed: missing {missing}.",
                severity=Severity.info,
            )
        )
    audit = build_audit_record(
        input_sha256=guarded.sha256 if guarded else None,
        timings_ms={**timings, "safety_total": (time.perf_counter() - t0) * 1000},
    )
    confidence = {
        f"score:{result.calculator_id}": 0.0 if abstained else (0.6 if result.missing else 0.9)
    }
    section = SafetySection(
        layers_run=list(LAYERS),
        findings=findings,
        notices=notices,
        abstained=abstained,
        confidence=confidence,
        audit=audit,
    )
    return ScoreReport(result=result, safety=section)
