"""Calculators read negation, hedging and experiencer through the text engine's context."""

from __future__ import annotations

import pytest
from rule_facts import facts_with_rules

from medassist.risk import calculate
from medassist.risk.facts import NoteFacts


def _component(result, name: str):  # noqa: ANN001, ANN202 - test helper
    return next(c for c in result.components if c.name == name)


def test_no_past_history_does_not_negate_the_presenting_complaint() -> None:
    facts = NoteFacts.from_text(
        "A 39-year-old man with no past medical history presented with midsternal chest pain."
    )
    found = facts.condition("cues.heart.retrosternal")
    assert found is not None and found.value is True


def test_family_history_criterion_counts_a_relative() -> None:
    note = (
        "67-year-old man for elective hernia repair. He has a family history of thrombosis "
        "in his mother. No personal history of DVT."
    )
    result = calculate("caprini", text=note)
    assert _component(result, "family_history_thrombosis").points == 3
    facts = NoteFacts.from_text(note)
    assert facts.condition("caprini.family_history_thrombosis") is None  # not the patient
    fam = facts.family_history("caprini.family_history_thrombosis")
    assert fam is not None and fam.value is True


def test_negated_family_history_stays_negated() -> None:
    facts = NoteFacts.from_text("She has no family history of thrombosis.")
    fam = facts.family_history("caprini.family_history_thrombosis")
    assert fam is not None and fam.value is False


def test_has_bled_liver_item_from_transaminases_over_three_times_normal() -> None:
    note = (
        "72-year-old man with atrial fibrillation on warfarin. AST and ALT were 4 times the "
        "normal value, suggesting liver disease."
    )
    liver = _component(calculate("has_bled", text=note), "liver_disease")
    assert liver.points == 1
    mild = "68-year-old with atrial fibrillation on warfarin. ALT was 2 times the normal value."
    assert _component(calculate("has_bled", text=mild), "liver_disease").points == 0


def test_hedged_mention_is_not_affirmed() -> None:
    facts = facts_with_rules(
        "Urology advised screening for metastatic disease. The ECG was not entirely convincing "
        "of STEMI.",
        {"t.metastatic": ("metastatic disease",), "t.stemi": ("STEMI",)},
    )
    assert facts.condition("t.metastatic") is None or not facts.condition("t.metastatic").value
    stemi = facts.condition("t.stemi")
    assert stemi is None or stemi.value is not True


def test_scheduled_transplant_is_not_immunocompromise() -> None:
    note = (
        "57-year-old man in the emergency department with chronic renal failure managed "
        "conservatively; he is scheduled for a kidney transplant. Temperature 37.2 C, HR 73, "
        "RR 27, BP 190/103, GCS 15."
    )
    chronic = _component(calculate("apache2", text=note), "chronic_organ_insufficiency")
    assert chronic.points == 0


def test_caprini_planned_operation_counts_and_spinal_injury_needs_paralysis() -> None:
    planned = "62-year-old woman scheduled for elective total knee arthroplasty next week."
    surgery = _component(calculate("caprini", text=planned), "surgery_type")
    assert surgery.value == "elective major lower extremity arthroplasty"
    walking = (
        "70-year-old after a fall resulting in a spinal injury; she is able to ambulate "
        "normally. A motor vehicle accident last month injured her left leg."
    )
    result = calculate("caprini", text=walking)
    assert _component(result, "spinal_cord_injury").points == 0
    assert _component(result, "multiple_trauma").points == 0
    cord = "45-year-old man with an acute spinal cord injury and paraplegia two weeks ago."
    assert _component(calculate("caprini", text=cord), "spinal_cord_injury").points == 5


def test_heart_history_mixed_elements_are_moderately_suspicious() -> None:
    typical = (
        "55-year-old man with retrosternal chest pressure radiating to the left arm, worse on "
        "exertion, with diaphoresis."
    )
    mixed = typical + " The pain is sharp, lasted several hours and is reproduced by palpation."
    assert _component(calculate("heart", text=typical), "history").value == "highly suspicious"
    assert _component(calculate("heart", text=mixed), "history").value == "moderately suspicious"


def test_anion_gap_ions_come_from_one_sample() -> None:
    note = (
        "Serum sodium 133 mmol/L, potassium 2.7 mmol/L, albumin 3.2 g/dL. Arterial blood gas: "
        "pH 7.22, HCO3 11.3 with base deficit of - 17 mmol/L, Na+ 139 meq/L, Cl 122 mmol/L."
    )
    gap = calculate("anion_gap", text=note)
    assert gap.value == pytest.approx(139 - 122 - 11.3)


def test_framingham_risk_is_reported_to_one_decimal() -> None:
    r = calculate(
        "framingham_chd",
        inputs={
            "age": 35,
            "sex": "female",
            "smoker": False,
            "total_cholesterol": 126,
            "hdl": 30,
            "sbp": 100,
            "bp_treated": True,
        },
    )
    assert r.value == 0.0
