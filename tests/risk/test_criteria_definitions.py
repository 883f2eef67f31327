"""Each criterion uses the definition its score states, read from the one extraction (issue:
HAS-BLED's H and A, stopped antiplatelets, CKD notations in Charlson, excluded ACS, discussed
stroke risk, sleep-apnoea CPAP). Every rule is tested with paraphrases."""

from __future__ import annotations

import pytest

from medassist.risk import calculate

AF = "A 72-year-old man with atrial fibrillation on warfarin. "


def _points(cid: str, note: str, item: str) -> float | None:
    result = calculate(cid, text=note)
    return next(c.points for c in result.components if c.name == item)


# ------------------------------------------------------------------ HAS-BLED H (SBP > 160)
@pytest.mark.parametrize(
    "note",
    [
        AF + "History of hypertension. BP 172/95 mmHg today.",
        AF + "Hypertensive, systolic blood pressure 168 mmHg on arrival.",
        AF + "Uncontrolled hypertension despite three agents.",
        AF + "His HTN has been poorly controlled.",
    ],
)
def test_has_bled_counts_uncontrolled_hypertension(note: str) -> None:
    assert _points("has_bled", note, "hypertension") == 1


@pytest.mark.parametrize(
    "note",
    [
        AF + "History of hypertension. BP 132/80 mmHg.",
        AF + "Hypertension, well controlled on amlodipine (blood pressure 128/76).",
        AF + "He has a history of hypertension treated with lisinopril.",
    ],
)
def test_has_bled_does_not_count_any_hypertension_mention(note: str) -> None:
    assert _points("has_bled", note, "hypertension") == 0


# ------------------------------------------------------------------ HAS-BLED A (renal)
@pytest.mark.parametrize(
    "note",
    [
        AF + "End-stage renal disease on hemodialysis three times a week.",
        AF + "Status post kidney transplant in 2015.",
        AF + "Creatinine 2.9 mg/dL.",
        AF + "Serum creatinine was 265 umol/L.",
    ],
)
def test_has_bled_renal_is_dialysis_transplant_or_creatinine_over_2_26(note: str) -> None:
    assert _points("has_bled", note, "renal_disease") == 1


@pytest.mark.parametrize(
    "note",
    [
        AF + "CKD stage 3, creatinine 1.6 mg/dL.",
        AF + "Chronic kidney disease with a creatinine of 1.4 mg/dL.",
        AF + "Known renal impairment.",
    ],
)
def test_has_bled_renal_is_not_any_kidney_mention(note: str) -> None:
    assert _points("has_bled", note, "renal_disease") == 0


# ------------------------------------------------------------------ stopped antiplatelets
@pytest.mark.parametrize(
    "note",
    [
        AF + "Started apixaban. Plan: stop aspirin.",
        AF + "Aspirin was discontinued on admission.",
        AF + "Medications: aspirin 81 mg daily. Plan: discontinue aspirin given the anticoagulant.",
        AF + "Continue home medications except aspirin.",
    ],
)
def test_has_bled_does_not_count_an_antiplatelet_the_note_stops(note: str) -> None:
    assert _points("has_bled", note, "bleeding_medication") == 0


@pytest.mark.parametrize(
    "note",
    [AF + "Medications: aspirin 81 mg daily.", AF + "He takes clopidogrel 75 mg once a day."],
)
def test_has_bled_counts_an_antiplatelet_taken(note: str) -> None:
    assert _points("has_bled", note, "bleeding_medication") == 1


# ------------------------------------------------------------------ Charlson CKD notations
@pytest.mark.parametrize(
    "phrase",
    [
        "CKD 3b",
        "CKD stage 3b",
        "CKD stage IIIb",
        "stage 3a chronic kidney disease",
        "CKD G3b",
        "chronic kidney disease, stage 4",
        "CKD stage 3",
    ],
)
def test_charlson_reads_every_ckd_stage_notation(phrase: str) -> None:
    note = f"A 68-year-old man with {phrase} and hyperlipidaemia."
    assert _points("charlson", note, "ckd_moderate_severe") == 2


@pytest.mark.parametrize("phrase", ["CKD stage 2", "CKD 1", "stage 2 chronic kidney disease"])
def test_charlson_does_not_count_mild_ckd(phrase: str) -> None:
    note = f"A 68-year-old man with {phrase} and hyperlipidaemia."
    assert _points("charlson", note, "ckd_moderate_severe") == 0


# ------------------------------------------------------------------ ACS ruled out
@pytest.mark.parametrize(
    "sentence",
    [
        "Troponin was negative x2, ruling out acute coronary syndrome.",
        "ACS was ruled out with serial troponins.",
        "Acute coronary syndrome was excluded.",
    ],
)
def test_an_excluded_acs_is_not_mi_nor_vascular_disease(sentence: str) -> None:
    note = "A 70-year-old man with atrial fibrillation. " + sentence
    assert _points("charlson", note, "mi") == 0
    assert _points("cha2ds2_vasc", note, "vascular_disease") == 0


# ------------------------------------------------------------------ discussed stroke risk
@pytest.mark.parametrize(
    "sentence",
    [
        "Discussed stroke risk and anticoagulation.",
        "We counselled her on the risk of stroke.",
        "Stroke risk was assessed with her.",
    ],
)
def test_a_discussed_stroke_risk_is_not_a_stroke(sentence: str) -> None:
    note = "A 70-year-old woman with atrial fibrillation. " + sentence
    assert _points("cha2ds2_vasc", note, "stroke_tia_thromboembolism") == 0


# ------------------------------------------------------------------ sleep-apnoea CPAP
VITALS = "RR 18, SpO2 95%, HR 80, BP 130/80, temperature 37.0 C, alert. "


@pytest.mark.parametrize(
    "sentence",
    [
        "OSA on CPAP at night.",
        "Uses home CPAP for obstructive sleep apnea.",
        "Obstructive sleep apnoea, on BiPAP nightly.",
    ],
)
def test_sleep_apnoea_cpap_is_not_supplemental_oxygen_nor_ventilation(sentence: str) -> None:
    assert _points("news2", VITALS + sentence, "supplemental_oxygen") == 0
    sofa = calculate("sofa", text="ICU admission. " + VITALS + sentence)
    vent = next((c for c in sofa.components if c.name == "mechanical_ventilation"), None)
    assert vent is None or not vent.value


@pytest.mark.parametrize("sentence", ["On 2 L nasal cannula.", "Requiring oxygen by face mask."])
def test_oxygen_is_still_supplemental_oxygen(sentence: str) -> None:
    assert _points("news2", VITALS + sentence, "supplemental_oxygen") == 2


# ------------------------------------------------------------------ absence of cough
@pytest.mark.parametrize(
    "note",
    [
        "A 25-year-old woman with a sore throat for 2 days. Temperature 38.6 C.",
        "30-year-old man: sore throat and painful swallowing; temperature 38.4 C. Red tonsils.",
    ],
)
def test_an_unmentioned_cough_meets_absence_of_cough(note: str) -> None:
    assert _points("centor_mcisaac", note, "cough_absent") == 1
    assert _points("feverpain", note, "no_cough_coryza") == 1


@pytest.mark.parametrize(
    "note",
    [
        "A 25-year-old woman with a sore throat and a dry cough for 2 days. Temperature 38.6 C.",
        "30-year-old man: sore throat, cough and runny nose since yesterday; temperature 38.4 C.",
    ],
)
def test_a_documented_cough_is_not_absent(note: str) -> None:
    assert _points("centor_mcisaac", note, "cough_absent") == 0
    assert _points("feverpain", note, "no_cough_coryza") == 0


# ------------------------------------------------------------------ CHA2DS2-VASc T
@pytest.mark.parametrize(
    "sentence",
    [
        "Prior portal vein thrombosis.",
        "History of deep vein thrombosis and pulmonary embolism.",
        "Previous venous thromboembolism on warfarin.",
    ],
)
def test_venous_thrombosis_is_not_the_thromboembolism_item(sentence: str) -> None:
    note = "A 50-year-old man with atrial fibrillation. " + sentence
    assert _points("cha2ds2_vasc", note, "stroke_tia_thromboembolism") == 0


@pytest.mark.parametrize(
    "sentence",
    [
        "History of a systemic embolism to the left leg.",
        "Prior peripheral arterial embolism.",
        "Previous cardioembolic stroke.",
    ],
)
def test_systemic_thromboembolism_is_the_item(sentence: str) -> None:
    note = "A 50-year-old man with atrial fibrillation. " + sentence
    assert _points("cha2ds2_vasc", note, "stroke_tia_thromboembolism") == 2
