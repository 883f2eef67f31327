"""Doses written in narrative prose attach to the right drug (the full text engine).

Each attachment form is tested with paraphrases written for these tests (case-report and
discharge-narrative style), not with sentences of the benchmark's development set.
"""

from __future__ import annotations

import pytest

from medassist.text.engine import extract
from medassist.text.medications.prose import find_doses


def doses(text: str) -> dict[str, tuple[float | None, float | None, str | None]]:
    out: dict[str, tuple[float | None, float | None, str | None]] = {}
    for m in extract(text).medications:
        out.setdefault(m.name, (m.dose, m.dose_max, m.unit))  # the first mention of a name
    return out


def one(text: str, name: str) -> tuple[float | None, float | None, str | None]:
    got = doses(text)
    assert name in got, f"{name} not found in {got}"
    return got[name]


FORMS = [
    # "X at a dose of N"
    ("He was given lithium at a dose of 900 mg/day.", "lithium", (900.0, None, "mg/day")),
    (
        "Clindamycin was continued at a dose of 600 mg every 8 hours.",
        "clindamycin",
        (600.0, None, "mg"),
    ),
    (
        "She took valproate at doses of 10-20 mg/kg per day.",
        "valproic acid",
        (10.0, 20.0, "mg/kg/day"),
    ),
    # "N mg of X"
    (
        "After receiving 12 mg of adenosine, she became hypotensive.",
        "adenosine",
        (12.0, None, "mg"),
    ),
    ("A total of 60 mg of morphine was required overnight.", "morphine", (60.0, None, "mg")),
    ("He was switched to 0.5 mg of digoxin daily.", "digoxin", (0.5, None, "mg")),
    # "X (N mg/kg)"
    (
        "The child received intravenous iron sucrose (16 mg/kg) over 3 hours.",
        "iron sucrose",
        (16.0, None, "mg/kg"),
    ),
    (
        "Treatment with isotretinoin (1 mg/kg/day) was begun for acne.",
        "isotretinoin",
        (1.0, None, "mg/kg/day"),
    ),
    ("She was induced with propofol (2.5 mg/kg) and intubated.", "propofol", (2.5, None, "mg/kg")),
    # "X N mg/m2"
    ("He then received cisplatin 75 mg/m2 on day 1.", "cisplatin", (75.0, None, "mg/m2")),
    (
        "Weekly paclitaxel 80 mg/m(2) was given for three courses.",
        "paclitaxel",
        (80.0, None, "mg/m2"),
    ),
    # "X was increased / decreased / titrated / tapered to N"
    ("The haloperidol was raised to 20 mg/day.", "haloperidol", (20.0, None, "mg/day")),
    ("Morphine was titrated to a total dosage of 7 mg.", "morphine", (7.0, None, "mg")),
    ("Prednisone was tapered to 10 mg over two weeks.", "prednisone", (10.0, None, "mg")),
    # "from A to B": the dose in force
    (
        "Edema appeared after rosiglitazone was increased from 4 mg daily to 8 mg daily.",
        "rosiglitazone",
        (8.0, None, "mg"),
    ),
    ("The dose of furosemide was reduced from 80 mg to 40 mg.", "furosemide", (40.0, None, "mg")),
    # "a single N-mg dose of X"
    ("Hypotension followed a single 25-mg dose of captopril.", "captopril", (25.0, None, "mg")),
    (
        "Dystonia occurred after the first 10-mg dose of metoclopramide.",
        "metoclopramide",
        (10.0, None, "mg"),
    ),
    (
        "Three weeks after a 2-g intravenous dose of ceftriaxone she developed hemolysis.",
        "ceftriaxone",
        (2.0, None, "g"),
    ),
    # "X, N mg twice daily"
    (
        "She had been treated with carbamazepine, 200 mg three times a day.",
        "carbamazepine",
        (200.0, None, "mg"),
    ),
    ("He remained on amiodarone, 200 mg daily, for two years.", "amiodarone", (200.0, None, "mg")),
    # "received N mg/kg of X"
    (
        "She received 2 mg/kg of sugammadex at the end of surgery.",
        "sugammadex",
        (2.0, None, "mg/kg"),
    ),
    (
        "Seizures followed ingestion of 48 mg/kg of extended-release bupropion.",
        "bupropion",
        (48.0, None, "mg/kg"),
    ),
    # a relative clause or a second verb of the same phrase
    ("Warfarin, which was started at 5 mg daily, was held.", "warfarin", (5.0, None, "mg")),
    (
        "Metoprolol was started and titrated to 100 mg twice daily.",
        "metoprolol",
        (100.0, None, "mg"),
    ),
    ("Lisinopril was begun and then increased to 20 mg.", "lisinopril", (20.0, None, "mg")),
    # "X was started at N"
    ("Hydrocortisone was initiated at 50 mg every 6 hours.", "hydrocortisone", (50.0, None, "mg")),
    ("Amiloride was started at 5 mg/day two weeks later.", "amiloride", (5.0, None, "mg/day")),
    # "a moderate / high dose of X (N mg/m2)"
    ("A moderate dose of cisplatin (75 mg/m2) was given.", "cisplatin", (75.0, None, "mg/m2")),
    (
        "She received a high dose of cytarabine (3 g/m2 every 12 hours).",
        "cytarabine",
        (3.0, None, "g/m2"),
    ),
    # an aside between the name and its dose
    (
        "He was treated with sunitinib (Sutent; Pfizer) 50 mg/day.",
        "sunitinib",
        (50.0, None, "mg/day"),
    ),
    (
        "Rocuronium (total dosage: 40 mg) was given during the case.",
        "rocuronium",
        (40.0, None, "mg"),
    ),
    # a drug class before the drug named in brackets: the dose is the drug's
    (
        "BP was treated with a beta blocker (metoprolol 50 mg BID).",
        "metoprolol",
        (50.0, None, "mg"),
    ),
    (
        "Hypertension was controlled by a calcium channel blocker (amlodipine at 10 mg/d).",
        "amlodipine",
        (10.0, None, "mg/day"),
    ),
    # rates and SI-style units
    (
        "Remifentanil was infused at 0.1 mcg/kg per minute.",
        "remifentanil",
        (0.1, None, "mcg/kg/min"),
    ),
    ("Regular insulin at 0.1 U/kg/hour was started.", "insulin", (0.1, None, "units/kg/hr")),
    ("Gentamicin 3 mg kg−1 once daily was added.", "gentamicin", (3.0, None, "mg/kg")),
    ("A fentanyl patch (12 µg/h) was applied.", "fentanyl patch", (12.0, None, "mcg/hr")),
    # a decimal comma before a unit
    ("An infusion of insulin was commenced at 2,5 U/h.", "insulin", (2.5, None, "units/hr")),
]


@pytest.mark.parametrize(("text", "name", "want"), FORMS, ids=[f[0][:40] for f in FORMS])
def test_prose_dose_forms(text: str, name: str, want: tuple) -> None:
    assert one(text, name) == want


@pytest.mark.parametrize(
    "text",
    [
        "Intravenous access was obtained and 2 mg of midazolam with 50 mcg of fentanyl was given.",
        "She received 2 mg of midazolam together with 50 mcg of fentanyl.",
    ],
)
def test_preposed_dose_belongs_to_the_next_drug(text: str) -> None:
    got = doses(text)
    assert got["midazolam"] == (2.0, None, "mg")
    assert got["fentanyl"] == (50.0, None, "mcg")


@pytest.mark.parametrize(
    ("text", "name", "amount"),
    [
        (
            "Anesthesia was induced with 150 mg propofol 1% and 40 mg lidocaine 2%.",
            "propofol",
            150.0,
        ),
        (
            "Anesthesia was induced with 150 mg propofol 1% and 40 mg lidocaine 2%.",
            "lidocaine",
            40.0,
        ),
        ("A total of 25 mL of 0.5% ropivacaine was injected.", "ropivacaine", 25.0),
        ("An additional 7 mL of 1.5% mepivacaine was used.", "mepivacaine", 7.0),
    ],
)
def test_concentration_is_not_the_dose(text: str, name: str, amount: float) -> None:
    assert one(text, name)[0] == amount


@pytest.mark.parametrize(
    "text",
    [
        "Aspirin was stopped and the urine output was 500 mL overnight.",
        "Aspirin was held, but 40 mg of the loop diuretic was given.",
        "Metoprolol was held for SBP < 100 mmHg.",
        "Aspirin was continued; the hemoglobin was 9.1 g/dL.",
    ],
)
def test_no_dose_across_a_clause_or_from_a_lab(text: str) -> None:
    got = doses(text)
    name = "metoprolol" if "Metoprolol" in text else "aspirin"
    assert got[name] == (None, None, None)


@pytest.mark.parametrize(
    ("text", "name", "strength"),
    [
        (
            "Sacubitril/valsartan 49/51 mg twice daily was started.",
            "sacubitril/valsartan",
            "49/51 mg",
        ),
        (
            "She was discharged on sacubitril-valsartan 24/26 mg bid.",
            "sacubitril/valsartan",
            "24/26 mg",
        ),
        ("Entresto (sacubitril/valsartan) 97/103 mg BID", "sacubitril/valsartan", "97/103 mg"),
    ],
)
def test_combination_product_strength(text: str, name: str, strength: str) -> None:
    meds = {m.name: m for m in extract(text).medications}
    assert meds[name].strength == strength
    assert meds[name].dose is None  # no single number stands for the product


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("0.5 mg/mL", []),  # a concentration
        ("105 mg/dL", []),  # a lab value
        ("4 mmol/L", []),
        ("1%", []),
        ("20 mg", [(20.0, None, "mg")]),
        ("8-14 mg", [(8.0, 14.0, "mg")]),
        ("0.5 to 1 mg", [(0.5, 1.0, "mg")]),
        ("1,200 g", [(1200.0, None, "g")]),
    ],
)
def test_find_doses(text: str, want: list) -> None:
    assert [(d.dose, d.dose_max, d.unit) for d in find_doses(text, 0, len(text))] == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "She received amoxicillin and clarithromycin (1 g and 500 mg, respectively).",
            {"amoxicillin": (1.0, None, "g"), "clarithromycin": (500.0, None, "mg")},
        ),
        (
            "Cyclophosphamide and doxorubicin were given at 750 mg/m2 and 50 mg/m2, respectively.",
            {"cyclophosphamide": (750.0, None, "mg/m2"), "doxorubicin": (50.0, None, "mg/m2")},
        ),
    ],
)
def test_respectively_pairs_doses_with_names_in_order(text: str, want: dict) -> None:
    got = doses(text)
    assert {k: got[k] for k in want} == want


@pytest.mark.parametrize(
    ("text", "name", "want"),
    [
        (
            "Interferon alfa was given at 3 million units three times weekly.",
            "interferon-alpha",
            (3.0, None, "million units"),
        ),
        ("Dopamine was infused at 5 ng/kg/min.", "dopamine", (5.0, None, "ng/kg/min")),
        ("Cisplatin 100 mg per square meter was given.", "cisplatin", (100.0, None, "mg/m2")),
        ("Vancomycin 15 mg per kilogram every 12 hours.", "vancomycin", (15.0, None, "mg/kg")),
    ],
)
def test_more_dose_units(text: str, name: str, want: tuple) -> None:
    assert one(text, name) == want


@pytest.mark.parametrize(
    "text",
    [
        "Norepinephrine was titrated to 0.1 mcg/kg/min.",
        "Started norepinephrine at 0.05 mcg/kg/min.",
    ],
)
def test_a_rate_is_continuous(text: str) -> None:
    med = extract(text).medications[0]
    assert med.frequency == "continuous"
