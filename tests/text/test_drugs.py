"""Drug mention recognition: DrugBank ids, brand names/abbreviations, spans, false positives."""

from __future__ import annotations

import bz2
import csv
import importlib.util
import pickle
import time
from itertools import islice
from pathlib import Path

import pytest

from medassist.errors import InputError
from medassist.schemas.text import EntityCategory
from medassist.text.drugs import drug_lexicon_size, find_drug_mentions, lookup_drug

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def mentions(text: str) -> list[tuple[str, str, str | None]]:
    return [(e.text, e.preferred, e.code) for e in find_drug_mentions(text)]


@pytest.fixture(scope="module")
def package_dictionary() -> dict:
    """The raw dictionary of drug-named-entity-recognition, read independently of drugs.py."""
    spec = importlib.util.find_spec("drug_named_entity_recognition")
    assert spec is not None and spec.origin is not None
    path = Path(spec.origin).parent / "drug_ner_dictionary.pkl.bz2"
    with bz2.open(path, "rb") as handle:
        return pickle.load(handle)


KNOWN_IDS = [
    ("aspirin", "DB00945"),
    ("metformin", "DB00331"),
    ("lisinopril", "DB00722"),
    ("warfarin", "DB00682"),
    ("acetaminophen", "DB00316"),
    ("furosemide", "DB00695"),
    ("heparin", "DB01109"),
    ("metoprolol", "DB00264"),
]


@pytest.mark.parametrize(("generic", "drugbank_id"), KNOWN_IDS, ids=[g for g, _ in KNOWN_IDS])
def test_known_drugbank_ids_match_the_package_data(
    package_dictionary: dict, generic: str, drugbank_id: str
) -> None:
    # the expected id is what the package's own data says ...
    assert package_dictionary["drug_canonical_to_data"][generic]["drugbank_id"] == drugbank_id
    # ... and what the recogniser returns in running text
    found = find_drug_mentions(f"Patient takes {generic} every day.")
    assert [(e.preferred, e.code, e.code_system) for e in found] == [
        (generic, drugbank_id, "DrugBank")
    ]


SYNONYMS = [
    ("Tylenol", "acetaminophen", "DB00316"),
    ("paracetamol", "acetaminophen", "DB00316"),
    ("APAP", "acetaminophen", "DB00316"),
    ("ASA", "aspirin", "DB00945"),
    ("EC ASA", "aspirin", "DB00945"),
    ("Coumadin", "warfarin", "DB00682"),
    ("Lasix", "furosemide", "DB00695"),
    ("Zofran", "ondansetron", "DB00904"),
    ("HCTZ", "hydrochlorothiazide", "DB00999"),
    ("KCl", "potassium chloride", "DB00761"),
    ("NTG", "nitroglycerin", "DB00727"),
    ("MTX", "methotrexate", "DB00563"),
    ("tPA", "alteplase", "DB00009"),
    ("LMWH", "enoxaparin", "DB01225"),
    ("Lovenox", "enoxaparin", "DB01225"),
    ("MgSO4", "magnesium sulfate", "DB00653"),
    ("Versed", "midazolam", "DB00683"),
    ("Keflex", "cephalexin", "DB00567"),
    ("Solu-Medrol", "methylprednisolone", "DB00959"),
    ("Toprol-XL", "metoprolol", "DB00264"),
    ("Lantus", "insulin glargine", "DB00047"),
    ("Norco", "hydrocodone/acetaminophen", None),
    ("Percocet", "oxycodone/acetaminophen", None),
    ("Tylenol #3", "acetaminophen/codeine", None),
]


@pytest.mark.parametrize(
    ("surface", "generic", "drugbank_id"), SYNONYMS, ids=[s for s, *_ in SYNONYMS]
)
def test_brand_names_and_abbreviations_map_to_the_generic(
    surface: str, generic: str, drugbank_id: str | None
) -> None:
    text = f"She was given {surface} 1 tab this morning."
    found = find_drug_mentions(text)
    assert [(e.text, e.preferred, e.code) for e in found] == [(surface, generic, drugbank_id)]
    assert lookup_drug(surface) is not None
    assert lookup_drug(surface).name == generic  # type: ignore[union-attr]


def test_spans_are_exact_and_category_is_medication() -> None:
    text = (
        "MEDS:\n1. Metformin 500 mg PO BID\n2. Solu-Medrol 125 mg IV\n3. insulin glargine 20 units"
    )
    found = find_drug_mentions(text)
    assert [e.text for e in found] == ["Metformin", "Solu-Medrol", "insulin glargine"]
    for entity in found:
        assert text[entity.start : entity.end] == entity.text
        assert entity.category == EntityCategory.medication
    assert found[0].start == text.index("Metformin")


def test_longest_match_wins() -> None:
    assert mentions("potassium chloride 20 mEq") == [
        ("potassium chloride", "potassium chloride", "DB00761")
    ]
    assert mentions("Tylenol with Codeine for pain") == [
        ("Tylenol with Codeine", "acetaminophen/codeine", None)
    ]


def test_insulin_brand_followed_by_insulin_is_one_mention() -> None:
    assert mentions("Lantus insulin 15 units every evening") == [
        ("Lantus insulin", "insulin glargine", "DB00047")
    ]


def test_multiword_names_do_not_cross_lines_or_list_punctuation() -> None:
    # "potassium chloride" split by a line break / comma is not one mention
    assert [e.preferred for e in find_drug_mentions("Labs: potassium\nchloride 101")] == []
    assert "potassium chloride" not in [
        e.preferred for e in find_drug_mentions("potassium, chloride")
    ]


PLAIN_TEXT = [
    "He is here today with more pain at 10 am and all of it is in his left knee.",
    "She had ice on the lead wire and the max pan was full.",
    "The patient sits in a chair; caps were removed from the lines.",
    "Skin is warm and dry. Ears and nose are normal. Thyroid gland is not enlarged.",
    "Alkaline phosphatase was 770, ferritin 7 and C-reactive protein elevated.",
    "ASA class II. ASA monitors were attached and general anesthesia was induced.",
]


@pytest.mark.parametrize("text", PLAIN_TEXT, ids=[f"plain{i}" for i in range(len(PLAIN_TEXT))])
def test_no_false_positives_in_plain_text(text: str) -> None:
    assert mentions(text) == []


LAB_OR_DRUG = [
    ("Sodium 140, potassium 3.2, chloride 101, bicarb 26.", []),
    ("Potassium level was low at 3.1.", []),
    ("Serum magnesium 1.6 mg/dL.", []),
    ("Potassium 20 mEq PO daily.", ["potassium"]),
    ("Magnesium oxide 400 mg daily.", ["magnesium oxide"]),
    ("Vitamin D 50,000 units weekly.", ["ergocalciferol"]),
    ("Vitamin D level is low.", []),
    ("Vitamin B1 210 (87-280), vitamin B6 6, ESR 6.", []),
    ("Thiamine 100 mg IV daily.", ["thiamine"]),
    ("Glucose: 105 mg/dL, BUN 11 mg/dL.", []),
    ("His potassium came down to 5.9 after Kayexalate.", ["sodium polystyrene sulfonate"]),
    ("Coronary calcium score was 79.", []),
    ("Electrolytes, BUN, creatinine, phosphorus, uric acid.", []),
    ("Discharged on a low-potassium diet.", []),
    ("Home glucose monitoring twice daily.", []),
    ("Calcium with vitamin D b.i.d., magnesium p.r.n.", ["calcium", "ergocalciferol", "magnesium"]),
]


@pytest.mark.parametrize(
    ("text", "expected"), LAB_OR_DRUG, ids=[f"lab_or_drug{i}" for i in range(len(LAB_OR_DRUG))]
)
def test_lab_names_count_as_drugs_only_outside_lab_values(text: str, expected: list[str]) -> None:
    assert [e.preferred for e in find_drug_mentions(text)] == expected


def test_fluid_abbreviations_need_a_fluid_context() -> None:
    assert [
        e.preferred for e in find_drug_mentions("Given 1 L NS bolus, then LR at 125 mL/hr.")
    ] == [
        "sodium chloride",
        "lactated ringer's",
    ]
    assert mentions("NS: normocephalic. LR: left-right.") == []
    # lower-case "ns" is never the abbreviation
    assert mentions("1 L ns bolus") == []


def test_aspirin_abbreviation_with_a_dose() -> None:
    assert mentions("ASA 81 mg daily") == [("ASA", "aspirin", "DB00945")]
    assert mentions("ASA 81") == [("ASA", "aspirin", "DB00945")]
    assert mentions("ASA 3") == []  # an ASA physical-status class


def test_empty_and_invalid_input() -> None:
    assert find_drug_mentions("") == []
    assert find_drug_mentions("   \n\t") == []
    with pytest.raises(InputError):
        find_drug_mentions(None)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        find_drug_mentions(b"aspirin")  # type: ignore[arg-type]


def test_unicode_text_keeps_offsets() -> None:
    text = "İlaç: aspirin 81 mg — µ-receptor free; Ärzte gave warfarin."
    found = find_drug_mentions(text)
    assert [e.text for e in found] == ["aspirin", "warfarin"]
    for entity in found:
        assert text[entity.start : entity.end] == entity.text


def test_lexicon_is_large() -> None:
    assert drug_lexicon_size() > 40_000


def test_mtsamples_notes_run_and_speed_is_reported() -> None:
    path = DATA / "mtsamples" / "mtsamples.csv"
    if not path.is_file():
        pytest.skip(f"shared data folder absent: {path}")
    csv.field_size_limit(10**8)
    with path.open(encoding="utf-8") as handle:
        notes = [row["transcription"] for row in islice(csv.DictReader(handle), 200)]
    find_drug_mentions("warm-up aspirin")
    started = time.perf_counter()
    total = 0
    for note in notes:
        found = find_drug_mentions(note)
        total += len(found)
        for entity in found:
            assert note[entity.start : entity.end] == entity.text
    elapsed = time.perf_counter() - started
    kilobytes = sum(map(len, notes)) / 1000
    print(
        f"\n{len(notes)} MTSamples notes: {total} drug mentions, "
        f"{elapsed / len(notes) * 1e6:.0f} µs/note, {elapsed / kilobytes * 1e6:.0f} µs/KB"
    )
    assert total > 100  # medication lists are common in these notes


@pytest.mark.parametrize(
    "text",
    [
        "He had been taking lithium at a dose of 900 mg/day.",
        "Lithium was continued at 300 mg twice daily.",
        "Magnesium was given at 2 g IV over an hour.",
        "Potassium was replaced with 40 mEq by mouth.",
    ],
)
def test_drug_or_lab_name_followed_by_a_dose_is_a_drug(text: str) -> None:
    assert find_drug_mentions(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Labs: potassium 4.2 mmol, glucose 188 mg.",
        "Lithium level was 1.1 mmol/L.",
        "Magnesium at 1.6 this morning.",
    ],
)
def test_drug_or_lab_name_with_a_value_is_a_lab(text: str) -> None:
    assert not find_drug_mentions(text), text


@pytest.mark.parametrize(
    ("text", "abbreviation", "generic"),
    [
        ("Cytosine arabinoside (ARA-X) was given; ARA-X toxicity followed.", "ARA-X", "cytarabine"),
        ("Linezolid (LZD) was started. LZD 600 mg bid was continued.", "LZD", "linezolid"),
        ("LZD (linezolid) was started. LZD 600 mg bid was continued.", "LZD", "linezolid"),
    ],
)
def test_abbreviation_defined_by_the_text(text: str, abbreviation: str, generic: str) -> None:
    found = [e for e in find_drug_mentions(text) if e.text == abbreviation]
    assert len(found) == text.count(abbreviation)
    assert all(e.preferred == generic for e in found)


@pytest.mark.parametrize(
    "text",
    [
        "Insulin (IU) 10 IU was given before meals.",
        "Metoprolol (tablets) 25 mg BID; tablets were crushed.",
        "Ondansetron (ODT) 4 mg; the ODT form dissolves on the tongue.",
    ],
)
def test_bracketed_units_and_forms_are_not_abbreviations(text: str) -> None:
    names = [e.text for e in find_drug_mentions(text)]
    assert not {"IU", "tablets", "ODT"} & set(names)
