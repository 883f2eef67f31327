"""Structured medication extraction: dose, unit, route, frequency, PRN, duration, status."""

from __future__ import annotations

import csv
import re
import time
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from medassist.errors import InputError
from medassist.schemas.common import Span
from medassist.schemas.text import ContextAssertion, Entity, EntityCategory, Medication, Section
from medassist.text.drugs import find_drug_mentions
from medassist.text.medications import (
    extract_medications,
    normalize_frequency,
    normalize_unit,
    parse_sig,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def simple_sentences(text: str) -> list[Span]:
    """A naive splitter for the fixtures: line breaks and ". " followed by a capital."""
    spans: list[Span] = []
    start = 0
    for match in re.finditer(r"\n|\.\s+(?=[A-Z])", text):
        if match.start() > start:
            spans.append(Span(start=start, end=match.end()))
        start = match.end()
    if start < len(text):
        spans.append(Span(start=start, end=len(text)))
    return spans


def meds(text: str, sections: list[Section] | None = None) -> list[Medication]:
    return extract_medications(
        text, simple_sentences(text), sections or [], find_drug_mentions(text)
    )


def fields(med: Medication) -> dict[str, Any]:
    data = med.model_dump(exclude={"context", "start", "end", "text", "section"})
    return {k: v for k, v in data.items() if v not in (None, False)}


# (id, text, expected fields of the first medication; "status" defaults to "unknown")
SINGLE: list[tuple[str, str, dict[str, Any]]] = [
    (
        "metformin_po_bid",
        "metformin 500 mg PO BID",
        {
            "name": "metformin",
            "drugbank_id": "DB00331",
            "dose": 500.0,
            "unit": "mg",
            "route": "PO",
            "frequency": "BID",
        },
    ),
    (
        "lisinopril_joined_unit",
        "lisinopril 10mg daily",
        {
            "name": "lisinopril",
            "drugbank_id": "DB00722",
            "dose": 10.0,
            "unit": "mg",
            "frequency": "daily",
        },
    ),
    ("asa_81_bare", "ASA 81", {"name": "aspirin", "drugbank_id": "DB00945", "dose": 81.0}),
    (
        "glargine_units_qhs",
        "insulin glargine 20 units qHS",
        {
            "name": "insulin glargine",
            "drugbank_id": "DB00047",
            "dose": 20.0,
            "unit": "units",
            "frequency": "qHS",
        },
    ),
    (
        "stopped_warfarin",
        "stopped warfarin",
        {"name": "warfarin", "drugbank_id": "DB00682", "status": "stopped"},
    ),
    (
        "tylenol_prn_pain",
        "Tylenol 650 q6h prn pain",
        {
            "name": "acetaminophen",
            "drugbank_id": "DB00316",
            "dose": 650.0,
            "frequency": "q6h",
            "as_needed": True,
            "prn_reason": "pain",
        },
    ),
    (
        "norco_tab_range",
        "Norco 5/325 1-2 tabs q4-6h PRN",
        {
            "name": "hydrocodone/acetaminophen",
            "strength": "5/325",
            "dose": 1.0,
            "dose_max": 2.0,
            "unit": "tabs",
            "frequency": "q4-6h",
            "as_needed": True,
        },
    ),
    (
        "albuterol_puffs_prn",
        "albuterol 2 puffs q4h prn wheeze",
        {
            "name": "albuterol",
            "drugbank_id": "DB01001",
            "dose": 2.0,
            "unit": "puffs",
            "route": "inhaled",
            "frequency": "q4h",
            "as_needed": True,
            "prn_reason": "wheeze",
        },
    ),
    (
        "heparin_drip_started",
        "He was started on heparin drip.",
        {
            "name": "heparin",
            "drugbank_id": "DB01109",
            "route": "IV",
            "frequency": "continuous",
            "status": "started",
        },
    ),
    (
        "hold_parameter_not_dose",
        "Hold metoprolol for SBP < 100.",
        {"name": "metoprolol", "drugbank_id": "DB00264", "status": "held"},
    ),
    (
        "half_tablet_multiplies",
        "Lopressor 50 mg one-half tablet twice a day.",
        {
            "name": "metoprolol",
            "drugbank_id": "DB00264",
            "dose": 25.0,
            "unit": "mg",
            "frequency": "BID",
        },
    ),
    (
        "two_tablets_multiply",
        "Acetaminophen 325 mg 2 tablets twice daily",
        {
            "name": "acetaminophen",
            "drugbank_id": "DB00316",
            "dose": 650.0,
            "unit": "mg",
            "frequency": "BID",
        },
    ),
    (
        "percocet_dotted_sig",
        "Percocet 5/325 mg #30 1-2 p.o. q.4-6h. p.r.n., pain",
        {
            "name": "oxycodone/acetaminophen",
            "strength": "5/325 mg",
            "dose": 1.0,
            "dose_max": 2.0,
            "unit": "tabs",
            "route": "PO",
            "frequency": "q4-6h",
            "as_needed": True,
            "prn_reason": "pain",
        },
    ),
    (
        "zofran_iv_prn_reason_slash",
        "Zofran 4 mg IV q.6h. prn nausea/vomiting",
        {
            "name": "ondansetron",
            "drugbank_id": "DB00904",
            "dose": 4.0,
            "unit": "mg",
            "route": "IV",
            "frequency": "q6h",
            "as_needed": True,
            "prn_reason": "nausea/vomiting",
        },
    ),
    (
        "keflex_duration_for",
        "Keflex 500 mg one p.o. t.i.d. for 10 days",
        {
            "name": "cephalexin",
            "drugbank_id": "DB00567",
            "dose": 500.0,
            "unit": "mg",
            "route": "PO",
            "frequency": "TID",
            "duration": "10 days",
        },
    ),
    (
        "levofloxacin_duration_x",
        "Levofloxacin 750 mg PO daily x 7 days",
        {
            "name": "levofloxacin",
            "dose": 750.0,
            "unit": "mg",
            "route": "PO",
            "frequency": "daily",
            "duration": "7 days",
        },
    ),
    (
        "route_before_name",
        "IV Protonix 40 mg q.12h.",
        {"name": "pantoprazole", "dose": 40.0, "unit": "mg", "route": "IV", "frequency": "q12h"},
    ),
    (
        "passive_discontinued",
        "Coumadin was discontinued.",
        {"name": "warfarin", "status": "stopped"},
    ),
    (
        "which_was_discontinued",
        "Coumadin, which was discontinued 2 days ago.",
        {"name": "warfarin", "status": "stopped"},
    ),
    (
        "increase_to_changed",
        "Increase lisinopril to 20 mg daily.",
        {
            "name": "lisinopril",
            "dose": 20.0,
            "unit": "mg",
            "frequency": "daily",
            "status": "changed",
        },
    ),
    (
        "decreased_passive",
        "Lasix was decreased to 20 mg daily.",
        {
            "name": "furosemide",
            "dose": 20.0,
            "unit": "mg",
            "frequency": "daily",
            "status": "changed",
        },
    ),
    (
        "thousands_units_weekly",
        "Vitamin D 50,000 units weekly",
        {"name": "ergocalciferol", "dose": 50000.0, "unit": "units", "frequency": "weekly"},
    ),
    (
        "dose_before_name",
        "81 mg aspirin daily",
        {"name": "aspirin", "dose": 81.0, "unit": "mg", "frequency": "daily"},
    ),
    (
        "drip_rate",
        "heparin drip at 1,000 units/hr",
        {
            "name": "heparin",
            "dose": 1000.0,
            "unit": "units/hr",
            "route": "IV",
            "frequency": "continuous",
        },
    ),
    (
        "weight_based_rate",
        "Dopamine at 5 mcg/kg/min",
        {
            "name": "dopamine",
            "dose": 5.0,
            "unit": "mcg/kg/min",
            "route": "IV",
            "frequency": "continuous",
        },
    ),
    (
        "x1_is_once",
        "Lasix 40 mg IV x1",
        {"name": "furosemide", "dose": 40.0, "unit": "mg", "route": "IV", "frequency": "once"},
    ),
    (
        "sl_q5min_prn",
        "Nitroglycerin 0.4 mg SL q5min x3 prn chest pain",
        {
            "name": "nitroglycerin",
            "dose": 0.4,
            "unit": "mg",
            "route": "SL",
            "frequency": "q5min",
            "as_needed": True,
            "prn_reason": "chest pain",
        },
    ),
    ("on_home_med_active", "He is on his home aspirin.", {"name": "aspirin", "status": "active"}),
    (
        "combo_inhaler_puff",
        "Advair 250/50 1 puff b.i.d.",
        {
            "name": "fluticasone and salmeterol",
            "strength": "250/50",
            "dose": 1.0,
            "unit": "puffs",
            "route": "inhaled",
            "frequency": "BID",
        },
    ),
    (
        "bedtime_phrase",
        "Lantus 20 units at bedtime",
        {"name": "insulin glargine", "dose": 20.0, "unit": "units", "frequency": "qHS"},
    ),
    (
        "meq_unit",
        "potassium chloride 20 mEq PO BID",
        {
            "name": "potassium chloride",
            "dose": 20.0,
            "unit": "mEq",
            "route": "PO",
            "frequency": "BID",
        },
    ),
    (
        "microgram_sign",
        "fentanyl 50 µg IV now",
        {"name": "fentanyl", "dose": 50.0, "unit": "mcg", "route": "IV"},
    ),
    (
        "ug_spelling",
        "levothyroxine 75 ug daily",
        {"name": "levothyroxine", "dose": 75.0, "unit": "mcg", "frequency": "daily"},
    ),
    (
        "cc_to_ml",
        "lactulose 30 cc PO TID",
        {"name": "lactulose", "dose": 30.0, "unit": "mL", "route": "PO", "frequency": "TID"},
    ),
    (
        "subcut_enoxaparin",
        "enoxaparin 40 mg subcut daily",
        {"name": "enoxaparin", "dose": 40.0, "unit": "mg", "route": "SC", "frequency": "daily"},
    ),
    (
        "sq_heparin_q8",
        "heparin 5000 units SQ q8h",
        {"name": "heparin", "dose": 5000.0, "unit": "units", "route": "SC", "frequency": "q8h"},
    ),
    (
        "every_hours_words",
        "oxycodone 5 mg by mouth every 4 to 6 hours as needed for pain",
        {
            "name": "oxycodone",
            "dose": 5.0,
            "unit": "mg",
            "route": "PO",
            "frequency": "q4-6h",
            "as_needed": True,
            "prn_reason": "pain",
        },
    ),
    (
        "nightly",
        "simvastatin 40 mg nightly",
        {"name": "simvastatin", "dose": 40.0, "unit": "mg", "frequency": "qHS"},
    ),
    (
        "qam",
        "prednisone 10 mg q.a.m.",
        {"name": "prednisone", "dose": 10.0, "unit": "mg", "frequency": "qAM"},
    ),
    (
        "every_other_day",
        "furosemide 20 mg every other day",
        {"name": "furosemide", "dose": 20.0, "unit": "mg", "frequency": "every other day"},
    ),
    (
        "qd_dotted",
        "Coumadin 7.5mg q.d.",
        {"name": "warfarin", "dose": 7.5, "unit": "mg", "frequency": "daily"},
    ),
    (
        "four_times_a_day",
        "Dilantin 100 mg four times a day",
        {"name": "phenytoin", "dose": 100.0, "unit": "mg", "frequency": "QID"},
    ),
    (
        "weekly_methotrexate",
        "MTX 15 mg PO once a week",
        {"name": "methotrexate", "dose": 15.0, "unit": "mg", "route": "PO", "frequency": "weekly"},
    ),
    (
        "transdermal_patch",
        "fentanyl patch 25 mcg/hr every 72 hours",
        {
            "name": "fentanyl patch",
            "dose": 25.0,
            "unit": "mcg/hr",
            "route": "transdermal",
            "frequency": "q72h",
        },
    ),
    (
        "via_ng",
        "metoprolol 25 mg via NG tube BID",
        {"name": "metoprolol", "dose": 25.0, "unit": "mg", "route": "NG", "frequency": "BID"},
    ),
    (
        "held_bare",
        "Lasix 40 mg held today.",
        {"name": "furosemide", "dose": 40.0, "unit": "mg", "status": "held"},
    ),
    ("dc_abbrev", "Metformin d/c'd due to AKI.", {"name": "metformin", "status": "stopped"}),
    (
        "initiated_on",
        "Patient was initiated on amiodarone 400 mg daily.",
        {
            "name": "amiodarone",
            "dose": 400.0,
            "unit": "mg",
            "frequency": "daily",
            "status": "started",
        },
    ),
    (
        "continue_home",
        "Continue home lisinopril 20 mg daily.",
        {
            "name": "lisinopril",
            "dose": 20.0,
            "unit": "mg",
            "frequency": "daily",
            "status": "continued",
        },
    ),
    (
        "ratio_is_not_dose",
        "lidocaine with epinephrine 1:100,000 was injected",
        {"name": "lidocaine"},
    ),
    (
        "word_count_puffs",
        "Combivent two puffs t.i.d.",
        {
            "name": "albuterol and ipratropium",
            "dose": 2.0,
            "unit": "puffs",
            "route": "inhaled",
            "frequency": "TID",
        },
    ),
    (
        "dose_range_mg",
        "morphine 2-4 mg IV q2h prn severe pain",
        {
            "name": "morphine",
            "dose": 2.0,
            "dose_max": 4.0,
            "unit": "mg",
            "route": "IV",
            "frequency": "q2h",
            "as_needed": True,
            "prn_reason": "severe pain",
        },
    ),
    (
        "off_is_stopped",
        "He has been off warfarin since the bleed.",
        {"name": "warfarin", "status": "stopped"},
    ),
    (
        "adjective_adjusted_is_not_a_change",
        "He was given a weight-adjusted dose of cefazolin.",
        {"name": "cefazolin"},
    ),
    (
        "hyphenated_unit",
        "Plaquenil 200-mg b.i.d.",
        {"name": "hydroxychloroquine", "dose": 200.0, "unit": "mg", "frequency": "BID"},
    ),
    # the concentration in the name (370) is not a dose; the volume given is
    (
        "contrast_concentration_not_dose",
        "Isovue-370, 120 mL given",
        {"name": "iopamidol", "dose": 120.0, "unit": "mL"},
    ),
    (
        "times_a_day_not_dose",
        "Lortab 3-4 times a day for pain",
        {"name": "hydrocodone/acetaminophen", "frequency": "QID"},
    ),
    (
        "minutes_not_dose",
        "1 g Ancef IV 30 minutes preoperatively",
        {"name": "cefazolin", "dose": 1.0, "unit": "g", "route": "IV"},
    ),
    (
        "scoop_count_unit",
        "MiraLax 1 scoop nightly",
        {"name": "polyethylene glycol 3350", "dose": 1.0, "unit": "scoops", "frequency": "qHS"},
    ),
    (
        "mtsamples_line_join_ends_the_sig",
        "Cytoxan.,On 7/22/93 she developed fever and took it daily",
        {"name": "cyclophosphamide"},
    ),
    (
        "prn_basis_is_not_a_reason",
        "Ambien 5 mg q.h.s. on a p.r.n. basis",
        {"name": "zolpidem", "dose": 5.0, "unit": "mg", "frequency": "qHS", "as_needed": True},
    ),
    (
        "prn_heading_is_not_a_reason",
        "Ambien 5 mg p.o. q.h.s. p.r.n.,ALLERGIES: none",
        {
            "name": "zolpidem",
            "dose": 5.0,
            "unit": "mg",
            "route": "PO",
            "frequency": "qHS",
            "as_needed": True,
        },
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in SINGLE], ids=[c[0] for c in SINGLE])
def test_single_medication(text: str, expected: dict[str, Any]) -> None:
    found = meds(text)
    assert found, "no medication found"
    expected = {"status": "unknown", **expected}
    got = fields(found[0])
    assert {k: got.get(k) for k in expected} == expected
    # nothing beyond what is expected was invented
    assert set(got) - set(expected) <= {"drugbank_id"}


def test_comma_list_on_one_line() -> None:
    text = "Meds: lisinopril 20 daily, atorvastatin 40 qhs, ASA 81"
    found = meds(text)
    assert [(m.name, m.dose, m.unit, m.frequency, m.status) for m in found] == [
        ("lisinopril", 20.0, None, "daily", "active"),
        ("atorvastatin", 40.0, None, "qHS", "active"),
        ("aspirin", 81.0, None, None, "active"),
    ]


def test_numbered_list_in_medications_section() -> None:
    text = (
        "MEDICATIONS:\n"
        "1. Metoprolol 100 mg b.i.d.\n"
        "2. Diltiazem 120 mg daily.\n"
        "3. Hydrocodone 10/500 mg p.r.n.\n"
        "4. Lipitor\n"
        "ALLERGIES: Penicillin."
    )
    header_end = text.index("\n") + 1
    allergies = text.index("ALLERGIES")
    sections = [
        Section(
            name="medications", header="MEDICATIONS:", start=0, body_start=header_end, end=allergies
        ),
        Section(
            name="allergies",
            header="ALLERGIES:",
            start=allergies,
            body_start=allergies + 10,
            end=len(text),
        ),
    ]
    found = meds(text, sections)
    assert [
        (m.name, m.dose, m.unit, m.frequency, m.as_needed, m.status, m.section) for m in found
    ] == [
        ("metoprolol", 100.0, "mg", "BID", False, "active", "medications"),
        ("diltiazem", 120.0, "mg", "daily", False, "active", "medications"),
        ("hydrocodone", None, None, None, True, "active", "medications"),
        ("atorvastatin", None, None, None, False, "active", "medications"),
        ("penicillin", None, None, None, False, "unknown", "allergies"),
    ]


def test_mtsamples_style_run_on_list() -> None:
    text = ",1.  Metoprolol 100 mg b.i.d.,2.  Diltiazem 120 mg daily.,3.  Lipitor,4.  Effexor."
    found = meds(text)
    assert [(m.name, m.dose, m.frequency) for m in found] == [
        ("metoprolol", 100.0, "BID"),
        ("diltiazem", 120.0, "daily"),
        ("atorvastatin", None, None),
        ("venlafaxine", None, None),
    ]


def test_status_cues_attach_to_the_right_drug() -> None:
    found = meds("Started aspirin 81 mg daily, stopped metoprolol.")
    assert [(m.name, m.status) for m in found] == [
        ("aspirin", "started"),
        ("metoprolol", "stopped"),
    ]
    found = meds("Continue metoprolol and lisinopril, hold HCTZ.")
    assert [(m.name, m.status) for m in found] == [
        ("metoprolol", "continued"),
        ("lisinopril", "continued"),
        ("hydrochlorothiazide", "held"),
    ]


def test_dose_of_previous_drug_is_not_reused() -> None:
    found = meds("Versed 2 mg and fentanyl 50 mcg were given.")
    assert [(m.name, m.dose, m.unit) for m in found] == [
        ("midazolam", 2.0, "mg"),
        ("fentanyl", 50.0, "mcg"),
    ]


def test_context_is_copied_not_shared() -> None:
    text = "No history of warfarin use."
    entity = find_drug_mentions(text)[0]
    entity.context = ContextAssertion(negated=True, triggers={"negated": "no history of"})
    entity.section = "pmh"
    [med] = extract_medications(text, simple_sentences(text), [], [entity])
    assert med.context.negated and med.context.triggers == {"negated": "no history of"}
    assert med.section == "pmh"
    med.context.triggers["x"] = "y"
    assert "x" not in entity.context.triggers


def test_only_medication_entities_are_used_and_overlaps_are_dropped() -> None:
    text = "Chest pain treated with aspirin 325 mg."
    symptom = Entity(
        text="Chest pain", start=0, end=10, category=EntityCategory.symptom, preferred="chest pain"
    )
    drug = find_drug_mentions(text)[0]
    overlap = drug.model_copy(update={"start": drug.start + 1, "text": drug.text[1:]})
    found = extract_medications(text, [], [], [symptom, overlap, drug])
    assert [(m.name, m.text, m.dose) for m in found] == [("aspirin", "aspirin", 325.0)]


@pytest.mark.parametrize(
    "sentences",
    [
        [],
        [Span(start=0, end=5)],
        # a bad split right inside "p.o." must not lose the sig
        "split_inside_abbreviation",
        "one_span_per_char",
    ],
    ids=["none", "short_first_only", "split_inside_abbreviation", "one_span_per_char"],
)
def test_robust_to_unusual_sentence_spans(sentences: Any) -> None:
    text = "Was started on metformin 500 mg p.o. b.i.d. with meals."
    if sentences == "split_inside_abbreviation":
        cut = text.index("p.o.") + 2
        sentences = [Span(start=0, end=cut), Span(start=cut, end=len(text))]
    elif sentences == "one_span_per_char":
        sentences = [Span(start=i, end=i + 1) for i in range(len(text))]
    [med] = extract_medications(text, sentences, [], find_drug_mentions(text))
    assert (med.dose, med.unit, med.route, med.frequency) == (500.0, "mg", "PO", "BID")


def test_invalid_input_and_empty_cases() -> None:
    assert extract_medications("", [], [], []) == []
    assert extract_medications("no drugs here", [], [], []) == []
    with pytest.raises(InputError):
        extract_medications(None, [], [], [])  # type: ignore[arg-type]
    # an entity outside the text is ignored, not a crash
    ghost = Entity(
        text="aspirin", start=50, end=57, category=EntityCategory.medication, preferred="aspirin"
    )
    assert extract_medications("short", [], [], [ghost]) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("µg", "mcg"),
        ("ug", "mcg"),
        ("micrograms", "mcg"),
        ("MG", "mg"),
        ("cc", "mL"),
        ("Units", "units"),
        ("IU", "units"),
        ("tablets", "tabs"),
        ("gtts", "drops"),
        ("mcg/kg/min", "mcg/kg/min"),
        ("units/hour", "units/hr"),
        (None, None),
    ],
    ids=lambda v: str(v),
)
def test_normalize_unit(raw: str | None, expected: str | None) -> None:
    assert normalize_unit(raw) == expected


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("b.i.d.", "BID"),
        ("twice a day", "BID"),
        ("t.i.d.", "TID"),
        ("q.i.d.", "QID"),
        ("qd", "daily"),
        ("q.d.", "daily"),
        ("once daily", "daily"),
        ("nightly", "qHS"),
        ("q.h.s.", "qHS"),
        ("q4h", "q4h"),
        ("q6-8h", "q6-8h"),
        ("every 6 hours", "q6h"),
        ("q24h", "daily"),
        ("weekly", "weekly"),
        ("three times a week", "3 times weekly"),
        ("q.o.d.", "every other day"),
        ("stat", "once"),
        ("every evening", "qPM"),
        ("at bedtime", "qHS"),
        ("every 4 to 6 hours", "q4-6h"),
        ("once a week", "weekly"),
    ],
    ids=lambda v: str(v),
)
def test_normalize_frequency(phrase: str, expected: str) -> None:
    assert normalize_frequency(phrase) == expected


def test_parse_sig_never_takes_a_distant_number() -> None:
    sig = parse_sig(" for SBP < 100 or HR < 55")
    assert sig.dose is None and sig.unit is None
    sig = parse_sig(" (Toprol XL) 50 mg PO daily")
    assert (sig.dose, sig.unit, sig.route, sig.frequency) == (50.0, "mg", "PO", "daily")


def test_mtsamples_notes_extract_without_error() -> None:
    path = DATA / "mtsamples" / "mtsamples.csv"
    if not path.is_file():
        pytest.skip(f"shared data folder absent: {path}")
    csv.field_size_limit(10**8)
    with path.open(encoding="utf-8") as handle:
        notes = [row["transcription"] for row in islice(csv.DictReader(handle), 200)]
    started = time.perf_counter()
    total = with_dose = 0
    for note in notes:
        found = meds(note)
        total += len(found)
        with_dose += sum(m.dose is not None for m in found)
        for med in found:
            assert note[med.start : med.end] == med.text
            assert med.dose is None or med.dose > 0
    elapsed = time.perf_counter() - started
    print(
        f"\n{len(notes)} MTSamples notes: {total} medications ({with_dose} with a dose), "
        f"{elapsed / len(notes) * 1e6:.0f} µs/note (drug recognition + extraction)"
    )
    assert with_dose > 0
