"""The calculator API: listing, validation, units, missing inputs, evidence, flags."""

from __future__ import annotations

import pytest
from rule_facts import facts_with_rules
from score_ids import SCORE_IDS

from medassist.errors import CalculatorInputError, UnitConversionError, UnknownCalculatorError
from medassist.risk import calculate, list_calculators, score_analysis
from medassist.text import extract

MY_SCORES = list(SCORE_IDS)


def test_every_issue_calculator_is_listed_with_reference_and_inputs() -> None:
    infos = {c.id: c for c in list_calculators()}
    for cid in MY_SCORES:
        info = infos[cid]
        assert (
            "doi" in info.reference.lower()
            or "pmid" in info.reference.lower()
            or "isbn" in info.reference.lower()
        )
        assert info.inputs, cid
        assert info.bands, cid
        for spec in info.inputs:
            if spec.type in {"number", "int"}:
                assert spec.minimum is not None and spec.maximum is not None, (cid, spec.name)


def test_unknown_calculator_lists_available_ids() -> None:
    with pytest.raises(UnknownCalculatorError) as exc:
        calculate("no_such_score", inputs={})
    assert "curb65" in exc.value.message and "news2" in exc.value.message


def test_out_of_range_input_names_the_field() -> None:
    with pytest.raises(CalculatorInputError) as exc:
        calculate("curb65", inputs={"age": 300})
    assert exc.value.field == "age"
    assert not isinstance(exc.value, UnitConversionError)


@pytest.mark.parametrize("bad", ["seventy", True, [1], {"unit": "years"}])
def test_wrong_type_names_the_field(bad: object) -> None:
    with pytest.raises(CalculatorInputError) as exc:
        calculate("curb65", inputs={"age": bad})
    assert exc.value.field == "age"


def test_bad_bool_and_choice_and_unknown_name() -> None:
    with pytest.raises(CalculatorInputError) as exc:
        calculate("curb65", inputs={"confusion": "maybe"})
    assert exc.value.field == "confusion"
    with pytest.raises(CalculatorInputError) as exc:
        calculate("cha2ds2_vasc", inputs={"sex": "unknown"})
    assert exc.value.field == "sex"
    with pytest.raises(CalculatorInputError) as exc:
        calculate("curb65", inputs={"lactate": 2})
    assert exc.value.field == "lactate"


def test_unconvertible_unit_names_the_field() -> None:
    with pytest.raises(UnitConversionError) as exc:
        calculate("curb65", inputs={"bun": {"value": 7, "unit": "furlongs"}})
    assert exc.value.field == "bun"


def test_units_are_converted_to_the_canonical_unit() -> None:
    base = {"respiratory_rate": 18, "sbp": 120, "dbp": 80, "age": 50}
    # urea 7.5 mmol/L = BUN 21 mg/dL (> 19 -> 1 point)
    r = calculate("curb65", inputs={**base, "bun": {"value": 7.5, "unit": "mmol/L"}})
    bun = next(c for c in r.components if c.name == "bun")
    assert bun.value == pytest.approx(21.0, abs=0.1)
    assert bun.points == 1
    r = calculate(
        "meld_na",
        inputs={
            "creatinine": {"value": 150, "unit": "umol/L"},
            "bilirubin": 2,
            "inr": 1.5,
            "sodium": 130,
        },
    )
    cr = next(c for c in r.components if c.name == "creatinine")
    assert cr.value == pytest.approx(150 / 88.42, rel=1e-3)
    t = calculate(
        "sirs",
        inputs={
            "temperature": {"value": 101.3, "unit": "°F"},
            "heart_rate": 80,
            "respiratory_rate": 16,
            "wbc": 8,
        },
    )
    assert next(c for c in t.components if c.name == "temperature").value == pytest.approx(38.5)


def test_explicit_inputs_override_the_note() -> None:
    text = "A 70-year-old man with pneumonia. BP 120/80 mmHg, RR 18/min. BUN 10 mg/dL. Alert."
    r = calculate("curb65", text=text, inputs={"age": 40})
    age = next(c for c in r.components if c.name == "age")
    assert age.value == 40 and age.evidence[0].source == "input"
    assert r.value == 0


def test_missing_inputs_give_missing_and_possible_range() -> None:
    r = calculate("curb65", inputs={"age": 70})
    assert r.value is None
    assert set(r.missing) == {"bun", "respiratory_rate", "sbp", "dbp"}
    assert r.possible_range == (1, 4)
    r = calculate("cha2ds2_vasc", inputs={"sex": "female"})
    assert r.missing == ["age"]
    assert r.possible_range == (1, 3)  # female 1 + age 0..2


def test_not_mentioned_criteria_are_assumed_absent_with_evidence() -> None:
    r = calculate("cha2ds2_vasc", inputs={"age": 50, "sex": "male"})
    assert r.value == 0
    chf = next(c for c in r.components if c.name == "chf")
    assert chf.evidence[0].source == "assumed"
    assert "assumed absent" in (chf.evidence[0].note or "")


def test_every_point_from_the_note_has_a_span() -> None:
    text = (
        "72-year-old woman with atrial fibrillation, hypertension and type 2 diabetes. "
        "No history of stroke or heart failure."
    )
    r = calculate("cha2ds2_vasc", text=text)
    assert r.value == 1 + 1 + 1 + 1  # age 65-74, female, hypertension, diabetes
    for comp in r.components:
        if comp.points:
            ev = comp.evidence[0]
            assert ev.source == "note"
            assert text[ev.start : ev.end] == ev.text
    stroke = next(c for c in r.components if c.name == "stroke_tia_thromboembolism")
    assert stroke.value is False and stroke.evidence[0].source == "note"


def test_contradictory_ages_are_flagged() -> None:
    text = "A 67-year-old man presents with cough. ... The 76-year-old patient was admitted. BP 120/70 mmHg."
    r = calculate("cha2ds2_vasc", text=text)
    assert any("contradictory ages" in f for f in r.flags)


def test_score_analysis_reports_news2_and_qsofa_when_vitals_present() -> None:
    text = "Temp 38.9 C, HR 118, BP 92/58 mmHg, RR 26, SpO2 91% on room air. Confused."
    results = score_analysis(text, extract(text))
    ids = [r.calculator_id for r in results]
    assert ids[:2] == ["news2", "qsofa"]
    news = results[0]
    assert news.value == 3 + 3 + 0 + 2 + 2 + 3 + 1  # RR, SpO2, air, SBP, HR, confusion, temp
    assert "cha2ds2_vasc" not in ids  # no atrial fibrillation in the note


def test_score_analysis_partial_news2_has_range() -> None:
    text = "HR 80, BP 130/80 mmHg."
    results = score_analysis(text, extract(text))
    news = next(r for r in results if r.calculator_id == "news2")
    assert news.value is None and news.possible_range is not None
    assert "respiratory_rate" in news.missing


def test_note_facts_condition_states() -> None:
    facts = facts_with_rules(
        "History of hypertension. Denies chest pain. Father had diabetes.",
        {"t.chest_pain": ("chest pain",), "t.asthma": ("asthma",)},
    )
    assert facts.condition("hypertension").value is True
    neg = facts.condition("t.chest_pain")
    assert neg is not None and neg.value is False
    assert facts.condition("diabetes") is None or facts.condition("diabetes").value is not True
    assert facts.condition("t.asthma") is None
