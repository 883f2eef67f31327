"""Calculators read negation, hedging and experiencer through the text engine's context."""

from __future__ import annotations

from medassist.risk import calculate
from medassist.risk.facts import NoteFacts


def _component(result, name: str):  # noqa: ANN001, ANN202 - test helper
    return next(c for c in result.components if c.name == name)


def test_no_past_history_does_not_negate_the_presenting_complaint() -> None:
    facts = NoteFacts.from_text(
        "A 39-year-old man with no past medical history presented with midsternal chest pain."
    )
    found = facts.condition(r"(?:retro|sub|mid)[- ]?sternal")
    assert found is not None and found.value is True


def test_family_history_criterion_counts_a_relative() -> None:
    note = (
        "67-year-old man for elective hernia repair. He has a family history of thrombosis "
        "in his mother. No personal history of DVT."
    )
    result = calculate("caprini", text=note)
    assert _component(result, "family_history_thrombosis").points == 3
    facts = NoteFacts.from_text(note)
    assert facts.condition(r"family history of (?:\w+ )?thrombo\w+") is None  # not the patient
    fam = facts.family_history(r"family history of (?:\w+ )?thrombo\w+")
    assert fam is not None and fam.value is True


def test_negated_family_history_stays_negated() -> None:
    facts = NoteFacts.from_text("She has no family history of thrombosis.")
    fam = facts.family_history(r"family history of (?:\w+ )?thrombo\w+")
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
    facts = NoteFacts.from_text(
        "Urology advised screening for metastatic disease. The ECG was not entirely convincing "
        "of STEMI."
    )
    assert (
        facts.condition("metastatic disease") is None
        or not facts.condition("metastatic disease").value
    )
    stemi = facts.condition("STEMI")
    assert stemi is None or stemi.value is not True
