"""Worked examples and band edges of the core scores: NEWS2, qSOFA, CURB-65, CHA2DS2-VASc,
HEART, Wells (PE)."""

from __future__ import annotations

import pytest

from medassist.risk import calculate


def _news2(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "respiratory_rate": 16,
        "spo2": 97,
        "supplemental_oxygen": False,
        "sbp": 125,
        "heart_rate": 75,
        "consciousness": "alert",
        "temperature": 37.0,
    }
    return {**base, **kw}


def test_news2_all_normal_is_zero() -> None:
    r = calculate("news2", inputs=_news2())
    assert r.value == 0 and r.band.startswith("low")


@pytest.mark.parametrize(
    ("field", "value", "points"),
    [
        ("respiratory_rate", 8, 3),
        ("respiratory_rate", 9, 1),
        ("respiratory_rate", 11, 1),
        ("respiratory_rate", 12, 0),
        ("respiratory_rate", 20, 0),
        ("respiratory_rate", 21, 2),
        ("respiratory_rate", 24, 2),
        ("respiratory_rate", 25, 3),
        ("spo2", 91, 3),
        ("spo2", 92, 2),
        ("spo2", 93, 2),
        ("spo2", 94, 1),
        ("spo2", 95, 1),
        ("spo2", 96, 0),
        ("sbp", 90, 3),
        ("sbp", 91, 2),
        ("sbp", 100, 2),
        ("sbp", 101, 1),
        ("sbp", 110, 1),
        ("sbp", 111, 0),
        ("sbp", 219, 0),
        ("sbp", 220, 3),
        ("heart_rate", 40, 3),
        ("heart_rate", 41, 1),
        ("heart_rate", 50, 1),
        ("heart_rate", 51, 0),
        ("heart_rate", 90, 0),
        ("heart_rate", 91, 1),
        ("heart_rate", 110, 1),
        ("heart_rate", 111, 2),
        ("heart_rate", 130, 2),
        ("heart_rate", 131, 3),
        ("temperature", 35.0, 3),
        ("temperature", 35.1, 1),
        ("temperature", 36.0, 1),
        ("temperature", 36.1, 0),
        ("temperature", 38.0, 0),
        ("temperature", 38.1, 1),
        ("temperature", 39.0, 1),
        ("temperature", 39.1, 2),
        ("consciousness", "voice", 3),
        ("supplemental_oxygen", True, 2),
    ],
)
def test_news2_parameter_edges(field: str, value: object, points: int) -> None:
    r = calculate("news2", inputs=_news2(**{field: value}))
    assert r.value == points


def test_news2_bands() -> None:
    assert calculate("news2", inputs=_news2(heart_rate=115, respiratory_rate=22)).band.startswith(
        "low"
    )  # 4
    assert calculate("news2", inputs=_news2(consciousness="pain")).band.startswith(
        "low-medium"
    )  # single 3
    five = calculate("news2", inputs=_news2(heart_rate=115, respiratory_rate=22, sbp=108))
    assert five.value == 5 and five.band.startswith("medium")
    seven = calculate("news2", inputs=_news2(heart_rate=115, respiratory_rate=22, sbp=95, spo2=95))
    assert seven.value == 7 and seven.band.startswith("high")


def test_news2_scale_2_for_hypercapnic_patients() -> None:
    assert calculate("news2", inputs=_news2(spo2=89, spo2_scale_2=True)).value == 0
    assert (
        calculate(
            "news2", inputs=_news2(spo2=97, spo2_scale_2=True, supplemental_oxygen=True)
        ).value
        == 3 + 2
    )


def test_qsofa_edges() -> None:
    assert (
        calculate(
            "qsofa", inputs={"respiratory_rate": 21, "sbp": 101, "altered_mentation": False}
        ).value
        == 0
    )
    r = calculate("qsofa", inputs={"respiratory_rate": 22, "sbp": 100, "altered_mentation": False})
    assert r.value == 2 and "positive" in r.band
    assert (
        calculate(
            "qsofa", inputs={"respiratory_rate": 30, "sbp": 80, "altered_mentation": True}
        ).value
        == 3
    )


def test_qsofa_from_note_uses_gcs() -> None:
    r = calculate("qsofa", text="RR 24/min, BP 98/60 mmHg, GCS 14.")
    assert r.value == 3


def test_curb65_worked_example_from_lim_2003_criteria() -> None:
    # confusion, urea > 7 mmol/L, RR >= 30, SBP < 90, age >= 65
    r = calculate(
        "curb65",
        inputs={
            "confusion": True,
            "bun": {"value": 8, "unit": "mmol/L"},
            "respiratory_rate": 30,
            "sbp": 88,
            "dbp": 70,
            "age": 65,
        },
    )
    assert r.value == 5 and r.band.startswith("3-5")


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"bun": 19, "respiratory_rate": 29, "sbp": 90, "dbp": 61, "age": 64}, 0),
        ({"bun": 19.1, "respiratory_rate": 29, "sbp": 90, "dbp": 61, "age": 64}, 1),
        ({"bun": 10, "respiratory_rate": 30, "sbp": 90, "dbp": 61, "age": 64}, 1),
        ({"bun": 10, "respiratory_rate": 20, "sbp": 120, "dbp": 60, "age": 64}, 1),
        ({"bun": 10, "respiratory_rate": 20, "sbp": 120, "dbp": 80, "age": 65}, 1),
    ],
)
def test_curb65_edges(inputs: dict[str, float], expected: int) -> None:
    assert calculate("curb65", inputs=inputs).value == expected


def test_curb65_bands() -> None:
    base = {"bun": 10, "respiratory_rate": 20, "sbp": 120, "dbp": 80}
    assert calculate("curb65", inputs={**base, "age": 70}).band.startswith("0-1")
    assert calculate("curb65", inputs={**base, "age": 70, "confusion": True}).band.startswith("2")


def test_curb65_from_medcalc_style_note() -> None:
    note = (
        "A 57-year-old man presents with shortness of breath. His temperature is 99.5°F (37.5°C), "
        "blood pressure is 130/87 mmHg, pulse is 120/min, respirations are 15/min. BUN: 22 mg/dL"
    )
    r = calculate("curb65", text=note)
    assert r.value == 1
    assert next(c for c in r.components if c.name == "bun").evidence[0].text.startswith("BUN")


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"age": 64, "sex": "male"}, 0),
        ({"age": 65, "sex": "male"}, 1),
        ({"age": 74, "sex": "male"}, 1),
        ({"age": 75, "sex": "male"}, 2),
        ({"age": 40, "sex": "female"}, 1),
        (
            {
                "age": 80,
                "sex": "female",
                "chf": True,
                "hypertension": True,
                "stroke_tia_thromboembolism": True,
                "vascular_disease": True,
                "diabetes": True,
            },
            9,
        ),
    ],
)
def test_cha2ds2_vasc(inputs: dict[str, object], expected: int) -> None:
    assert calculate("cha2ds2_vasc", inputs=inputs).value == expected


def test_cha2ds2_vasc_bands() -> None:
    assert calculate("cha2ds2_vasc", inputs={"age": 50, "sex": "male"}).band.startswith("0")
    assert calculate("cha2ds2_vasc", inputs={"age": 50, "sex": "female"}).band.startswith("1")
    assert calculate("cha2ds2_vasc", inputs={"age": 66, "sex": "female"}).band.startswith(
        "2 or more"
    )


def test_cha2ds2_vasc_from_note() -> None:
    note = (
        "78-year-old man with atrial fibrillation, history of TIA in 2019 and prior myocardial "
        "infarction. He denies diabetes."
    )
    r = calculate("cha2ds2_vasc", text=note)
    assert r.value == 2 + 2 + 1
    dm = next(c for c in r.components if c.name == "diabetes")
    assert dm.value is False and dm.evidence[0].note == "negated"


def _heart(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "history": "slightly suspicious",
        "ecg": "normal",
        "age": 40,
        "troponin": "<= normal limit",
    }
    return {**base, **kw}


def test_heart_worked_example() -> None:
    # highly suspicious (2) + ST deviation (2) + age 66 (2) + 3 risk factors (2) + troponin > 3x (2)
    r = calculate(
        "heart",
        inputs=_heart(
            history="highly suspicious",
            ecg="significant ST deviation",
            age=66,
            hypertension=True,
            diabetes=True,
            smoking=True,
            troponin="> 3x normal limit",
        ),
    )
    assert r.value == 10 and r.band.startswith("7-10")


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({}, 0),
        ({"age": 45}, 1),
        ({"age": 65}, 2),
        ({"hypertension": True}, 1),
        ({"hypertension": True, "obesity": True}, 1),
        ({"hypertension": True, "obesity": True, "smoking": True}, 2),
        ({"atherosclerotic_disease": True}, 2),
        ({"troponin": "1-3x normal limit"}, 1),
        ({"ecg": "non-specific repolarization disturbance"}, 1),
    ],
)
def test_heart_items(kw: dict[str, object], expected: int) -> None:
    assert calculate("heart", inputs=_heart(**kw)).value == expected


def test_heart_band_edges() -> None:
    three = calculate("heart", inputs=_heart(age=65, history="moderately suspicious"))
    assert three.value == 3 and three.band.startswith("0-3")
    four = calculate("heart", inputs=_heart(age=65, history="highly suspicious"))
    assert four.value == 4 and four.band.startswith("4-6")


def test_wells_pe_worked_example() -> None:
    r = calculate("wells_pe", inputs={"heart_rate": 110, "hemoptysis": True})
    assert r.value == 2.5 and "moderate" in r.band


@pytest.mark.parametrize(
    ("kw", "expected", "band"),
    [
        ({"heart_rate": 100}, 0, "0-1"),
        ({"heart_rate": 101}, 1.5, "1.5-4"),
        ({"malignancy": True}, 1, "0-1"),
        ({"dvt_signs": True, "hemoptysis": True}, 4, "1.5-4"),
        ({"dvt_signs": True, "previous_pe_dvt": True}, 4.5, "4.5-6"),
        ({"dvt_signs": True, "pe_most_likely": True}, 6, "4.5-6"),
        ({"dvt_signs": True, "pe_most_likely": True, "hemoptysis": True}, 7, "over 6"),
    ],
)
def test_wells_pe_edges(kw: dict[str, object], expected: float, band: str) -> None:
    r = calculate("wells_pe", inputs=kw)
    assert r.value == expected and r.band.startswith(band)


def test_wells_pe_maximum() -> None:
    r = calculate(
        "wells_pe",
        inputs={
            "dvt_signs": True,
            "pe_most_likely": True,
            "heart_rate": 130,
            "immobilization_or_surgery": True,
            "previous_pe_dvt": True,
            "hemoptysis": True,
            "malignancy": True,
        },
    )
    assert r.value == 12.5
