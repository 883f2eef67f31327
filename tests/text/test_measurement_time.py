"""Measurements with their time point; thresholds of plans, goals and orders are not values."""

from __future__ import annotations

import json

import pytest

import medassist
from medassist.errors import ConfigurationError
from medassist.fhir import to_fhir_json
from medassist.risk import calculate
from medassist.risk.facts import NoteFacts
from medassist.text.measurement_time import ContextRules, context_rules
from medassist.text.measurements import extract_measurements


def _values(text: str, name: str) -> list[tuple[float, str, bool]]:
    return [
        (m.value, m.time_point, m.current) for m in extract_measurements(text) if m.name == name
    ]


# ---------------------------------------------------------------- every value, its time point
@pytest.mark.parametrize(
    "text",
    [
        "Creatinine peaked at 2.1 mg/dL on day 3 and was 1.6 at discharge.",
        "Her creatinine peaked at 2.1 on hospital day 3, and was 1.6 mg/dL on discharge.",
        "Maximum creatinine 2.1 mg/dL, then 1.6 mg/dL at the time of discharge.",
    ],
)
def test_peak_and_discharge_values_are_both_kept_and_discharge_is_current(text: str) -> None:
    assert _values(text, "creatinine") == [(2.1, "peak", False), (1.6, "discharge", True)]
    facts = NoteFacts.from_text(text)
    assert facts.measurement("creatinine").value == pytest.approx(1.6)  # the current value
    assert facts.measurement("creatinine", time_point="peak").value == pytest.approx(2.1)
    assert len(facts.measurements("creatinine")) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "On admission creatinine was 1.2 mg/dL; baseline creatinine 0.9.",
            ["admission", "baseline"],
        ),
        ("Creatinine 1.2 on presentation (baseline 0.9 mg/dL).", ["admission", "baseline"]),
        ("Her usual creatinine is 0.9; in the ED creatinine was 1.2.", ["baseline", "admission"]),
    ],
)
def test_admission_and_baseline(text: str, expected: list[str]) -> None:
    got = _values(text, "creatinine")
    assert [tp for _, tp, _ in got] == expected
    current = [v for v, _, cur in got if cur]
    assert current == [1.2]  # an admission value is more recent than a baseline


@pytest.mark.parametrize(
    "text", ["Trough hemoglobin 7.1 g/dL.", "Hb nadir 7.1 g/dL after the bleed.", "Lowest Hb 7.1"]
)
def test_nadir(text: str) -> None:
    assert _values(text, "hemoglobin") == [(7.1, "nadir", True)]


@pytest.mark.parametrize(
    "text",
    [
        "Glucose 250 at triage, now 140.",
        "Glucose 250 on arrival; glucose currently 140 mg/dL.",
        "Initial glucose 250 mg/dL. Repeat glucose 140 mg/dL.",
    ],
)
def test_a_latest_value_is_current(text: str) -> None:
    got = _values(text, "glucose")
    assert [v for v, _, _ in got] == [250, 140]
    assert got[0][1] == "admission" and got[1][1] == "latest"
    assert NoteFacts.from_text(text).measurement("glucose").value == pytest.approx(140)


@pytest.mark.parametrize(
    "text", ["Hb 7.1 -> 8.4 after transfusion.", "Hemoglobin was 7.1 g/dL and then 8.4 g/dL."]
)
def test_a_trend_keeps_both_values_and_its_later_one_is_current(text: str) -> None:
    got = _values(text, "hemoglobin")
    assert [v for v, _, _ in got] == [7.1, 8.4]
    assert [cur for _, _, cur in got] == [False, True]


def test_values_without_a_stated_time_keep_the_first_as_current() -> None:
    # text order is no time order: a case report may give a later panel first
    text = "Sodium 134 mmol/L. In the following weeks she had fluid restriction. Sodium 139."
    assert [cur for _, _, cur in _values(text, "sodium")] == [True, False]


def test_a_relative_age_is_not_a_baseline_cue() -> None:
    assert _values("A 70-year-old man with creatinine 1.2 mg/dL.", "creatinine") == [
        (1.2, "unknown", True)
    ]


# ---------------------------------------------------------------- thresholds are no values
CONDITIONAL = [
    ("Call if weight gain of more than 1 kg in a day.", "weight"),
    ("Return to clinic if you gain more than 2 kg in a week.", "weight"),
    ("Start norepinephrine if MAP < 65.", "map"),
    ("Add vasopressin should MAP fall below 65 mmHg.", "map"),
    ("Hold metoprolol if HR < 60.", "heart_rate"),
    ("Hold for heart rate less than 55 or SBP < 100.", "heart_rate"),
    ("She understands to call if she develops a temperature greater than 100.4 F.", "temperature"),
    ("He will not need treatment unless systolic is greater than 220.", "sbp"),
    ("Labetalol 10 mg IV prn SBP > 180.", "sbp"),
]
GOAL = [
    ("Target SBP < 140 mmHg.", "sbp"),
    ("Goal systolic blood pressure under 140.", "sbp"),
    ("Keep MAP above 65.", "map"),
    ("Aim for SpO2 88-92% on oxygen.", "spo2"),
    ("Propranolol was increased, with a target HR <100.", "heart_rate"),
    ("MAP > 65 is the goal.", "map"),
]
TITRATION = [
    ("Titrate norepinephrine to MAP of 65.", "map"),
    ("We will wean his FiO2 as tolerated to keep his saturation greater than 90%.", "spo2"),
    ("Titrate oxygen to SpO2 of 94%.", "spo2"),
]


@pytest.mark.parametrize(("text", "name"), CONDITIONAL + GOAL + TITRATION)
def test_a_threshold_is_not_a_measurement(text: str, name: str) -> None:
    assert [m for m in extract_measurements(text) if m.name == name] == []
    assert NoteFacts.from_text(text).measurement(name) is None


@pytest.mark.parametrize(
    "text",
    [
        "BP 120/80, HR 88. Give metoprolol if SBP > 160.",
        "HR 88, BP 120/80 mmHg; hold metoprolol if HR < 60.",
    ],
)
def test_measured_values_beside_a_threshold_stay(text: str) -> None:
    assert [v for v, _, _ in _values(text, "sbp")] == [120]
    assert [v for v, _, _ in _values(text, "heart_rate")] == [88]


@pytest.mark.parametrize(
    "text",
    [
        "When she arrived her heart rate was 120.",
        "CMP is remarkable for glucose of 33.",
        "Admitted for anemia with hemoglobin of 7.1.",
    ],
)
def test_words_like_when_and_for_alone_do_not_make_a_threshold(text: str) -> None:
    assert len(extract_measurements(text)) == 1


def test_thresholds_reach_neither_fhir_nor_sofa() -> None:
    text = (
        "Septic shock. Started norepinephrine to keep MAP > 65; add vasopressin if MAP < 60. "
        "Hold for HR < 50. Call if temperature above 39 C."
    )
    report = medassist.analyze_text(text)
    assert not [m for m in report.vitals if m.name in {"map", "heart_rate", "temperature"}]
    bundle = json.loads(to_fhir_json(report))
    observations = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and "vital-signs" in json.dumps(e["resource"].get("category", []))
    ]
    assert observations == []
    sofa = calculate("sofa", text=text)
    assert all(c.name != "map" or c.value is None for c in sofa.components)


# ---------------------------------------------------------------- the rules file
def test_context_rules_are_strict() -> None:
    data = context_rules().model_dump(by_alias=True)
    data["time_points"][0]["unknown_key"] = ["x"]
    with pytest.raises(ValueError):
        ContextRules.model_validate(data)
    assert issubclass(ConfigurationError, Exception)
