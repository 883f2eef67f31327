"""A text report (:class:`~medassist.schemas.text.TextAnalysis`) as FHIR resources.

- conditions -> Condition (verificationStatus from context), family mentions -> FamilyMemberHistory
- symptoms/signs -> Observation (code ICD-10-CM, value present/absent/possible)
- procedures -> Procedure (negated -> not-done)
- vitals -> vital-signs Observations (LOINC, UCUM; blood pressure as one panel with components)
- labs -> laboratory Observations (LOINC, UCUM, value in the normalised unit)
- medications -> MedicationStatement (DrugBank coding, dosage)
- scores -> Observation + RiskAssessment (see :mod:`medassist.fhir.scores`)

Hypothetical mentions ("PRN wheeze", "return if fever") are not statements about the patient
and are not exported. The note's text is never copied: only codes, values and the short
text of each mention's own span.
"""

from __future__ import annotations

import re
from typing import Any

from medassist.fhir._base import (
    CONFIDENCE_EXTENSION,
    BundleBuilder,
    coding,
    disclaimer_note,
    quantity,
    terminology,
)
from medassist.fhir.safety import SECURITY_LABELS
from medassist.schemas.text import Entity, EntityCategory, Measurement, Medication, TextAnalysis

__all__ = ["add_text_report", "condition_statuses", "MEDICATION_STATUS"]

#: Medication.status -> MedicationStatement.status (R4B: active | completed | entered-in-error |
#: intended | stopped | on-hold | unknown | not-taken)
MEDICATION_STATUS: dict[str, str] = {
    "active": "active",
    "started": "active",
    "continued": "active",
    "changed": "active",
    "stopped": "stopped",
    "held": "on-hold",
    "unknown": "unknown",
}
#: trigger wording that states the clinical status -> condition-clinical code. The engine marks
#: "now resolved" / "no longer has" as negation: in FHIR the condition existed (not refuted)
_STATED_STATUS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bresolv", re.I), "resolved"),
    (re.compile(r"\bremission\b", re.I), "remission"),
    (re.compile(r"\b(?:inactive|no longer|former(?:ly)?|ex-)", re.I), "inactive"),
]
_PROBLEM_LIST_SECTIONS = frozenset({"pmh", "psh", "past_medical_history", "problem_list"})
_PRESENT = ("52101004", "Present")
_ABSENT = ("2667000", "Absent")


def _labels() -> dict[str, Any]:
    return {"security": [dict(label) for label in SECURITY_LABELS]}


def _code(entity: Entity) -> dict[str, Any]:
    out: dict[str, Any] = {"text": entity.preferred}
    if entity.code and entity.code_system:
        system = {"icd-10-cm": "icd10cm", "drugbank": "drugbank"}.get(entity.code_system.lower())
        if system:
            out["coding"] = [coding(system, entity.code, entity.preferred)]
    return out


def _confidence(report: TextAnalysis, key: str) -> list[dict[str, Any]]:
    value = report.safety.confidence.get(key)
    if value is None:
        return []
    return [{"url": CONFIDENCE_EXTENSION, "valueDecimal": round(float(value), 4)}]


def _context_notes(entity: Entity) -> list[dict[str, str]]:
    ctx = entity.context
    notes = [
        {
            "text": f"mention in the note: '{entity.text}'"
            + (f" (section {entity.section})" if entity.section else "")
        }
    ]
    for flag in ("negated", "uncertain", "historical", "hypothetical", "family"):
        if getattr(ctx, flag):
            trigger = ctx.triggers.get(flag)
            notes.append(
                {"text": f"context: {flag}" + (f" (trigger '{trigger}')" if trigger else "")}
            )
    return notes


def _stated_status(trigger: str | None) -> str | None:
    for pattern, status in _STATED_STATUS:
        if trigger and pattern.search(trigger):
            return status
    return None


def condition_statuses(entity: Entity) -> tuple[str | None, str, str | None]:
    """(clinicalStatus or None, verificationStatus, explanatory note or None) of a mention.

    Negated -> refuted, unless the negation states a past condition ("now resolved",
    "no longer has": resolved/inactive, confirmed). Uncertain -> provisional. Historical ->
    resolved/inactive/remission only when the trigger says so, else clinicalStatus is left
    unset with a note. Otherwise active and confirmed (as stated in the note).
    """
    ctx = entity.context
    if ctx.negated:
        stated = _stated_status(ctx.triggers.get("negated"))
        if stated:
            return stated, "confirmed", f"stated in the note as {stated}"
        return None, "refuted", None
    verification = "provisional" if ctx.uncertain else "confirmed"
    if ctx.historical:
        stated = _stated_status(ctx.triggers.get("historical"))
        if stated:
            return stated, verification, f"stated in the note as {stated}"
        return (
            None,
            verification,
            "historical mention: the current clinical status is not stated in the note "
            "and is left unset",
        )
    return "active", verification, None


def _condition(
    builder: BundleBuilder, report: TextAnalysis, i: int, entity: Entity, issued: str | None
) -> None:
    clinical, verification, status_note = condition_statuses(entity)
    category = (
        "problem-list-item" if entity.section in _PROBLEM_LIST_SECTIONS else "encounter-diagnosis"
    )
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "meta": _labels(),
        "verificationStatus": {"coding": [coding("cond_verification", verification)]},
        "category": [{"coding": [coding("cond_category", category)]}],
        "code": _code(entity),
        "subject": builder.subject(),
        "note": [*_context_notes(entity), disclaimer_note()],
        "extension": _confidence(report, f"entity:{i}"),
    }
    if clinical:
        resource["clinicalStatus"] = {"coding": [coding("cond_clinical", clinical)]}
    if status_note:
        resource["note"].insert(0, {"text": status_note})
    if verification == "confirmed":
        resource["note"].insert(
            0, {"text": "verification reflects the note's own statement, not a medassist judgement"}
        )
    if issued:
        resource["recordedDate"] = issued
    builder.add(resource, kind="Condition", span=(entity.start, entity.end))


def _relationship(entity: Entity) -> dict[str, Any]:
    trigger = entity.context.triggers.get("family", "").lower()
    table = terminology()["family_relationships"]
    for word in re.findall(r"[a-z]+", trigger):
        if word in table:
            code, display = table[word]
            return {"coding": [coding("role_code", code, display)], "text": trigger or display}
    return {
        "coding": [coding("role_code", "FAMMEMB", "family member")],
        "text": trigger or "family member",
    }


def _family_history(
    builder: BundleBuilder, report: TextAnalysis, i: int, entity: Entity, issued: str | None
) -> None:
    condition: dict[str, Any] = {"code": _code(entity)}
    if entity.context.uncertain:
        condition["note"] = [{"text": "uncertain in the note"}]
    resource: dict[str, Any] = {
        "resourceType": "FamilyMemberHistory",
        "meta": _labels(),
        "status": "partial",
        "patient": builder.subject(),
        "relationship": _relationship(entity),
        "condition": [condition],
        "note": [*_context_notes(entity), disclaimer_note()],
        "extension": _confidence(report, f"entity:{i}"),
    }
    if issued:
        resource["date"] = issued
    builder.add(resource, kind="FamilyMemberHistory", span=(entity.start, entity.end))


def _symptom(
    builder: BundleBuilder, report: TextAnalysis, i: int, entity: Entity, issued: str | None
) -> None:
    ctx = entity.context
    if ctx.negated:
        value = {"coding": [coding("snomed", *_ABSENT)], "text": "absent"}
    elif ctx.uncertain:
        value = {"text": "possibly present (uncertain in the note)"}
    else:
        value = {"coding": [coding("snomed", *_PRESENT)], "text": "present"}
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "meta": _labels(),
        "status": "preliminary",
        # FHIR has no standard category for a reported symptom: text only, no borrowed code
        "category": [{"text": "symptom or sign (from the note)"}],
        "code": _code(entity),
        "subject": builder.subject(),
        "valueCodeableConcept": value,
        "note": [*_context_notes(entity), disclaimer_note()],
        "extension": _confidence(report, f"entity:{i}"),
    }
    if ctx.historical:
        resource["note"].insert(0, {"text": "historical mention: may not be current"})
    if issued:
        resource["issued"] = issued
    builder.add(resource, kind="SymptomObservation", span=(entity.start, entity.end))


def _procedure(builder: BundleBuilder, report: TextAnalysis, i: int, entity: Entity) -> None:
    ctx = entity.context
    status = "not-done" if ctx.negated else ("completed" if ctx.historical else "unknown")
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "meta": _labels(),
        "status": status,
        "code": _code(entity),
        "subject": builder.subject(),
        "note": [*_context_notes(entity), disclaimer_note()],
        "extension": _confidence(report, f"entity:{i}"),
    }
    builder.add(resource, kind="Procedure", span=(entity.start, entity.end))


# --- measurements ------------------------------------------------------------------------------


def _value(m: Measurement) -> dict[str, Any]:
    if m.normalized_value is not None:
        return {"valueQuantity": quantity(m.normalized_value, m.normalized_unit)}
    if m.value is not None:
        return {"valueQuantity": quantity(m.value, m.unit)}
    if m.value_text:
        return {"valueString": m.value_text}
    return {"dataAbsentReason": {"coding": [coding("data_absent", "unknown", "Unknown")]}}


def _measurement_notes(m: Measurement) -> list[dict[str, str]]:
    notes = [{"text": f"source text: '{m.text}'"}]
    if m.unit and m.normalized_unit and m.unit != m.normalized_unit and m.value is not None:
        notes.append({"text": f"as written: {m.value:g} {m.unit}"})
    for key, val in sorted(m.qualifiers.items()):
        if key == "unit_inferred" and val:
            notes.append({"text": "unit not written in the note: canonical unit assumed"})
        elif key != "unit_inferred":
            notes.append({"text": f"{key}: {val}"})
    if not m.plausible:
        notes.append(
            {
                "text": "IMPLAUSIBLE value"
                + (f": {m.plausibility_note}" if m.plausibility_note else "")
            }
        )
    notes.append(disclaimer_note())
    return notes


def _measurement_code(m: Measurement) -> dict[str, Any]:
    from medassist.text.catalogue import get_spec

    vital = terminology()["vital_signs"].get(m.name)
    spec = get_spec(m.name)
    label = getattr(spec, "label", None) or m.name.replace("_", " ")
    display = vital["display"] if vital else label
    codings = []
    if vital:
        codings.append(coding("loinc", vital["loinc"], vital["display"]))
        extra = vital.get("extra_loinc")
        if extra:
            codings.append(coding("loinc", extra[0], extra[1]))
        if m.loinc and m.loinc not in {c["code"] for c in codings}:
            codings.append(coding("loinc", m.loinc))
    elif m.loinc:
        codings.append(coding("loinc", m.loinc, display))
    codings.append(coding("measurement", m.name))
    return {"coding": codings, "text": label}


def _category(kind: str) -> list[dict[str, Any]]:
    if kind == "vital":
        return [{"coding": [coding("obs_category", "vital-signs", "Vital Signs")]}]
    return [{"coding": [coding("obs_category", "laboratory", "Laboratory")]}]


def _measurement(
    builder: BundleBuilder, report: TextAnalysis, key: str, m: Measurement, issued: str | None
) -> None:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "meta": _labels(),
        "status": "preliminary",
        "category": _category(m.kind),
        "code": _measurement_code(m),
        "subject": builder.subject(),
        **_value(m),
        "note": _measurement_notes(m),
        "extension": _confidence(report, key),
    }
    if not m.plausible:
        resource["interpretation"] = [{"text": "implausible value: verify against the source"}]
    if issued:
        resource["issued"] = issued
    builder.add(resource, kind="MeasurementObservation", span=(m.start, m.end))


def _blood_pressure(
    builder: BundleBuilder,
    report: TextAnalysis,
    parts: list[tuple[str, Measurement]],
    issued: str | None,
) -> None:
    vitals = terminology()["vital_signs"]
    components = []
    notes: list[dict[str, str]] = []
    seen_text: set[str] = set()
    extension: list[dict[str, Any]] = []
    for key, m in sorted(parts, key=lambda p: 0 if p[1].name == "sbp" else 1):
        spec = vitals[m.name]
        components.append(
            {
                "code": {
                    "coding": [coding("loinc", spec["loinc"], spec["display"])],
                    "text": spec["display"],
                },
                **_value(m),
            }
        )
        for note in _measurement_notes(m)[:-1]:
            if note["text"] not in seen_text:
                seen_text.add(note["text"])
                notes.append(note)
        if not extension:
            extension = _confidence(report, key)
    panel = vitals["blood_pressure"]
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "meta": _labels(),
        "status": "preliminary",
        "category": _category("vital"),
        "code": {
            "coding": [coding("loinc", panel["loinc"], panel["display"])],
            "text": "Blood pressure",
        },
        "subject": builder.subject(),
        "component": components,
        "note": [*notes, disclaimer_note()],
        "extension": extension,
    }
    if any(not m.plausible for _, m in parts):
        resource["interpretation"] = [{"text": "implausible value: verify against the source"}]
    if issued:
        resource["issued"] = issued
    start = min(m.start for _, m in parts)
    end = max(m.end for _, m in parts)
    builder.add(resource, kind="BloodPressureObservation", span=(start, end))


def _add_measurements(builder: BundleBuilder, report: TextAnalysis, issued: str | None) -> None:
    bp_groups: dict[tuple[int, ...], list[tuple[str, Measurement]]] = {}
    for i, m in enumerate(report.vitals):
        key = f"vital:{i}"
        if m.name not in ("sbp", "dbp"):
            _measurement(builder, report, key, m, issued)
            continue
        group_key: tuple[int, ...] = (m.start, m.end)
        if any(existing.name == m.name for _, existing in bp_groups.get(group_key, [])):
            group_key = (m.start, m.end, i)  # a second reading on the same span: its own panel
        bp_groups.setdefault(group_key, []).append((key, m))
    for parts in bp_groups.values():
        _blood_pressure(builder, report, parts, issued)
    for i, m in enumerate(report.labs):
        _measurement(builder, report, f"lab:{i}", m, issued)


# --- medications -------------------------------------------------------------------------------


def _dose(med: Medication) -> dict[str, Any] | None:
    if med.dose is None:
        return None
    if med.dose_max is not None and med.dose_max != med.dose:
        return {
            "doseRange": {
                "low": quantity(med.dose, med.unit),
                "high": quantity(med.dose_max, med.unit),
            }
        }
    return {"doseQuantity": quantity(med.dose, med.unit)}


def _timing(med: Medication) -> dict[str, Any] | None:
    freq = med.frequency
    if not freq:
        return None
    spec = terminology()["timings"].get(freq)
    repeat: dict[str, Any] = {}
    code = None
    if spec:
        repeat = {k: v for k, v in spec.items() if k != "code"}
        code = spec.get("code")
    elif m := re.fullmatch(r"q(\d+)h", freq):
        repeat = {"frequency": 1, "period": int(m.group(1)), "periodUnit": "h"}
        code = f"Q{m.group(1)}H" if m.group(1) in {"1", "2", "3", "4", "6", "8"} else None
    elif m := re.fullmatch(r"q(\d+)-(\d+)h", freq):
        repeat = {
            "frequency": 1,
            "period": int(m.group(1)),
            "periodMax": int(m.group(2)),
            "periodUnit": "h",
        }
    elif m := re.fullmatch(r"q(\d+)min", freq):
        repeat = {"frequency": 1, "period": int(m.group(1)), "periodUnit": "min"}
    elif m := re.fullmatch(r"every (\d+) (days|weeks|months)", freq):
        repeat = {
            "frequency": 1,
            "period": int(m.group(1)),
            "periodUnit": {"days": "d", "weeks": "wk", "months": "mo"}[m.group(2)],
        }
    if med.duration:
        dm = re.search(r"(\d+(?:\.\d+)?)\s*(day|week|month|hour)", med.duration.lower())
        if dm:
            unit = {"day": "d", "week": "wk", "month": "mo", "hour": "h"}[dm.group(2)]
            repeat["boundsDuration"] = {
                "value": float(dm.group(1)),
                "unit": dm.group(2) + "s",
                "system": "http://unitsofmeasure.org",
                "code": unit,
            }
    timing: dict[str, Any] = {"code": {"text": freq}}
    if code:
        timing["code"]["coding"] = [coding("gts", code)]
    if repeat:
        timing["repeat"] = repeat
    return timing


def _route(med: Medication) -> dict[str, Any] | None:
    if not med.route:
        return None
    known = terminology()["routes"].get(med.route)
    if known:
        return {"coding": [coding("snomed", known[0], known[1])], "text": med.route}
    return {"text": med.route}


def _dosage_text(med: Medication) -> str:
    parts: list[str] = []
    if med.dose is not None:
        dose = f"{med.dose:g}" + (f"-{med.dose_max:g}" if med.dose_max is not None else "")
        parts.append(dose + (f" {med.unit}" if med.unit else ""))
    if med.strength:
        parts.append(med.strength if med.dose is None else f"({med.strength})")
    for piece in (med.route, med.frequency):
        if piece:
            parts.append(piece)
    if med.as_needed:
        parts.append("PRN" + (f" {med.prn_reason}" if med.prn_reason else ""))
    if med.duration:
        parts.append(med.duration)
    return " ".join(parts)


def _medication_status(med: Medication) -> str:
    ctx = med.context
    if ctx.negated:
        return "not-taken"
    if ctx.hypothetical:
        return "intended"
    if ctx.uncertain:
        return "unknown"
    return MEDICATION_STATUS.get(med.status, "unknown")


def _medication(
    builder: BundleBuilder, report: TextAnalysis, i: int, med: Medication, issued: str | None
) -> None:
    concept: dict[str, Any] = {"text": med.name}
    if med.drugbank_id:
        concept["coding"] = [coding("drugbank", med.drugbank_id, med.name)]
    dosage: dict[str, Any] = {}
    text = _dosage_text(med)
    if text:
        dosage["text"] = text
    timing = _timing(med)
    if timing:
        dosage["timing"] = timing
    if med.as_needed:
        if med.prn_reason:
            dosage["asNeededCodeableConcept"] = {"text": med.prn_reason}
        else:
            dosage["asNeededBoolean"] = True
    route = _route(med)
    if route:
        dosage["route"] = route
    dose = _dose(med)
    if dose:
        dosage["doseAndRate"] = [dose]
    notes = [
        {
            "text": f"mention in the note: '{med.text}'"
            + (f" (section {med.section})" if med.section else "")
        }
    ]
    if med.status not in ("active", "unknown"):
        notes.append({"text": f"status in the note: {med.status}"})
    notes.append(disclaimer_note())
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "meta": _labels(),
        "status": _medication_status(med),
        "medicationCodeableConcept": concept,
        "subject": builder.subject(),
        "note": notes,
        "extension": _confidence(report, f"medication:{i}"),
    }
    if dosage:
        resource["dosage"] = [dosage]
    if issued:
        resource["dateAsserted"] = issued
    builder.add(resource, kind="MedicationStatement", span=(med.start, med.end))


def _overlaps_measurement(med: Medication, report: TextAnalysis) -> bool:
    """A drug name inside a vital/lab measurement ("potassium 4.8 mmol/L") is a lab, not a drug."""
    return any(m.start < med.end and med.start < m.end for m in (*report.labs, *report.vitals))


# --- demographics ------------------------------------------------------------------------------


def _patient(builder: BundleBuilder, report: TextAnalysis) -> None:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": builder.placeholder_patient_id,
        "meta": _labels(),
        "active": True,
    }
    if report.demographics.sex:
        resource["gender"] = report.demographics.sex
    builder.add(resource, kind="Patient")


def _age(builder: BundleBuilder, report: TextAnalysis, issued: str | None) -> None:
    demo = report.demographics
    if demo.age is None:
        return
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "meta": _labels(),
        "status": "preliminary",
        "code": {"coding": [coding("loinc", "30525-0", "Age")], "text": "Age"},
        "subject": builder.subject(),
        "valueQuantity": quantity(demo.age, "years"),
        "note": [{"text": f"source text: '{demo.age_text}'"} if demo.age_text else {"text": "age"}]
        + [{"text": f"conflict: {c}"} for c in demo.conflicts]
        + [disclaimer_note()],
    }
    if issued:
        resource["issued"] = issued
    span = demo.age_span
    builder.add(resource, kind="AgeObservation", span=(span[0], span[1]) if span else None)


# --- entry point -------------------------------------------------------------------------------


def add_text_report(builder: BundleBuilder, report: TextAnalysis, *, issued: str | None) -> None:
    """Add the clinical resources of a text report to ``builder`` (safety resources excluded)."""
    if builder.patient_reference is None:
        _patient(builder, report)
    _age(builder, report, issued)
    _add_measurements(builder, report, issued)
    for i, entity in enumerate(report.entities):
        ctx = entity.context
        if entity.category == EntityCategory.medication or ctx.hypothetical:
            continue
        if ctx.family:
            if (
                entity.category in (EntityCategory.condition, EntityCategory.symptom)
                and not ctx.negated
            ):
                _family_history(builder, report, i, entity, issued)
            continue
        if entity.category == EntityCategory.condition:
            _condition(builder, report, i, entity, issued)
        elif entity.category == EntityCategory.symptom:
            _symptom(builder, report, i, entity, issued)
        elif entity.category == EntityCategory.procedure:
            _procedure(builder, report, i, entity)
    for i, med in enumerate(report.medications):
        if med.context.family or _overlaps_measurement(med, report):
            continue
        _medication(builder, report, i, med, issued)
