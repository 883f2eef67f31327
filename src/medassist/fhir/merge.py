"""FHIR in, merged: the note's analysis and the Bundle's structured facts, as one Bundle.

- Structured values win over text: a calculator input that an Observation gives is taken
  from it (its evidence names the resource), and a note value of the same measurement that
  disagrees is dropped from the answer.
- Conflicts are flagged, never resolved silently: a value that differs from the note's, a
  Condition the record lists as active that the note negates (or refuted and the note
  affirms), a medication whose status or dose differs, an allergy to something the note
  lists as a medication. Each becomes a warning notice, so a DetectedIssue in the Bundle.
- Every score passes the safety layers (:func:`medassist.safety.scores.finalize_score_report`);
  the answer is built by :func:`medassist.fhir.to_fhir_bundle` from the safety-finalised
  report and validated with ``fhir.resources``.
"""

from __future__ import annotations

import time
from typing import Any

from medassist.fhir.ingest import ICD10CM, FhirInput, FhirInputError, StructuredValue, read_bundle
from medassist.schemas.common import Notice, Severity
from medassist.schemas.text import Measurement, TextAnalysis

__all__ = ["FhirAnalysis", "analyze_fhir_bundle", "find_conflicts"]

_ACTIVE = {"active", "recurrence", "relapse"}
_TAKING = {"active", "started", "continued", "changed"}
_NOT_TAKING = {"stopped", "not-taken", "completed", "on-hold", "held"}


def _differs(a: float, b: float, rel: float = 0.05) -> bool:
    return abs(a - b) > rel * max(abs(a), abs(b), 1e-9)


def _fmt(value: float | None, unit: str | None) -> str:
    if value is None:
        return "?"
    return f"{value:g} {unit}".strip() if unit else f"{value:g}"


def _measurement_conflicts(
    report: TextAnalysis, structured: list[StructuredValue]
) -> tuple[list[Notice], set[int]]:
    notices: list[Notice] = []
    dropped: set[int] = set()
    by_name: dict[str, StructuredValue] = {}
    for sv in structured:
        by_name.setdefault(sv.name, sv)
    for m in [*report.vitals, *report.labs]:
        sv = by_name.get(m.name)
        if sv is None or m.normalized_value is None:
            continue
        if m.normalized_unit != sv.normalized_unit or _differs(
            m.normalized_value, sv.normalized_value
        ):
            dropped.add(id(m))
            notices.append(
                Notice(
                    code="fhir_conflict_value",
                    severity=Severity.warning,
                    message=(
                        f"{m.name}: the record ({sv.resource}) says {_fmt(sv.value, sv.unit)}, "
                        f"the note says {_fmt(m.value, m.unit or m.normalized_unit)}; "
                        "the recorded value is used"
                    ),
                )
            )
    return notices, dropped


def _same_condition(entity: Any, item: Any) -> bool:
    if entity.code and entity.code_system and "icd" in entity.code_system.lower():
        for system, code in item.codes:
            if system == ICD10CM and (code.startswith(entity.code) or entity.code.startswith(code)):
                return True
    text = (item.text or "").strip().lower()
    return bool(text) and text in {entity.preferred.lower(), entity.text.lower()}


def _condition_conflicts(report: TextAnalysis, fin: FhirInput) -> list[Notice]:
    notices: list[Notice] = []
    for item in fin.conditions:
        refuted = item.verification_status == "refuted"
        active = (item.clinical_status or "active") in _ACTIVE and not refuted
        for e in report.entities:
            ctx = e.context
            if ctx.family or ctx.hypothetical or not _same_condition(e, item):
                continue
            if active and ctx.negated:
                says = "active"
                note = "negates it"
            elif refuted and not ctx.negated and not ctx.uncertain:
                says, note = "refuted", "affirms it"
            else:
                continue
            notices.append(
                Notice(
                    code="fhir_conflict_condition",
                    severity=Severity.warning,
                    message=f"{e.preferred}: the record ({item.resource}) lists it as {says}; "
                    f"the note {note}",
                )
            )
            break
    return notices


def _same_drug(a: str, b: str) -> bool:
    a, b = a.strip().lower(), b.strip().lower()
    return bool(a and b) and (a == b or a.split()[0] == b.split()[0])


def _medication_conflicts(report: TextAnalysis, fin: FhirInput) -> list[Notice]:
    notices: list[Notice] = []
    for stated in fin.medications:
        for m in report.medications:
            if not _same_drug(m.name, stated.name):
                continue
            problem = None
            if (
                stated.status in _TAKING
                and m.status in _NOT_TAKING
                or stated.status in _NOT_TAKING
                and m.status in _TAKING
            ):
                problem = f"the record says {stated.status}, the note says {m.status}"
            elif (
                stated.dose is not None
                and m.dose is not None
                and (stated.unit or "").lower() == (m.unit or "").lower()
                and _differs(stated.dose, m.dose, rel=0.001)
            ):
                problem = (
                    f"the record's dose is {_fmt(stated.dose, stated.unit)}, "
                    f"the note's {_fmt(m.dose, m.unit)}"
                )
            if problem:
                notices.append(
                    Notice(
                        code="fhir_conflict_medication",
                        severity=Severity.warning,
                        message=f"{m.name} ({stated.resource}): {problem}",
                    )
                )
            break
    for allergy in fin.allergies:
        if allergy.clinical_status in ("inactive", "resolved"):
            continue
        for m in report.medications:
            if _same_drug(m.name, allergy.substance) and m.status in _TAKING | {"unknown"}:
                notices.append(
                    Notice(
                        code="fhir_conflict_allergy",
                        severity=Severity.urgent
                        if allergy.criticality == "high"
                        else Severity.warning,
                        message=f"the record lists an allergy to {allergy.substance} "
                        f"({allergy.resource}); the note lists {m.name} as a medication",
                    )
                )
                break
    return notices


def find_conflicts(report: TextAnalysis, fin: FhirInput) -> tuple[list[Notice], set[int]]:
    """The conflicts between the note's analysis and the record, and the note measurements
    (by ``id``) that a recorded value replaces."""
    notices, dropped = _measurement_conflicts(report, fin.observations)
    notices += _condition_conflicts(report, fin)
    notices += _medication_conflicts(report, fin)
    return notices, dropped


def _structured_scores(report: TextAnalysis, fin: FhirInput, note: str) -> tuple[list[Any], list]:
    """Scores with the recorded values as explicit inputs (they win over the note's)."""
    from medassist.risk.api import calculate_facts
    from medassist.risk.base import get_calculator, registry
    from medassist.risk.facts import NoteFacts
    from medassist.safety.input_guard import guard_text_input
    from medassist.safety.scores import finalize_score_report

    recorded: dict[str, StructuredValue] = {}
    for sv in fin.observations:
        recorded.setdefault(sv.name, sv)
    text_scores = {s.calculator_id: s for s in report.scores}
    candidates = list(text_scores)
    for cid, cls in registry().items():
        required = [s.name for s in cls().inputs if s.required]
        covered = [n for n in required if n in recorded]
        if cid not in text_scores and required and len(covered) * 2 >= len(required):
            candidates.append(cid)
    if not recorded:
        return list(report.scores), []
    facts = NoteFacts(report, text=note) if note.strip() else None
    guarded = guard_text_input(note) if note.strip() else None
    scores: list[Any] = []
    reports: list = []
    for cid in candidates:
        calc = get_calculator(cid)
        names = {s.name for s in calc.inputs}
        inputs = {
            n: {"value": sv.value, "unit": sv.unit} if sv.unit else sv.value
            for n, sv in recorded.items()
            if n in names
        }
        if not inputs:
            scores.append(text_scores[cid])
            continue
        try:
            t0 = time.perf_counter()
            result = calculate_facts(calc, facts, inputs)
        except Exception:  # noqa: BLE001 - a recorded value a calculator refuses: keep the note's
            if cid in text_scores:
                scores.append(text_scores[cid])
            continue
        if result.value is None and cid not in text_scores:
            continue
        for comp in result.components:
            sv = recorded.get(comp.name)
            for ev in comp.evidence:
                if ev.source == "input" and sv is not None:
                    ev.note = f"from the record: {sv.resource} (LOINC {sv.loinc})"
        timings = {"calculator": (time.perf_counter() - t0) * 1000}
        sr = finalize_score_report(result, guarded=guarded, timings=timings)
        scores.append(sr.result)
        reports.append(sr)
    return scores, reports


class FhirAnalysis:
    """The merged analysis: the report (safety-finalised) and the notices of the merge."""

    def __init__(self, report: TextAnalysis, fin: FhirInput) -> None:
        self.report = report
        self.input = fin


def analyze_fhir_bundle(data: bytes | str | dict[str, Any]) -> FhirAnalysis:
    """Read the Bundle, analyse its note, merge the recorded facts (recorded values win,
    conflicts flagged) and return the merged, safety-finalised report."""
    import medassist

    fin = read_bundle(data)
    if not fin.note.strip() and not (
        fin.observations or fin.conditions or fin.medications or fin.allergies
    ):
        raise FhirInputError(
            "the Bundle has no note (DocumentReference) and no Observation, Condition, "
            "MedicationStatement or AllergyIntolerance medassist can read"
        )
    report = medassist.analyze_text(fin.note)
    conflicts, dropped = find_conflicts(report, fin)
    scores, score_reports = _structured_scores(report, fin, fin.note)
    extra_notices = list(conflicts)
    findings = list(report.safety.findings)
    for sr in score_reports:
        findings.extend(f for f in sr.safety.findings if f not in findings)
        extra_notices.extend(
            n for n in sr.safety.notices if n.severity != Severity.info and n not in extra_notices
        )
    if fin.ignored:
        kinds = ", ".join(f"{k} ({n})" for k, n in sorted(fin.ignored.items()))
        extra_notices.append(Notice(code="fhir_ignored", message=f"resources not read: {kinds}"))
    if fin.skipped:
        extra_notices.append(
            Notice(
                code="fhir_skipped",
                severity=Severity.warning,
                message=f"{len(fin.skipped)} recorded value(s) not used: "
                + "; ".join(fin.skipped[:5]),
            )
        )
    order = {Severity.urgent: 0, Severity.warning: 1, Severity.info: 2}
    notices = sorted([*report.safety.notices, *extra_notices], key=lambda n: order[n.severity])
    safety = report.safety.model_copy(update={"notices": notices, "findings": findings})

    def keep(ms: list[Measurement]) -> list[Measurement]:
        return [m for m in ms if id(m) not in dropped]

    merged = report.model_copy(
        update={
            "vitals": keep(report.vitals),
            "labs": keep(report.labs),
            "scores": scores,
            "safety": safety,
        }
    )
    return FhirAnalysis(merged, fin)
