"""Calculator results as FHIR: an Observation with the value and its components, and a
RiskAssessment (method = calculator, outcome = band) whose basis lists them."""

from __future__ import annotations

from typing import Any

from medassist.fhir._base import (
    CONFIDENCE_EXTENSION,
    POINTS_EXTENSION,
    BundleBuilder,
    coding,
    disclaimer_note,
    quantity,
)
from medassist.fhir.safety import SECURITY_LABELS
from medassist.risk.base import Component, ScoreResult

__all__ = ["add_score"]


def _input_units(calculator_id: str) -> dict[str, str | None]:
    from medassist.errors import UnknownCalculatorError
    from medassist.risk.api import load_calculators
    from medassist.risk.base import get_calculator

    load_calculators()  # a report read back from JSON may reach here before any calculator ran

    try:
        return {spec.name: spec.unit for spec in get_calculator(calculator_id).inputs}
    except UnknownCalculatorError:
        return {}


def _component(component: Component, unit: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": {
            "coding": [coding("calculator_input", component.name)],
            "text": component.name.replace("_", " "),
        }
    }
    value = component.value
    if isinstance(value, bool):
        out["valueBoolean"] = value
    elif isinstance(value, int | float):
        out["valueQuantity"] = quantity(value, unit)
    elif value is None:
        out["dataAbsentReason"] = {"coding": [coding("data_absent", "unknown", "Unknown")]}
    else:
        out["valueString"] = str(value)
    if component.points is not None:
        out["extension"] = [{"url": POINTS_EXTENSION, "valueDecimal": component.points}]
    return out


def _evidence_lines(component: Component) -> list[str]:
    lines = []
    for ev in component.evidence:
        parts = [f"{component.name}: {ev.source}"]
        if ev.text:
            parts.append(f"'{ev.text}'")
        if ev.note:
            parts.append(f"({ev.note})")
        lines.append(" ".join(parts))
    return lines


def add_score(
    builder: BundleBuilder,
    result: ScoreResult,
    *,
    confidence: float | None,
    issued: str | None,
) -> str:
    """Add the score Observation and its RiskAssessment; returns the RiskAssessment's URL."""
    units = _input_units(result.calculator_id)
    method = {
        "coding": [coding("calculator", result.calculator_id, result.name)],
        "text": result.name,
    }
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "meta": {"security": [dict(label) for label in SECURITY_LABELS]},
        "status": "preliminary",
        "category": [
            {"coding": [coding("obs_category", "survey", "Survey")], "text": "clinical score"}
        ],
        "code": method,
        "subject": builder.subject(),
        "component": [_component(c, units.get(c.name)) for c in result.components],
    }
    if issued:
        observation["issued"] = issued
    value = result.value
    if isinstance(value, bool) or value is None:
        observation["dataAbsentReason"] = {
            "coding": [coding("data_absent", "not-performed", "Not Performed")],
            "text": result.interpretation or "not computed",
        }
    elif isinstance(value, int | float):
        observation["valueQuantity"] = quantity(value, result.unit)
    else:
        observation["valueString"] = str(value)
    if result.band or result.interpretation:
        observation["interpretation"] = [{"text": result.band or result.interpretation}]
    notes = [disclaimer_note()]
    if result.formula:
        notes.append({"text": f"formula: {result.formula}"})
    if result.missing:
        rng = (
            f"; possible range {result.possible_range[0]:g}-{result.possible_range[1]:g}"
            if result.possible_range
            else ""
        )
        notes.append({"text": "missing inputs: " + ", ".join(result.missing) + rng})
    for flag in result.flags:
        notes.append({"text": f"flag: {flag}"})
    evidence = [line for c in result.components for line in _evidence_lines(c)]
    if evidence:
        notes.append({"text": "evidence: " + "; ".join(evidence)})
    notes.append({"text": f"reference: {result.reference}"})
    observation["note"] = notes
    if confidence is not None:
        observation.setdefault("extension", []).append(
            {"url": CONFIDENCE_EXTENSION, "valueDecimal": round(confidence, 4)}
        )
    obs_url = builder.add(observation, kind="ScoreObservation")

    basis = [obs_url]
    for component in result.components:
        for ev in component.evidence:
            for url in builder.references_for_span(ev.start, ev.end):
                if url not in basis:
                    basis.append(url)
    outcome_text = result.band or result.interpretation or "not computed"
    risk: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "meta": {"security": [dict(label) for label in SECURITY_LABELS]},
        "status": "preliminary",
        "method": method,
        "code": {"text": f"{result.name} (assistive calculation)"},
        "subject": builder.subject(),
        "basis": [{"reference": url} for url in basis],
        "prediction": [
            {
                "outcome": {"text": outcome_text},
                "qualitativeRisk": {"text": outcome_text},
                **(
                    {"rationale": result.interpretation}
                    if result.interpretation and result.interpretation != outcome_text
                    else {}
                ),
            }
        ],
        "note": [dict(n) for n in notes],
    }
    if issued:
        risk["occurrenceDateTime"] = issued
    if value is None:
        risk["status"] = "registered"  # not computed: the assessment awaits its inputs
    return builder.add(risk, kind="RiskAssessment")
