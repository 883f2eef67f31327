"""The allergy reading (medassist.text.allergies) and its lines in the summary and report."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from medassist.text.allergies import allergies_line
from medassist.text.engine import extract


@pytest.mark.parametrize(
    ("note", "kind"),
    [
        ("29F, cough 3/7. NKDA. Meds: salbutamol prn.", "drug"),
        ("ALLERGIES: No known drug allergies.\nMEDICATIONS: metformin 500 mg bd.", "drug"),
        ("Allergies: NKMA", "drug"),
        ("NKA. Meds: nil.", "any"),
        ("Allergies: nil", "any"),
        ("ALLERGIES:\nNone.\n\nMEDICATIONS: aspirin 81 mg daily.", "any"),
        ("He has no known allergies.", "any"),
        ("Patient denies any drug allergies.", "any"),
        ("NKFA, eats a normal diet.", "food"),
    ],
)
def test_statements_of_no_known_allergies(note: str, kind: str) -> None:
    reading = extract(note).allergies
    assert reading.documented and reading.no_known == kind
    assert reading.allergens == []
    assert reading.no_known_span is not None
    assert note[slice(*reading.no_known_span)] == reading.no_known_text


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        (
            "ALLERGIES: Penicillin (rash), sulfa, latex.\nMEDICATIONS: aspirin 81 mg daily.",
            [("penicillin", "rash"), ("sulfa", None), ("latex", None)],
        ),
        ("He is allergic to codeine and takes aspirin daily.", [("codeine", None)]),
        (
            "PMH: HTN. Allergic to shellfish (anaphylaxis) and peanuts.",
            [("shellfish", "anaphylaxis"), ("peanuts", None)],
        ),
        (
            "Allergies: amoxicillin - hives; codeine causes nausea",
            [("amoxicillin", "hives"), ("codeine", "nausea")],
        ),
        ("Known penicillin allergy (anaphylaxis).", [("penicillin", "anaphylaxis")]),
        ("Latex intolerance noted.", [("latex", None)]),
    ],
)
def test_allergens_with_reactions(note: str, expected: list[tuple[str, str | None]]) -> None:
    reading = extract(note).allergies
    assert reading.documented and reading.no_known is None
    assert [(a.substance.lower(), a.reaction) for a in reading.allergens] == expected
    for allergen in reading.allergens:
        assert allergen.substance.lower() in note[allergen.start : allergen.end].lower()


def test_a_drug_allergen_carries_its_code_and_is_not_a_medication_taken() -> None:
    ex = extract("Allergies: codeine (vomiting).\nMeds: paracetamol 1 g qds.")
    (codeine,) = ex.allergies.allergens
    assert codeine.substance == "codeine" and codeine.drugbank_id
    assert codeine.reaction == "vomiting"
    assert "codeine" not in {m.name for m in ex.medications}


@pytest.mark.parametrize(
    "note",
    ["No allergy to penicillin.", "Denies allergies to nuts or eggs.", "Chest pain for 2 hours."],
)
def test_negated_or_absent_allergies_name_no_allergen(note: str) -> None:
    assert extract(note).allergies.allergens == []


def test_not_documented_is_not_no_known() -> None:
    reading = extract("Chest pain. Aspirin 300 mg given.").allergies
    assert not reading.documented and reading.no_known is None
    assert allergies_line(reading) == "not documented"


@pytest.mark.parametrize(
    ("note", "sentence"),
    [
        ("29F, cough. NKDA. Meds: salbutamol prn.", "Allergies: no known drug allergies."),
        ("Allergies: penicillin (rash). Meds: aspirin 75 mg od.", "Allergies: penicillin (rash)."),
    ],
)
def test_summary_states_the_allergies(note: str, sentence: str) -> None:
    summary = extract(note).summary
    assert sentence in summary.sentences
    assert not any("Allergies are not documented" in s for s in summary.suggested_next_steps)


def test_summary_asks_to_reconcile_nkda_with_a_named_allergen() -> None:
    summary = extract("Allergies: NKDA, latex.").summary
    assert any("reconciling" in s and "latex" in s for s in summary.suggested_next_steps)


def test_summary_suggests_confirming_undocumented_allergies() -> None:
    summary = extract("Chest pain. Aspirin 300 mg given.").summary
    assert "Allergies are not documented; consider confirming them." in (
        summary.suggested_next_steps
    )


@pytest.mark.parametrize(
    ("note", "line"),
    [
        ("45M, chest pain. NKDA.\n", "Allergies: no known drug allergies"),
        ("Allergies: penicillin (rash), latex.\nMeds: aspirin 81 mg.\n", "Allergies: penicillin"),
        ("Chest pain.\n", "Allergies: not documented"),
    ],
)
def test_text_report_has_an_allergies_line(tmp_path, note: str, line: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "note.txt"
    path.write_text(note, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "medassist", "analyze", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stderr
    assert line in proc.stdout
