from __future__ import annotations

import pytest
from safety_corpus import grounding_corpus

from medassist.safety import GroundingReport, check_grounding
from medassist.safety.quantities import find_quantities, same_quantity

NOTE = (
    "65 yo M with HTN presents with SOB. Denies chest pain, fever or chills; reports cough. "
    "T 38.5C, HR 112 bpm, BP 150/90. Mother had breast cancer. On Lasix 40 mg daily and "
    "metoprolol 25 mg BID. Levothyroxine 50 mcg daily."
)
NOTES, PAIRS = grounding_corpus()


def _kinds(report: GroundingReport) -> list[str]:
    return [item.kind for item in report.unsupported]


@pytest.mark.parametrize(
    "generated",
    [
        "The note documents a 65-year-old man with hypertension and shortness of breath.",
        "Temperature 38.5 °C, heart rate 112/min.",
        "Temperature 38.5 degrees Celsius.",
        "Temperature 101.3 °F.",  # the same temperature in °F
        "Blood pressure 150/90 mmHg.",
        "Furosemide 40 mg daily.",  # brand in the note, generic here
        "Metoprolol 25 mg twice daily.",
        "Levothyroxine 0.05 mg daily.",  # 50 mcg
        "The patient denies fever.",
        "The patient reports a cough but no chest pain.",
        "Family history: breast cancer in the mother.",
    ],
)
def test_supported_statements_pass(generated: str) -> None:
    report = check_grounding(generated, NOTE)
    assert report.unsupported == [], [(i.text, i.reason) for i in report.unsupported]
    assert report.supported


@pytest.mark.parametrize(
    ("generated", "kind", "flagged"),
    [
        ("Temperature 39.5 °C.", "number", "39.5 °C"),
        ("Heart rate 121 bpm.", "number", "121 bpm"),
        ("Metoprolol 50 mg BID.", "dose", "50 mg"),
        ("Levothyroxine 50 mg daily.", "dose", "50 mg"),  # unit change mcg -> mg
        ("Started on amoxicillin.", "medication", "amoxicillin"),
        ("The patient reports chest pain.", "claim", "chest pain"),
        ("The patient has breast cancer.", "claim", "breast cancer"),
        ("The patient has a fever.", "claim", "fever"),
        ("Severe headache.", "entity", "headache"),
    ],
)
def test_unsupported_facts_flagged_with_span(generated: str, kind: str, flagged: str) -> None:
    report = check_grounding(generated, NOTE)
    items = [i for i in report.unsupported if i.kind == kind]
    assert items, (kind, [(i.kind, i.text) for i in report.unsupported])
    item = items[0]
    assert generated[item.span.start : item.span.end] == item.text
    assert flagged in generated[item.span.start : item.span.end + 4] or item.text in flagged
    assert item.reason


def test_negation_flip_reason() -> None:
    (item,) = check_grounding("Chest pain is reported.", NOTE).unsupported
    assert item.kind == "claim" and "negation" in item.reason and "chest pain" in item.text.lower()


def test_experiencer_flip_reason() -> None:
    items = check_grounding("Patient has breast cancer.", NOTE).unsupported
    assert items and all("experiencer" in i.reason for i in items)


def test_unit_change_reason_names_the_note_value() -> None:
    (item,) = check_grounding("Heart rate 112 mmHg.", NOTE).unsupported
    assert item.kind == "number" and "unit" in item.reason


def test_facts_support_normalised_values() -> None:
    from medassist.schemas.text import Measurement, TextExtraction

    facts = TextExtraction(
        text_length=10,
        vitals=[
            Measurement(
                kind="vital",
                name="weight",
                text="wt 180 lb",
                start=0,
                end=9,
                value=180,
                unit="lb",
                normalized_value=81.6,
                normalized_unit="kg",
            )
        ],
    )
    assert check_grounding("Weight 81.6 kg.", "wt 180 lb", facts=facts).unsupported == []
    assert check_grounding("Weight 91.6 kg.", "wt 180 lb", facts=facts).unsupported


def test_empty_generated_text() -> None:
    report = check_grounding("  ", NOTE)
    assert report.unsupported == [] and report.supported == []


def test_quantity_equivalence() -> None:
    (a,) = find_quantities("38.5 °C")
    (b,) = find_quantities("38.5C")
    (c,) = find_quantities("101.3 F")
    (d,) = find_quantities("38.5 mg")
    assert same_quantity(a, b) and same_quantity(a, c)
    assert not same_quantity(a, d)
    (g,) = find_quantities("0.5 g")
    (mg,) = find_quantities("500 mg")
    (mcg,) = find_quantities("500 mcg")
    assert same_quantity(g, mg) and not same_quantity(mg, mcg)
    assert [q.value for q in find_quantities("1. cough\n2) BP 120/80")] == [120.0, 80.0]


def test_corpus_size_and_balance() -> None:
    assert len(PAIRS) >= 100
    labels = {p["label"] for p in PAIRS}
    assert labels == {"supported", "unsupported"}
    kinds = {p["kind"] for p in PAIRS if p["label"] == "unsupported"}
    assert {"number", "unit", "negation", "experiencer", "entity", "medication", "dose"} <= kinds


def test_corpus_targets() -> None:
    flagged_unsupported = flagged_supported = n_unsupported = n_supported = 0
    misses = []
    for p in PAIRS:
        report = check_grounding(p["summary"], NOTES[p["note"]])
        if p["label"] == "unsupported":
            n_unsupported += 1
            flagged_unsupported += bool(report.unsupported)
            if not report.unsupported:
                misses.append(p["summary"])
        else:
            n_supported += 1
            flagged_supported += bool(report.unsupported)
            if report.unsupported:
                misses.append(p["summary"])
    recall = flagged_unsupported / n_unsupported
    false_flags = flagged_supported / n_supported
    assert recall >= 0.95, misses
    assert false_flags <= 0.05, misses


def test_heldout_pairs_meet_the_targets() -> None:
    import json

    from safety_corpus import DATA

    notes = json.loads((DATA / "heldout" / "grounding_notes.json").read_text("utf-8"))["notes"]
    pairs = [
        json.loads(x)
        for x in (DATA / "heldout" / "grounding_pairs.jsonl").read_text("utf-8").splitlines()
        if x
    ]
    unsupported = [p for p in pairs if p["label"] == "unsupported"]
    supported = [p for p in pairs if p["label"] == "supported"]
    flag = lambda p: bool(check_grounding(p["summary"], notes[p["note"]]).unsupported)  # noqa: E731
    assert sum(map(flag, unsupported)) / len(unsupported) >= 0.95
    assert sum(map(flag, supported)) / len(supported) <= 0.10


def test_number_words() -> None:
    assert check_grounding("Six headaches per month.", "6 headaches per month").unsupported == []
    (item,) = check_grounding("Seven headaches per month.", "6 headaches per month").unsupported
    assert item.kind == "number"


def test_living_situation_is_grounded_as_one_fact() -> None:
    note = "81-year-old woman after a fall. Confused per daughter. Lives alone."
    assert check_grounding("The patient lives with her daughter.", note).unsupported
    assert not check_grounding("History per daughter.", note).unsupported
    assert not check_grounding(
        "She lives with her daughter.", "Lives with her daughter; independent."
    ).unsupported
