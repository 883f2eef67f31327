"""Worked examples and band edges of the other scores."""

from __future__ import annotations

import pytest

from medassist.errors import CalculatorInputError
from medassist.risk import calculate


def test_shock_index() -> None:
    r = calculate("shock_index", inputs={"heart_rate": 120, "sbp": 100})
    assert r.value == 1.2 and "markedly" in r.band
    assert calculate("shock_index", inputs={"heart_rate": 69, "sbp": 100}).band.startswith(
        "below 0.7"
    )
    assert calculate("shock_index", inputs={"heart_rate": 70, "sbp": 100}).band.startswith("0.7")


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({}, 0),
        ({"temperature": 38.1}, 1),
        ({"temperature": 35.9}, 1),
        ({"heart_rate": 91}, 1),
        ({"respiratory_rate": 21}, 1),
        ({"paco2": 31}, 1),
        ({"wbc": 12.1}, 1),
        ({"wbc": 3.9}, 1),
        ({"bands": 11}, 1),
        ({"temperature": 39, "heart_rate": 120, "respiratory_rate": 30, "wbc": 20}, 4),
    ],
)
def test_sirs(kw: dict[str, float], expected: int) -> None:
    base = {"temperature": 37, "heart_rate": 80, "respiratory_rate": 16, "wbc": 8}
    r = calculate("sirs", inputs={**base, **kw})
    assert r.value == expected
    assert r.band.startswith("2-4" if expected >= 2 else "0-1")


def test_gcs_sum_and_bands() -> None:
    assert calculate("gcs", inputs={"eye": 4, "verbal": 5, "motor": 6}).value == 15
    r = calculate("gcs", inputs={"eye": 2, "verbal": 2, "motor": 4})
    assert r.value == 8 and r.band.startswith("3-8")
    assert calculate("gcs", inputs={"eye": 3, "verbal": 3, "motor": 3}).band.startswith("9-12")
    with pytest.raises(CalculatorInputError):
        calculate("gcs", inputs={"eye": 5, "verbal": 5, "motor": 6})


def test_gcs_from_description() -> None:
    note = (
        "She is unresponsive to verbal stimuli but groans without intelligible speech. She opens her "
        "eyes and withdraws in response to painful stimuli in all extremities."
    )
    r = calculate("gcs", text=note)
    assert (r.components[0].value, r.components[1].value, r.components[2].value) == (2, 2, 4)
    assert calculate("gcs", text="GCS E3V4M5 on arrival").value == 12


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"age": 10}, 1 + 1),
        ({"age": 15}, 0 + 1),
        ({"age": 44}, 0 + 1),
        ({"age": 45}, -1 + 1),
        ({"temperature": 38.0}, 1),
        ({"temperature": 38.1}, 2),
        ({"tonsillar_exudate": True, "cervical_nodes": True}, 3),
    ],
)
def test_centor(kw: dict[str, object], expected: int) -> None:
    base = {"age": 30, "temperature": 37, "cough_absent": True}
    assert calculate("centor_mcisaac", inputs={**base, **kw}).value == expected


def test_centor_from_note() -> None:
    note = (
        "A 15-year-old boy with sore throat. Temperature 100.9 F. Tender anterior cervical lymphadenopathy. "
        "No cough. Tonsils without exudate."
    )
    r = calculate("centor_mcisaac", text=note)
    assert r.value == 0 + 1 + 1 + 1  # temp 38.3, nodes, no cough


def test_feverpain() -> None:
    assert calculate("feverpain", inputs={}).value == 0
    r = calculate(
        "feverpain",
        inputs={
            "fever": True,
            "purulence": True,
            "attend_rapidly": True,
            "inflamed_tonsils": True,
            "no_cough_coryza": True,
        },
    )
    assert r.value == 5 and r.band.startswith("4-5")
    assert calculate("feverpain", inputs={"fever": True, "purulence": True}).band.startswith("2-3")


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"bilirubin": 1.9, "albumin": 3.6, "inr": 1.6}, 5),
        ({"bilirubin": 2.0, "albumin": 3.5, "inr": 1.7}, 8),
        ({"bilirubin": 3.1, "albumin": 2.7, "inr": 2.4}, 11),
        (
            {
                "bilirubin": 1,
                "albumin": 4,
                "inr": 1,
                "ascites": "slight",
                "encephalopathy": "grade 1-2",
            },
            7,
        ),
        (
            {
                "bilirubin": 1,
                "albumin": 4,
                "inr": 1,
                "ascites": "moderate",
                "encephalopathy": "grade 3-4",
            },
            9,
        ),
    ],
)
def test_child_pugh(kw: dict[str, object], expected: int) -> None:
    r = calculate("child_pugh", inputs=kw)
    assert r.value == expected
    cls = "A" if expected <= 6 else "B" if expected <= 9 else "C"
    assert f"class {cls}" in r.band


def test_meld_na_worked_examples() -> None:
    # all values at their floors: MELD(i) = round(0.643, 1) * 10 = 6
    assert (
        calculate(
            "meld_na", inputs={"creatinine": 0.5, "bilirubin": 0.5, "inr": 0.9, "sodium": 140}
        ).value
        == 6
    )
    r = calculate("meld_na", inputs={"creatinine": 2, "bilirubin": 4, "inr": 2, "sodium": 128})
    # MELD(i) = 10 * round(2.6277, 1) = 26; 26 + 1.32*9 - 0.033*26*9 = 30.16 -> 30
    assert r.value == 30
    assert (
        calculate(
            "meld_na",
            inputs={"creatinine": 1, "bilirubin": 1, "inr": 1, "sodium": 130, "dialysis": True},
        ).value
        == 25
    )  # Cr set to 4: 20 + 9.24 - 4.62
    big = calculate("meld_na", inputs={"creatinine": 10, "bilirubin": 40, "inr": 8, "sodium": 110})
    assert big.value == 40


def test_has_bled() -> None:
    r = calculate(
        "has_bled", inputs={"age": 66, "hypertension": True, "alcohol_drinks_per_week": 8}
    )
    assert r.value == 3 and r.band.startswith("3 or more")
    assert calculate("has_bled", inputs={"age": 65}).value == 0
    assert calculate("has_bled", inputs={"age": 65, "alcohol_drinks_per_week": 7}).value == 0


def test_rcri() -> None:
    assert calculate("rcri", inputs={}).value == 0
    assert calculate("rcri", inputs={"creatinine": 2.0}).value == 0
    assert calculate("rcri", inputs={"creatinine": 2.1}).value == 1
    r = calculate("rcri", inputs={"high_risk_surgery": True, "chf": True, "insulin": True})
    assert r.value == 3 and "class IV" in r.band


def test_charlson() -> None:
    assert calculate("charlson", inputs={"age": 49}).value == 0
    assert calculate("charlson", inputs={"age": 50}).value == 1
    assert calculate("charlson", inputs={"age": 80}).value == 4
    r = calculate(
        "charlson",
        inputs={
            "age": 65,
            "liver_disease": "moderate to severe",
            "diabetes": "end-organ damage",
            "solid_tumor": "metastatic",
        },
    )
    assert r.value == 2 + 3 + 2 + 6


def test_caprini() -> None:
    assert calculate("caprini", inputs={"age": 30, "sex": "male"}).value == 0
    r = calculate(
        "caprini",
        inputs={
            "age": 76,
            "sex": "female",
            "surgery_type": "elective major lower extremity arthroplasty",
            "hormones": True,
            "history_vte": True,
        },
    )
    assert r.value == 3 + 5 + 1 + 3 and r.band.startswith("5 or more")
    # women-only items do not score for men
    assert calculate("caprini", inputs={"age": 30, "sex": "male", "hormones": True}).value == 0


def test_glasgow_blatchford() -> None:
    base = {"bun": 10, "hemoglobin": 14, "sex": "male", "sbp": 120, "heart_rate": 80}
    r = calculate("glasgow_blatchford", inputs=base)
    assert r.value == 0 and r.band.startswith("0")
    assert calculate("glasgow_blatchford", inputs={**base, "bun": 18.2}).value == 2
    assert calculate("glasgow_blatchford", inputs={**base, "bun": 70}).value == 6
    assert calculate("glasgow_blatchford", inputs={**base, "hemoglobin": 12.5}).value == 1
    assert (
        calculate("glasgow_blatchford", inputs={**base, "sex": "female", "hemoglobin": 12.5}).value
        == 0
    )
    assert (
        calculate(
            "glasgow_blatchford",
            inputs={**base, "sbp": 89, "heart_rate": 100, "melena": True, "syncope": True},
        ).value
        == 3 + 1 + 1 + 2
    )


def test_psi_worked_example() -> None:
    # 80-year-old woman from a nursing home with CHF, RR 32, BUN 35, pleural effusion
    r = calculate(
        "psi",
        inputs={
            "age": 80,
            "sex": "female",
            "nursing_home": True,
            "chf": True,
            "respiratory_rate": 32,
            "bun": 35,
            "pleural_effusion": True,
        },
    )
    assert r.value == 70 + 10 + 10 + 20 + 20 + 10
    assert "class V" in r.band
    assert calculate("psi", inputs={"age": 50, "sex": "male"}).band.startswith("class I-II")
    assert calculate("psi", inputs={"age": 91, "sex": "male"}).band.startswith("class IV")


def test_sofa() -> None:
    assert calculate("sofa", inputs={}).value == 0
    r = calculate(
        "sofa",
        inputs={
            "pao2": 80,
            "fio2": 50,
            "mechanical_ventilation": True,
            "platelets": 45,
            "gcs": 9,
            "bilirubin": 6.5,
            "norepinephrine": 0.2,
            "creatinine": 3.6,
        },
    )
    assert r.value == 3 + 3 + 3 + 3 + 4 + 3
    assert (
        calculate("sofa", inputs={"pao2": 80, "fio2": 50}).value == 2
    )  # < 200 without ventilation -> 2
    assert calculate("sofa", inputs={"map": 65}).value == 1
    assert calculate("sofa", inputs={"dopamine": 5}).value == 2


def test_apache2() -> None:
    assert calculate("apache2", inputs={"age": 40}).value == 0
    r = calculate(
        "apache2",
        inputs={
            "age": 70,
            "temperature": 39.5,
            "map": 65,
            "heart_rate": 145,
            "respiratory_rate": 36,
            "fio2": 60,
            "a_a_gradient": 360,
            "ph": 7.2,
            "sodium": 125,
            "potassium": 3.2,
            "creatinine": 2.5,
            "acute_renal_failure": True,
            "hematocrit": 28,
            "wbc": 22,
            "gcs": 10,
            "chronic_organ_insufficiency": True,
        },
    )
    assert r.value == 5 + 3 + 2 + 3 + 3 + 3 + 3 + 2 + 1 + 6 + 2 + 2 + 5 + 5


def test_framingham_chd() -> None:
    r = calculate(
        "framingham_chd",
        inputs={
            "age": 55,
            "sex": "male",
            "smoker": True,
            "total_cholesterol": 213,
            "hdl": 50,
            "sbp": 120,
            "bp_treated": False,
        },
    )
    assert (
        10 < r.value < 20
    )  # ATP III points: 55M smoker, TC 200-239, HDL 50-59, SBP 120-129 -> ~10-16%
    f = calculate(
        "framingham_chd",
        inputs={
            "age": 55,
            "sex": "female",
            "smoker": False,
            "total_cholesterol": 213,
            "hdl": 50,
            "sbp": 120,
            "bp_treated": False,
        },
    )
    assert f.value < r.value and f.band.startswith("below 10%")


def test_wells_dvt() -> None:
    assert calculate("wells_dvt", inputs={"alternative_diagnosis": True}).value == -2
    r = calculate(
        "wells_dvt", inputs={"active_cancer": True, "calf_swelling": True, "pitting_edema": True}
    )
    assert r.value == 3 and r.band.startswith("3 or more")


def test_perc() -> None:
    base = {"age": 49, "heart_rate": 99, "spo2": 95}
    r = calculate("perc", inputs=base)
    assert r.value == 0 and "negative" in r.band
    assert calculate("perc", inputs={**base, "age": 50}).value == 1
    assert calculate("perc", inputs={**base, "heart_rate": 100}).value == 1
    assert calculate("perc", inputs={**base, "spo2": 94}).value == 1
