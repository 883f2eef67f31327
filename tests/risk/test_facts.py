"""NoteFacts: measurements in canonical units, conditions, cues, demographics."""

from __future__ import annotations

import pytest
from rule_facts import facts_with_rules

from medassist.risk.facts import NoteFacts


def _nf(text: str) -> NoteFacts:
    return NoteFacts.from_text(text)  # reads the text engine's extraction of the note


@pytest.mark.parametrize(
    ("text", "name", "value"),
    [
        ("Temperature 101.3 F", "temperature", 38.5),
        ("temp 38.2°C", "temperature", 38.2),
        ("BP 142/88 mmHg", "sbp", 142),
        ("blood pressure of 142/88", "dbp", 88),
        ("HR 104 bpm", "heart_rate", 104),
        ("respiratory rate of 22 breaths/min", "respiratory_rate", 22),
        ("SpO2 93% on room air", "spo2", 93),
        ("weight 154 lbs", "weight", 69.85),
        ("creatinine 150 umol/L", "creatinine", 1.696),
        ("Creatinine: 1.4 mg/dL", "creatinine", 1.4),
        ("serum albumin 31 g/L", "albumin", 3.1),
        ("glucose 7.0 mmol/L", "glucose", 126.1),
        ("platelet count of 149,000/µL", "platelets", 149),
        ("platelets 210 x 10^9/L", "platelets", 210),
        ("WBC 15,500/mm3", "wbc", 15.5),
        ("Na+: 137 mEq/L", "sodium", 137),
        ("FiO2 0.4", "fio2", 40),
        ("INR 2.3", "inr", 2.3),
    ],
)
def test_measurements_in_canonical_units(text: str, name: str, value: float) -> None:
    fact = _nf(text).measurement(name)
    assert fact is not None
    assert fact.value == pytest.approx(value, rel=2e-3)
    assert fact.evidence.source == "note"
    assert text[fact.evidence.start : fact.evidence.end] == fact.evidence.text


def test_implausible_values_are_ignored() -> None:
    assert _nf("heart rate 900").measurement("heart_rate") is None


def test_age_and_sex() -> None:
    # age and sex come from the text engine's one reader (extraction.demographics)
    nf = NoteFacts.from_text("A 45-year-old white female presents. She reports ...")
    assert nf.measurement("age").value == 45
    assert nf.measurement("sex").value == "female"
    assert NoteFacts.from_text("6-month-old boy").measurement("age").value == pytest.approx(0.5)
    assert (
        NoteFacts.from_text("The patient is a 60 yo man; he is well.").measurement("sex").value
        == "male"
    )


def test_contradictory_ages_flag() -> None:
    nf = NoteFacts.from_text("A 67-year-old man. Later: the 76-year-old patient.")
    nf.measurement("age")
    assert nf.flags and "67" in nf.flags[0] and "76" in nf.flags[0]
    single = NoteFacts.from_text(
        "A 67-year-old man with a 67-year-old history"
    )  # same age twice: no flag
    single.measurement("age")
    assert not single.flags


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("History of hypertension.", True),
        ("No history of diabetes, ischemic heart disease, hypertension or heart failure.", False),
        ("Hypertension too seems to be absent.", False),
        ("His medical history is void of any stroke or hypertension incidents.", False),
        ("He denies chest pain but has hypertension.", True),
        ("Mother has hypertension.", None),
        ("Asthma.", None),
    ],
)
def test_condition_context(text: str, expected: bool | None) -> None:
    fact = _nf(text).condition("hypertension")
    assert (fact.value if fact is not None else None) is expected


def test_find_returns_the_match_span() -> None:
    text = "ECG showed ST elevation in V2-V4."
    rules = {"t.ste": (r"ST elevation",), "t.q": ("Q waves",)}
    nf = facts_with_rules(text, rules, kind="match")
    f = nf.finding("t.ste")
    assert f.value == "ST elevation" and f.evidence.start == 11
    assert nf.finding("t.q") is None


def test_from_text_runs_the_engine() -> None:
    nf = NoteFacts.from_text("A 70-year-old man. HR 80. Taking metformin 500 mg twice daily.")
    assert nf.extraction.text_length == len(nf.text)
    assert nf.measurement("heart_rate").value == 80
    assert isinstance(nf.medications(), list)
