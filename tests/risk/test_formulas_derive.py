"""derive(): the formula calculators read their inputs from short realistic notes, with
evidence spans pointing at the text."""

from __future__ import annotations

import pytest

from medassist.risk.api import calculate
from medassist.risk.formulas_common import question_inputs
from medassist.risk.formulas_fluids_drugs import find_opioid_doses, find_steroid
from medassist.text.case_values import body_height, body_weight, lab_value, word_age


def _evidence_matches(result, text: str) -> None:
    for comp in result.components:
        for ev in comp.evidence:
            if ev.source == "note" and ev.start is not None:
                assert text[ev.start : ev.end] == ev.text


def test_cockcroft_gault_from_note() -> None:
    text = (
        "A 53-year old man (height, 175 cm; weight, 87 kg) was scheduled for surgery. "
        "Preoperative serum creatinine level was 1.39 mg/dL."
    )
    result = calculate("cockcroft_gault", text=text)
    assert result.value == pytest.approx(67.005, abs=0.01)
    names = {c.name: c for c in result.components}
    assert names["weight"].value == 87 and names["height"].value == 175
    assert names["creatinine"].evidence[0].text and "1.39" in names["creatinine"].evidence[0].text
    _evidence_matches(result, text)


def test_height_and_weight_written_together() -> None:
    text = "At admission the patient was 168.0 cm tall and weighed 59.0 kg, after a weight loss of 10 kg."
    assert body_height(text).value == pytest.approx(168.0)
    assert body_weight(text).value == pytest.approx(59.0)
    result = calculate("bmi", text=text)
    assert result.value == pytest.approx(59 / 1.68**2, abs=1e-3)
    assert result.band.startswith("healthy")


def test_weight_prefers_current_over_birth_or_lost_weight() -> None:
    text = (
        "He was born with a birth weight of 2.7 kg. He lost 10 kg last year. "
        "His current weight is 46.1 kg and height is 164 cm."
    )
    assert body_weight(text).value == pytest.approx(46.1)
    assert body_height(text).value == pytest.approx(164)


def test_height_in_metres_and_feet() -> None:
    assert body_height("she was 1.65 m in height yet only weighed 40 kg").value == pytest.approx(
        165
    )
    assert body_height("He is 5 ft 11 in tall").value == pytest.approx(180.34)
    assert body_weight("weighs 187 lb").value == pytest.approx(84.82, abs=0.01)
    assert body_height("a 3 cm nodule in the liver") is None


def test_ideal_body_weight_from_note() -> None:
    text = "A 31-year-old male, 173 cm tall, presented with a cough."
    result = calculate("ideal_body_weight", text=text)
    assert result.value == pytest.approx(68.65, abs=0.01)
    assert {c.name for c in result.components} == {"sex", "height"}


def test_anion_gap_family_from_labs() -> None:
    text = (
        "Laboratory studies: sodium 142 mmol/L, potassium 4.1 mmol/L, chloride 123 mmol/L, "
        "bicarbonate 14 mmol/L, albumin 2.1 g/dL."
    )
    assert calculate("anion_gap", text=text).value == pytest.approx(5.0)
    assert calculate("delta_gap", text=text).value == pytest.approx(-7.0)
    assert calculate("albumin_corrected_anion_gap", text=text).value == pytest.approx(9.75)
    result = calculate("albumin_corrected_delta_ratio", text=text)
    assert result.value == pytest.approx(-2.25 / 10, abs=1e-4)


def test_bicarbonate_synonyms() -> None:
    assert lab_value("chloride, 113 mEq/L; tCO2 7.8 mEq/L.", "bicarbonate").value == 7.8
    assert lab_value("carbon dioxide 26.4mmol/L (22-29)", "bicarbonate").value == 26.4
    assert lab_value("PO2 68.6 mmHg, HCO32− 19.2 mmol/L", "bicarbonate").value == 19.2


def test_value_before_label_and_disorder_wording() -> None:
    assert lab_value("revealed 569 mg/dL glucose, 133 mmol/L sodium", "glucose").value == 569
    assert lab_value("hyperglycemia of 836 mg/dL, hyponatremia of 128 mEq/L", "sodium").value == 128


def test_respectively_lists() -> None:
    text = "Serum sodium, potassium and chloride were 174 mEq/L, 3.6 mEq/L and 135 mEq/L, respectively."
    assert lab_value(text, "chloride").value == 135
    both = "Weight and height upon admission were recorded to be 90 kg and 189 cm, respectively."
    assert body_weight(both).value == 90 and body_height(both).value == 189


def test_fena_from_urine_panel() -> None:
    text = (
        "Labs: BUN 16 mg/dL, creatinine 0.65 mg/dL, sodium 134 mmol/L. Urine electrolytes were "
        "sodium 179 mmol/L, potassium 14 mmol/L, creatinine 37 mg/dL."
    )
    result = calculate("fena", text=text)
    assert result.value == pytest.approx(100 * 179 * 0.65 / (134 * 37), abs=1e-3)


def test_qtc_template_note() -> None:
    text = "Patient has a heart rate of 113 bpm and a QT interval of 330 msec."
    assert calculate("qtc_bazett", text=text).value == pytest.approx(452.87, abs=0.01)
    assert calculate("qtc_rautaharju", text=text).value == pytest.approx(330 * 233 / 180, abs=1e-3)


def test_map_from_blood_pressure() -> None:
    result = calculate("map", text="Blood pressure of 110/70 mmHg on arrival.")
    assert result.value == pytest.approx(83.333, abs=1e-3)


def test_mme_from_note_regimens() -> None:
    text = (
        "The patient takes 60 mg of FentANYL patch 1 time a day, 20 mg of HYDROmorphone 3 times "
        "a day, and 30 mg of FentaNYL buccal 2 times a day."
    )
    doses = {d.key: d for d in find_opioid_doses(text)}
    assert set(doses) == {"fentanyl_patch", "hydromorphone", "fentanyl_buccal"}
    assert doses["fentanyl_buccal"].note  # "mg" read as micrograms, stated in the evidence
    result = calculate("mme", text=text)
    assert result.value == pytest.approx(451.8)


def test_mme_clinical_wording() -> None:
    text = (
        "Medications: oxycodone 10 mg every 6 hours as needed, fentanyl 25 mcg/hr patch changed "
        "every 72 hours, morphine 2 mg IV once."
    )
    result = calculate("mme", text=text)
    # oxycodone 10 × 4 × 1.5 = 60; fentanyl 25 × 2.4 = 60; IV morphine is not counted
    assert result.value == pytest.approx(120.0)


def test_steroid_from_note_and_question() -> None:
    text = "Patient has taken 58.403 mg of PredniSONE PO."
    question = (
        "Based on the patient's dose of PredniSONE PO, what is the equivalent dosage in mg of "
        "Hydrocortisone IV?"
    )
    steroid, dose, target = find_steroid(text)
    assert steroid.value == "prednisone" and dose.value == pytest.approx(58.403) and target is None
    inputs = question_inputs("steroid_conversion", question)
    assert inputs == {"target_steroid": "hydrocortisone"}
    result = calculate("steroid_conversion", text=text, inputs=inputs)
    assert result.value == pytest.approx(233.612, abs=0.01)
    # the question appended to the note works as well
    assert calculate("steroid_conversion", text=f"{text}\n{question}").value == pytest.approx(
        233.612, abs=0.01
    )


def test_steroid_without_target_is_reported_missing() -> None:
    result = calculate("steroid_conversion", text="Started on dexamethasone 6 mg daily.")
    assert result.value is None and result.missing == ["target_steroid"]


def test_target_weight_template() -> None:
    text = "Patient has a height of 1.99 m and their target BMI is 24.5 kg/m^2."
    assert calculate("target_weight", text=text).value == pytest.approx(97.022, abs=0.01)


def test_pregnancy_dates_from_note() -> None:
    text = "The patient's last menstrual period was on 02/24/2000. Her cycle length is 30 days."
    assert calculate("due_date", text=text).value == "2000-12-02"
    assert calculate("conception_date", text=text).value == "2000-03-09"
    ga = "The patient's last menstrual period was on 12/23/2020. Today's date is 08/21/2021."
    assert calculate("gestational_age", text=ga).value == "(34 weeks, 3 days)"


def test_free_water_deficit_with_question_sodium() -> None:
    text = "A 17-year-old female patient weighing 35 Kg. Serum sodium was 126 mmol/L."
    inputs = question_inputs(
        "free_water_deficit",
        "What is the patient's free water deficit? The desired serum sodium concentration is 140 mEq/L.",
    )
    assert inputs == {"target_sodium": 140.0}
    assert calculate("free_water_deficit", text=text, inputs=inputs).value == pytest.approx(-2.1)


def test_word_age_and_race() -> None:
    assert word_age("A fifty-year-old male was presented").value == 50
    assert word_age("a previously healthy two-year-old girl").value == 2
    text = "A 60-year-old African American man with serum creatinine 1.9 mg/dL."
    result = calculate("mdrd", text=text)
    black = {c.name: c for c in result.components}["black"]
    assert black.value is True
    plain = calculate(
        "mdrd", text="A 60-year-old man, creatinine 1.9 mg/dL; black arrow on the scan."
    )
    assert {c.name: c.value for c in plain.components}["black"] is False


def test_missing_inputs_are_listed_not_raised() -> None:
    result = calculate("ckd_epi_2021", text="A 70-year-old woman with fatigue.")
    assert result.value is None and result.missing == ["creatinine"]


def test_relevance_in_reports() -> None:
    from medassist.risk.base import get_calculator
    from medassist.risk.facts import NoteFacts

    acidosis = NoteFacts.from_text(
        "Labs: sodium 140 mmol/L, chloride 100 mmol/L, bicarbonate 10 mmol/L, albumin 2.0 g/dL, "
        "glucose 450 mg/dL."
    )
    normal = NoteFacts.from_text(
        "Labs: sodium 140 mmol/L, chloride 104 mmol/L, bicarbonate 25 mmol/L, albumin 4.2 g/dL, "
        "glucose 95 mg/dL."
    )
    for cid in (
        "delta_gap",
        "delta_ratio",
        "albumin_corrected_anion_gap",
        "sodium_correction",
        "calcium_correction",
    ):
        assert get_calculator(cid).relevant(acidosis), cid
        assert not get_calculator(cid).relevant(normal), cid
    assert get_calculator("anion_gap").relevant(normal)
    assert not get_calculator("qtc_hodges").relevant(normal)
    child = NoteFacts.from_text("A 6-year-old boy weighing 20 kg.")
    assert get_calculator("maintenance_fluids").relevant(child)
    assert not get_calculator("maintenance_fluids").relevant(
        NoteFacts.from_text("A 40-year-old man, 80 kg.")
    )
    assert get_calculator("adjusted_body_weight").relevant(
        NoteFacts.from_text("She is 160 cm tall and weighs 100 kg.")
    )
    assert not get_calculator("adjusted_body_weight").relevant(
        NoteFacts.from_text("She is 160 cm tall and weighs 55 kg.")
    )


def test_weight_changes_are_not_body_weight() -> None:
    text = "Total weight gain was 20 kg since onset; the body weight decreased by 8.5 kg after surgery."
    assert body_weight(text) is None
    result = calculate("maintenance_fluids", text=text)
    assert result.value is None and result.missing == ["weight"]


def _inputs(result) -> dict[str, float]:
    return {c.name: c.value for c in result.components}


def test_albumin_correction_takes_the_electrolytes_of_the_albumin_panel() -> None:
    """The albumin came with a repeat panel the next day: the corrected gap uses that panel's
    sodium and chloride and the blood-gas bicarbonate of the same time, not the admission
    electrolytes measured without albumin."""
    text = (
        "A toddler was admitted with vomiting. Admission labs: sodium 131 mmol/L, chloride "
        "92 mmol/L and total CO2 13.9 mmol/L. He was given saline. On day 2 he was worse; "
        "repeat tests showed sodium 128 mmol/L, potassium 3.6 mmol/L, chloride 96 mmol/L "
        "and albumin 2.4 g/dL. A venous gas showed pH 7.27 and bicarbonate 16 mmol/L."
    )
    result = calculate("albumin_corrected_delta_gap", text=text)
    assert _inputs(result) == {"sodium": 128, "chloride": 96, "bicarbonate": 16, "albumin": 2.4}
    assert result.value == pytest.approx((128 - 96 - 16) + 2.5 * (4 - 2.4) - 12)
    _evidence_matches(result, text)
    # the uncorrected gap has no anchor: it takes the current values, those of the repeat panel
    # (the note's most recent: "repeat tests showed ..."; the admission panel is older)
    assert calculate("anion_gap", text=text).value == pytest.approx(128 - 96 - 16)


def test_albumin_in_a_separate_panel_keeps_the_chemistry_bicarbonate() -> None:
    """Albumin reported in the liver panel of the same draw, and a blood gas repeated later:
    the metabolic panel's values stay (the albumin's sentence re-states no electrolyte)."""
    text = (
        "Chemistry: sodium 136 mmol/L, chloride 90 mmol/L, bicarbonate 6 mmol/L, glucose "
        "880 mg/dL.\nLiver tests: AST 25 U/L, ALT 40 U/L, albumin 4.4 g/dL. An arterial gas "
        "one hour later: pH 7.19, pCO2 17 mmHg, HCO3- 7.5 mmol/L."
    )
    result = calculate("albumin_corrected_anion_gap", text=text)
    assert _inputs(result)["bicarbonate"] == 6
    assert result.value == pytest.approx((136 - 90 - 6) + 2.5 * (4 - 4.4))


def test_delta_ratio_without_a_raised_gap_is_not_banded() -> None:
    """Bicarbonate above 24 and a normal gap: the value is reported, the acidosis bands are
    not (they would call a normal gap an 'isolated high-anion-gap acidosis')."""
    text = "Labs: sodium 140 mEq/L, chloride 103 mEq/L, bicarbonate 28 mEq/L."
    result = calculate("delta_ratio", text=text)
    assert result.value == pytest.approx((140 - 103 - 28 - 12) / (24 - 28))
    assert result.band is not None and result.band.startswith("not interpretable")
    assert "not interpretable" in (result.interpretation or "")
    assert any("not below the normal 24" in f for f in result.flags)
    raised = calculate("delta_ratio", inputs={"sodium": 140, "chloride": 100, "bicarbonate": 14})
    assert raised.band is not None and raised.band.startswith("0.8-2.0")
