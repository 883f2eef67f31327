"""Medication status from lists, exceptions, switches and plans (the full text engine)."""

from __future__ import annotations

import pytest

from medassist.text.engine import extract


def status(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for med in extract(text).medications:
        out.setdefault(med.name, med.status)
    return out


def prn(text: str) -> dict[str, bool]:
    return {med.name: med.as_needed for med in extract(text).medications}


@pytest.mark.parametrize(
    ("text", "held"),
    [
        ("Continue home medications except metformin.", ["metformin"]),
        (
            "Continue all home meds except for metformin and lisinopril.",
            ["metformin", "lisinopril"],
        ),
        ("Resume home medications other than warfarin.", ["warfarin"]),
        ("Restart outpatient regimen, with the exception of lisinopril.", ["lisinopril"]),
        ("Continue aspirin, but not clopidogrel.", ["clopidogrel"]),
    ],
)
def test_exception_carves_drugs_out_of_a_continue_scope(text: str, held: list[str]) -> None:
    got = status(text)
    for name in held:
        assert got[name] == "held", (name, got)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Stop all medications except aspirin.", "aspirin"),
        ("Please hold all antihypertensives except amlodipine.", "amlodipine"),
        ("Discontinue home meds apart from levothyroxine.", "levothyroxine"),
    ],
)
def test_exception_carves_drugs_out_of_a_stop_scope(text: str, kept: str) -> None:
    assert status(text)[kept] == "continued"


@pytest.mark.parametrize(
    ("text", "names", "want"),
    [
        (
            "Stopped: lisinopril 20 mg daily, amlodipine 5 mg daily",
            ["lisinopril", "amlodipine"],
            "stopped",
        ),
        (
            "Discontinued: aspirin 81 mg daily, clopidogrel 75 mg daily, atorvastatin 80 mg nightly",
            ["aspirin", "clopidogrel", "atorvastatin"],
            "stopped",
        ),
        ("Medications on hold: metformin, lisinopril.", ["metformin", "lisinopril"], "held"),
        (
            "Held medications:\n1. metformin 500 mg BID\n2. lisinopril 10 mg daily\n",
            ["metformin", "lisinopril"],
            "held",
        ),
        (
            "Stopped medications:\n- lisinopril 20 mg daily\n- amlodipine 5 mg daily\n",
            ["lisinopril", "amlodipine"],
            "stopped",
        ),
        (
            "New medications: apixaban 5 mg BID, metoprolol 25 mg BID",
            ["apixaban", "metoprolol"],
            "started",
        ),
    ],
)
def test_a_list_label_reaches_every_item(text: str, names: list[str], want: str) -> None:
    got = status(text)
    for name in names:
        assert got[name] == want, (name, got)


def test_a_label_line_ends_at_the_next_label() -> None:
    got = status(
        "Stopped medications:\n- lisinopril 20 mg daily\n- amlodipine 5 mg daily\n"
        "New:\n- losartan 50 mg daily\n\nContinue:\n1. atorvastatin 40 mg"
    )
    assert got == {
        "lisinopril": "stopped",
        "amlodipine": "stopped",
        "losartan": "started",
        "atorvastatin": "continued",
    }


@pytest.mark.parametrize(
    ("text", "old", "new"),
    [
        ("Switched from lisinopril to losartan because of cough.", "lisinopril", "losartan"),
        ("Changed from warfarin to apixaban 5 mg BID.", "warfarin", "apixaban"),
        ("Lisinopril was switched to losartan.", "lisinopril", "losartan"),
        ("Aspirin was changed to clopidogrel after the stent.", "aspirin", "clopidogrel"),
        ("Replaced warfarin with apixaban.", "warfarin", "apixaban"),
        ("He was transitioned from heparin to enoxaparin 40 mg daily.", "heparin", "enoxaparin"),
    ],
)
def test_switch_stops_one_drug_and_starts_the_other(text: str, old: str, new: str) -> None:
    got = status(text)
    assert got[old] == "stopped", got
    assert got[new] == "started", got


@pytest.mark.parametrize(
    ("text", "name", "want"),
    [
        ("Aspirin was discontinued.", "aspirin", "stopped"),
        ("The aspirin has been stopped because of bleeding.", "aspirin", "stopped"),
        ("Hold metoprolol for HR < 60.", "metoprolol", "held"),
        ("Metformin 500 mg BID - hold while NPO", "metformin", "held"),
        ("Aspirin: hold until after surgery.", "aspirin", "held"),
        ("Plan: stop aspirin. Start clopidogrel 75 mg daily.", "aspirin", "stopped"),
        ("Plan:\n- discontinue aspirin\n- continue atorvastatin 40 mg", "aspirin", "stopped"),
        ("Aspirin - stop.", "aspirin", "stopped"),
        ("Aspirin (stopped)", "aspirin", "stopped"),
        ("Will discontinue aspirin given the GI bleed.", "aspirin", "stopped"),
        ("Lisinopril 10 mg: continue", "lisinopril", "continued"),
    ],
)
def test_status_cues_and_plans(text: str, name: str, want: str) -> None:
    assert status(text)[name] == want


@pytest.mark.parametrize(
    ("text", "with_prn", "without_prn"),
    [
        ("aspirin 75 mg od, GTN spray prn", "nitroglycerin", "aspirin"),
        ("Ibuprofen 400 mg tds and paracetamol 1 g qds prn", "acetaminophen", "ibuprofen"),
        ("Tylenol 650 mg q6h prn pain, oxycodone 5 mg q4h", "acetaminophen", "oxycodone"),
        ("metoprolol 25 mg bd, salbutamol inhaler 2 puffs prn", "albuterol", "metoprolol"),
    ],
)
def test_prn_goes_to_its_own_drug_only(text: str, with_prn: str, without_prn: str) -> None:
    got = prn(text)
    assert got[with_prn] is True, got
    assert got[without_prn] is False, got


def test_prn_reason_after_a_comma_is_kept() -> None:
    med = extract("Percocet 5/325 mg 1-2 p.o. q.4-6h. p.r.n., pain").medications[0]
    assert med.as_needed and med.prn_reason == "pain"


@pytest.mark.parametrize(
    "unit",
    [
        "She received amoxicillin and clarithromycin (1 g and 500 mg, respectively). ",
        "Stopped: lisinopril 20 mg daily, amlodipine 5 mg daily\n",
        "- metformin 500 mg BID\n",
        "Continue home medications except metformin and aspirin. ",
        "Switched from lisinopril to losartan. ",
    ],
)
def test_repeated_scope_forms_stay_linear(unit: str) -> None:
    import time

    text = ("Held medications:\n" if unit.startswith("-") else "") + unit * (100_000 // len(unit))
    started = time.perf_counter()
    meds = extract(text).medications
    assert meds
    assert time.perf_counter() - started < 20  # generous: linear cost is ~1 s here
