"""Prescription shorthand (UK/AU general practice and Latin), short and brand drug names,
and names that are not medications; the shorthand table's strict loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from medassist.errors import ConfigurationError
from medassist.text.engine import extract
from medassist.text.medications.shorthand import load_shorthand


def first(text: str):
    meds = extract(text).medications
    assert meds, f"no medication in {text!r}"
    return meds[0]


@pytest.mark.parametrize(
    ("text", "frequency"),
    [
        ("omeprazole 20 mg od", "daily"),
        ("ramipril 5mg o.d.", "daily"),
        ("amlodipine 5 mg om", "qAM"),
        ("frusemide 40 mg o.m.", "qAM"),
        ("simva 40mg on", "qHS"),
        ("atorva 20 mg nocte", "qHS"),
        ("zopiclone 7.5 mg at nocte", "qHS"),
        ("metformin 500 mg bd", "BID"),
        ("flucloxacillin 500 mg b.d.", "BID"),
        ("Augmentin 625 mg tds", "TID"),
        ("co-amoxiclav 625mg t.d.s.", "TID"),
        ("paracetamol 1 g qds", "QID"),
        ("Flucloxacillin 500mg QDS", "QID"),
        ("ibuprofen 400 mg qid", "QID"),
        ("prednisolone 40 mg mane", "qAM"),
        ("sertraline 50 mg MANE", "qAM"),
        ("aspirin 300 mg stat", "once"),
        ("ceftriaxone 2 g IV STAT", "once"),
        ("levothyroxine 50 mcg qAM", "qAM"),
        ("furosemide 20 mg qPM", "qPM"),
        ("oxycodone 5 mg q4-6h", "q4-6h"),
        ("morphine 2.5 mg every 4 to 6 hours", "q4-6h"),
    ],
)
def test_frequency_shorthand(text: str, frequency: str) -> None:
    assert first(text).frequency == frequency


@pytest.mark.parametrize(
    "text",
    ["He was started on aspirin.", "Patient on warfarin, INR 2.3.", "Aspirin on admission"],
)
def test_on_is_nocte_only_in_a_sig(text: str) -> None:
    assert first(text).frequency is None


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("Augmentin 625 mg tds 5/7", "5 days"),
        ("doxy 100 mg bd for 7/7", "7 days"),
        ("prednisolone 40 mg mane 6/52", "6 weeks"),
        ("clopidogrel 75 mg od x 12/52", "12 weeks"),
        ("omeprazole 20 mg od for 3/12", "3 months"),
        ("sertraline 50 mg od x 6/12", "6 months"),
        ("co-amoxiclav 625mg tds x5 days", "5 days"),
        ("amoxicillin 500 mg tds x 7 days", "7 days"),
    ],
)
def test_duration_shorthand(text: str, duration: str) -> None:
    assert first(text).duration == duration


@pytest.mark.parametrize(
    "text",
    ["Percocet 5/325 1 tab q6h", "aspirin 81 mg daily, seen 3/12"],
)
def test_strengths_and_dates_are_not_durations(text: str) -> None:
    assert first(text).duration is None


@pytest.mark.parametrize(
    ("written", "generic"),
    [
        ("atorva 20 mg nocte", "atorvastatin"),
        ("Atorva 40mg on", "atorvastatin"),
        ("simva 40 mg on", "simvastatin"),
        ("rosuva 10 mg on", "rosuvastatin"),
        ("GTN spray prn", "nitroglycerin"),
        ("GTN 400 mcg SL prn chest pain", "nitroglycerin"),
        ("glyceryl trinitrate patch 5 mg", "nitroglycerin"),
        ("paracetamol 1 g qds", "acetaminophen"),
        ("Tylenol 650 mg q6h", "acetaminophen"),
        ("Panadol 1 g prn", "acetaminophen"),
        ("co-amoxiclav 625 mg tds", "amoxicillin and clavulanic acid"),
        ("Augmentin 875 mg BID", "amoxicillin and clavulanic acid"),
        ("salbutamol 2 puffs prn", "albuterol"),
        ("Ventolin inhaler 2 puffs prn", "albuterol"),
        ("frusemide 40 mg om", "furosemide"),
        ("Lasix 40 mg daily", "furosemide"),
        ("adrenaline 1 mg IV", "epinephrine"),
        ("IM adrenaline 0.5 mg", "epinephrine"),
    ],
)
def test_short_and_brand_names(written: str, generic: str) -> None:
    assert first(written).name == generic


@pytest.mark.parametrize(
    "text",
    [
        "Procalcitonin 0.8 ng/mL, troponin negative x2, lactate 2.1.",
        "procalcitonin was elevated at 12",
        "Repeat lactate and troponin in 6 hours.",
        "OSA on CPAP nightly.",
        "He uses BiPAP at night and CPAP during naps.",
        "C-peptide low, serotonin normal.",
    ],
)
def test_lab_analytes_and_devices_are_not_medications(text: str) -> None:
    assert extract(text).medications == []


def _table(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sig_shorthand.tsv"
    path.write_text("# test\nkind\ttoken\tvalue\tposition\n" + body, encoding="utf-8")
    return path


def test_shorthand_table_loads_and_is_strict(tmp_path: Path) -> None:
    rows = load_shorthand()
    assert any(r.token == "bd" and r.value == "BID" for r in rows)
    assert any(r.kind == "duration" and r.token == "52" and r.value == "weeks" for r in rows)
    bad = [
        "frequency\tbd\tBIDX\tany\n",  # unknown value
        "freq\tbd\tBID\tany\n",  # unknown kind
        "frequency\tbd\tBID\tsomewhere\n",  # unknown position
        "frequency\tbd\tBID\tany\nfrequency\tbd\tBID\tany\n",  # duplicate
        "frequency\tbd\tBID\n",  # missing column
        "duration\tseven\tdays\tany\n",  # not a number
    ]
    for body in bad:
        with pytest.raises(ConfigurationError):
            load_shorthand(_table(tmp_path, body))
    header = tmp_path / "bad_header.tsv"
    header.write_text("kind\ttoken\tvalue\tposition\textra\n", encoding="utf-8")
    with pytest.raises(ConfigurationError):
        load_shorthand(header)


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("enoxaparin 40 mg s/c od", "SC"),
        ("Clexane 40mg subcut daily", "SC"),
        ("ceftriaxone 2 g i/v stat", "IV"),
        ("intravenous (IV) ceftriaxone 1 g daily", "IV"),
        ("adrenaline 0.5 mg i/m", "IM"),
        ("salbutamol 5 mg nebulised qds", "inhaled"),
        ("nebulised salbutamol 2.5 mg", "inhaled"),
        ("intrathecal methotrexate 12 mg", "intrathecal"),
        ("methotrexate 12 mg intrathecally", "intrathecal"),
        ("bevacizumab 1.25 mg intravitreal", "intravitreal"),
    ],
)
def test_routes(text: str, route: str) -> None:
    assert first(text).route == route


def test_routes_file_is_strict(tmp_path: Path) -> None:
    import json

    from medassist.text.medications.shorthand import load_routes

    assert {r.route for r in load_routes()} >= {"PO", "IV", "IM", "SC", "SL", "PR", "inhaled"}
    good = {
        "source": "test",
        "licence": "Apache-2.0",
        "description": "test",
        "routes": [{"route": "PO", "after": r"\bpo\b", "before": ["po"]}],
    }
    bad_docs = [
        {**good, "extra": 1},
        {**good, "routes": [{"route": "PO", "after": r"\bpo\b", "before": ["po"], "x": 1}]},
        {**good, "routes": [{"route": "PO", "after": "(", "before": ["po"]}]},
        {**good, "routes": [{"route": "PO", "after": "po", "before": []}] * 2},
        {**good, "routes": []},
    ]
    path = tmp_path / "routes.json"
    path.write_text(json.dumps(good), encoding="utf-8")
    assert load_routes(path)[0].route == "PO"
    for doc in bad_docs:
        path.write_text(json.dumps(doc), encoding="utf-8")
        with pytest.raises(ConfigurationError):
            load_routes(path)
