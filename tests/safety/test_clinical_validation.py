from __future__ import annotations

import pytest

from medassist.safety import validate_extraction
from medassist.safety.clinical_validation import check_medication, dose_table, doses_per_day
from medassist.schemas.common import Severity
from medassist.schemas.text import (
    ContextAssertion,
    Demographics,
    Measurement,
    Medication,
    TextExtraction,
)


def vital(
    name: str, value: float, unit: str | None, text: str = "", kind: str = "vital"
) -> Measurement:
    return Measurement(
        kind=kind, name=name, text=text or f"{name} {value}", start=0, end=5, value=value, unit=unit
    )  # type: ignore[arg-type]


def med(
    name: str, dose: float, unit: str, frequency: str | None = None, **kw: object
) -> Medication:
    return Medication(
        name=name,
        text=name,
        start=0,
        end=len(name),
        dose=dose,
        unit=unit,
        frequency=frequency,
        **kw,
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("m", "flag"),
    [
        (vital("spo2", 86, "%"), "oxygen saturation below 90"),
        (vital("sbp", 82, "mmHg"), "systolic blood pressure below 90"),
        (vital("heart_rate", 142, "/min"), "heart rate above 130"),
        (vital("respiratory_rate", 30, "/min"), "respiratory rate 30"),
        (vital("gcs", 7, None), "Glasgow Coma Scale 8 or below"),
        (vital("potassium", 6.4, "mmol/L", kind="lab"), "potassium above 6.0"),
        (vital("glucose", 48, "mg/dL", kind="lab"), "glucose below 54"),
        (vital("glucose", 2.6, "mmol/L", kind="lab"), "glucose below 54"),  # converted
        (vital("temperature", 40.2, "°C"), "temperature 40"),
        (vital("temperature", 94.1, "°F"), "temperature below 35"),  # 34.5 °C
        (vital("sodium", 118, "mmol/L", kind="lab"), "sodium below 120"),
    ],
)
def test_red_flags_give_urgent_notice_first(m: Measurement, flag: str) -> None:
    ex = TextExtraction(
        text_length=10,
        vitals=[vital("heart_rate", 80, "/min"), m] if m.kind == "vital" else [],
        labs=[m] if m.kind == "lab" else [],
    )
    report = validate_extraction("note", ex)
    assert report.notices and report.notices[0].severity == Severity.urgent
    assert (
        flag in report.notices[0].message and "Urgent clinician review" in report.notices[0].message
    )
    assert any(f.code == "red_flag" and f.severity == Severity.urgent for f in report.findings)


@pytest.mark.parametrize(
    "m",
    [
        vital("spo2", 95, "%"),
        vital("sbp", 90, "mmHg"),
        vital("heart_rate", 130, "/min"),
        vital("respiratory_rate", 29, "/min"),
        vital("gcs", 9, None),
        vital("potassium", 6.0, "mmol/L", kind="lab"),
        vital("glucose", 54, "mg/dL", kind="lab"),
        vital("temperature", 39.9, "°C"),
        vital("temperature", 35.0, "°C"),
    ],
)
def test_values_at_threshold_are_not_red_flags(m: Measurement) -> None:
    ex = TextExtraction(
        text_length=10, vitals=[m] if m.kind == "vital" else [], labs=[m] if m.kind == "lab" else []
    )
    report = validate_extraction("note", ex)
    assert not any(n.severity == Severity.urgent for n in report.notices)


def test_implausible_value_is_marked_and_not_a_red_flag() -> None:
    m = vital("heart_rate", 1100, "/min")
    ex = TextExtraction(text_length=10, vitals=[m])
    report = validate_extraction("note", ex)
    assert ex.vitals[0].plausible is False and "plausible range" in (
        ex.vitals[0].plausibility_note or ""
    )
    assert report.implausible == ["vital:0"]
    assert not any(n.severity == Severity.urgent for n in report.notices)


def test_fahrenheit_labelled_celsius() -> None:
    ex = TextExtraction(text_length=10, vitals=[vital("temperature", 101.5, "°C")])
    report = validate_extraction("note", ex)
    codes = {f.code for f in report.findings}
    assert {"unit_confusion", "implausible_value"} <= codes
    assert any("looks like °F" in f.message for f in report.findings)


@pytest.mark.parametrize(
    ("m", "code"),
    [
        (med("levothyroxine", 100, "mg", "daily"), "unit_confusion"),
        (med("digoxin", 125, "mg", "daily"), "unit_confusion"),
        (med("fentanyl", 50, "mg"), "unit_confusion"),
        (med("metformin", 500, "mcg", "BID"), "unit_confusion"),
        (med("acetaminophen", 1000, "mg", "q4h"), "dose_exceeds_max"),  # 6 g/day
        (
            med("ibuprofen", 800, "mg", "QID", as_needed=True),
            "dose_exceeds_max",
        ),  # 3.2 g ok? 800x4=3200 -> not over
        (med("amlodipine", 10, "mg", "BID"), "dose_exceeds_max"),
        (med("methotrexate", 15, "mg", "daily"), "dose_frequency"),
        (med("Tylenol", 1, "g", "q4h"), "dose_exceeds_max"),  # alias and grams
    ],
)
def test_medication_checks(m: Medication, code: str) -> None:
    findings = check_medication(m, "medication:0")
    if m.name == "ibuprofen":  # exactly at the maximum: allowed
        assert findings == []
        return
    assert code in {f.code for f in findings}, findings


@pytest.mark.parametrize(
    "m",
    [
        med("levothyroxine", 100, "mcg", "daily"),
        med("digoxin", 0.125, "mg", "daily"),
        med("metformin", 1000, "mg", "BID"),
        med("acetaminophen", 1000, "mg", "q6h"),
        med("fentanyl", 50, "mcg"),
        med("unknownium", 5000, "mg", "QID"),
    ],
)
def test_sane_doses_pass(m: Medication) -> None:
    assert check_medication(m, "medication:0") == []


def test_negated_medication_not_dose_checked() -> None:
    m = med("acetaminophen", 1000, "mg", "q2h", context=ContextAssertion(negated=True))
    report = validate_extraction("no acetaminophen", TextExtraction(text_length=5, medications=[m]))
    assert report.findings == []


def test_doses_per_day() -> None:
    assert doses_per_day("BID") == 2 and doses_per_day("q6h") == 4 and doses_per_day("q4-6h") == 6
    assert doses_per_day("weekly") == pytest.approx(1 / 7) and doses_per_day("3 times daily") == 3
    assert doses_per_day(None) is None and doses_per_day("with meals") is None


def test_dose_table_has_forty_drugs_with_sources() -> None:
    assert len({v.drug for v in dose_table().values()}) >= 40


def test_contradictions() -> None:
    text = "54-year-old man seen today. Later: 61 yo male. Pregnant. Metoprolol stopped. Continue metoprolol."
    ex = TextExtraction(
        text_length=len(text),
        demographics=Demographics(age=54, sex="male"),
        medications=[
            med("metoprolol", 25, "mg", status="stopped"),
            med("metoprolol", 25, "mg", status="active"),
        ],
    )
    codes = {f.code for f in validate_extraction(text, ex).findings}
    assert {
        "contradictory_age",
        "contradictory_medication_status",
        "sex_specific_condition",
    } <= codes


def test_no_contradiction_for_family_ages_or_negated_terms() -> None:
    text = "54-year-old woman. Her mother died at 80 years old. Not pregnant. Father had prostate cancer."
    ex = TextExtraction(text_length=len(text), demographics=Demographics(age=54, sex="female"))
    assert validate_extraction(text, ex).findings == []


def test_two_sexes() -> None:
    text = "45 year old woman with cough. Sex: male."
    codes = {f.code for f in validate_extraction(text, TextExtraction(text_length=1)).findings}
    assert "contradictory_sex" in codes
