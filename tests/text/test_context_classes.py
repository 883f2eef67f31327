"""Context rule classes of the "one reading" issue, each with paraphrases in the forms real
notes take (MTSamples transcriptions, MedCalc-Bench case reports, UK/AU GP shorthand).

A class is a general rule in ``rules/context_rules.json``; every case below is a phrasing the
class must cover, not a sentence a rule was written for."""

from __future__ import annotations

import pytest

from medassist.schemas.text import ContextAssertion
from medassist.text.context import classify_context


def ctx(sentence: str, target: str) -> ContextAssertion:
    start = sentence.index(target)
    return classify_context(sentence, start, start + len(target))


# ------------------------------------------------------------------ exclusion


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        (
            "Troponin was negative x2, ruling out acute coronary syndrome.",
            "acute coronary syndrome",
        ),
        (
            "Serum immunoglobulin levels were normal thus ruling out common variable "
            "immunodeficiency.",
            "common variable immunodeficiency",
        ),
        (
            "Nephrology was consulted early and after ruling out acute toxic nephropathy, "
            "dialysis was started.",
            "acute toxic nephropathy",
        ),
        (
            "CT head was negative, effectively ruling out a subarachnoid haemorrhage.",
            "subarachnoid haemorrhage",
        ),
        ("Spontaneous bacterial peritonitis was excluded.", "Spontaneous bacterial peritonitis"),
        ("Pulmonary thromboembolism was ruled out.", "Pulmonary thromboembolism"),
        ("Echo normal, endocarditis ruled out.", "endocarditis"),
        ("Serial ECGs ruled out myocardial infarction.", "myocardial infarction"),
    ],
)
def test_completed_exclusion_negates(sentence: str, target: str) -> None:
    result = ctx(sentence, target)
    assert result.negated, result


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("Chest pain on exertion, ruling out ACS with serial troponins.", "Chest pain"),
        ("Productive cough and fever for three days; pneumonia was ruled out.", "Productive cough"),
        ("Left leg swelling, DVT excluded on ultrasound.", "Left leg swelling"),
        ("Calf tenderness, DVT ruled out by duplex.", "Calf tenderness"),
    ],
)
def test_exclusion_does_not_reach_back_over_earlier_findings(sentence: str, target: str) -> None:
    assert not ctx(sentence, target).negated


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("Admitted to r/o ACS.", "ACS"),
        ("R/O PE.", "PE"),
        ("CT chest to rule out pulmonary embolism.", "pulmonary embolism"),
        ("A chest and abdominal CT scan was done for ruling out lymphoma.", "lymphoma"),
        ("We are currently ruling out myocardial infarction.", "myocardial infarction"),
        ("Rule-out MI protocol started.", "MI"),
        ("D-dimer sent to exclude DVT.", "DVT"),
        ("Four biopsies were obtained and sent for pathology to R/O celiac sprue.", "celiac sprue"),
    ],
)
def test_planned_exclusion_is_uncertain_never_affirmed_or_denied(
    sentence: str, target: str
) -> None:
    result = ctx(sentence, target)
    assert result.uncertain and not result.negated, result
    assert not result.affirmed


# ------------------------------------------------------------------ queries


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("?stable angina.", "stable angina"),
        ("Impression: ? pneumonia.", "pneumonia"),
        ("Query appendicitis.", "appendicitis"),
        ("Qry UTI, MSU sent.", "UTI"),
        ("Possible early cellulitis.", "cellulitis"),
        ("Pain in RIF, appendicitis?", "appendicitis"),
    ],
)
def test_query_is_uncertain(sentence: str, target: str) -> None:
    result = ctx(sentence, target)
    assert result.uncertain and not result.negated, result


@pytest.mark.parametrize(
    ("sentence", "target"),
    [("c/o SOB ?PE", "SOB"), ("Cough ?chest infection", "Cough")],
)
def test_a_leading_query_does_not_reach_back(sentence: str, target: str) -> None:
    assert not ctx(sentence, target).uncertain


# ------------------------------------------------------------------ discussed, counselled, risk


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("Discussed stroke risk with the patient.", "stroke"),
        ("Counselled on the risks of DVT after surgery.", "DVT"),
        ("The patient was counseled as to the risks of bleeding and infection.", "infection"),
        (
            "Risks and benefits were discussed, risk of bleeding, infection, damage to blood "
            "vessels.",
            "bleeding",
        ),
        (
            "Deep vein thrombosis and pulmonary embolism were all discussed as potential risks of "
            "the surgery.",
            "pulmonary embolism",
        ),
        ("Educated about signs of hypoglycaemia.", "hypoglycaemia"),
        ("Aspirin to decrease his risk of stroke.", "stroke"),
        ("Bleeding risk assessed before anticoagulation.", "Bleeding"),
        ("Advised regarding the warning signs of sepsis.", "sepsis"),
    ],
)
def test_discussed_counselled_or_risk_assessed_is_hypothetical(sentence: str, target: str) -> None:
    result = ctx(sentence, target)
    assert result.hypothetical, result
    assert not result.affirmed


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("Cardiac risk factors include hypertension and smoking.", "hypertension"),
        ("Risk factors for coronary disease: diabetes, hyperlipidaemia.", "diabetes"),
    ],
)
def test_a_risk_factor_list_names_the_patients_conditions(sentence: str, target: str) -> None:
    assert ctx(sentence, target).affirmed


# ------------------------------------------------------------------ awaited results


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("CXR pending.", "CXR"),
        ("Chest x-ray is pending.", "Chest x-ray"),
        ("Urine culture is pending.", "Urine culture"),
        ("Awaiting CT head.", "CT head"),
        ("Blood cultures: results to follow.", "Blood cultures"),
        ("MRI spine requested.", "MRI spine"),
        ("The patient tolerated the procedure well, pending the results of biopsy.", "biopsy"),
    ],
)
def test_awaited_result_is_not_negative(sentence: str, target: str) -> None:
    result = ctx(sentence, target)
    assert not result.negated, result
    assert result.hypothetical, result


# ------------------------------------------------------------------ exceptions carve out


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("No arrhythmias besides rate-controlled AF.", "AF"),
        ("The patient denied any other complaints besides pain in the ankle.", "pain in the ankle"),
        ("No other complaints except mild headache.", "headache"),
        ("No significant past history apart from asthma.", "asthma"),
        ("He has no complaints other than feeling easily fatigued.", "fatigued"),
        ("Denies chest pain, palpitations, excepting occasional dizziness.", "dizziness"),
    ],
)
def test_exception_words_carve_items_out_of_the_scope(sentence: str, target: str) -> None:
    assert not ctx(sentence, target).negated


def test_the_scope_still_covers_what_precedes_the_exception() -> None:
    assert ctx("No arrhythmias besides rate-controlled AF.", "arrhythmias").negated
    assert ctx(
        "Denies chest pain, palpitations, excepting occasional dizziness.", "palpitations"
    ).negated


# ------------------------------------------------------------------ list scopes


@pytest.mark.parametrize("target", ["fever", "chills", "cough", "night sweats"])
def test_list_scope_after_a_colon_reaches_every_item(target: str) -> None:
    assert ctx("Denies: fever, chills, cough, night sweats.", target).negated


@pytest.mark.parametrize("target", ["chest pain", "SOB", "palpitations", "ankle swelling"])
def test_gp_nil_list_reaches_every_item(target: str) -> None:
    assert ctx("Nil chest pain, SOB, palpitations or ankle swelling.", target).negated


# ------------------------------------------------------------------ baseline


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("Normally A&Ox3, now confused.", "A&Ox3"),
        ("At baseline she walks with a frame.", "walks with a frame"),
        ("Bizarre behaviour at baseline, worse over the past week.", "Bizarre behaviour"),
        ("His baseline creatinine is 1.2.", "creatinine"),
        ("She is usually independent with ADLs.", "independent"),
    ],
)
def test_baseline_state_is_exposed(sentence: str, target: str) -> None:
    result = ctx(sentence, target)
    assert result.baseline, result
    assert result.triggers["baseline"]


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("Normally A&Ox3, now confused.", "confused"),
        ("Usually well, today short of breath.", "short of breath"),
    ],
)
def test_now_ends_a_baseline(sentence: str, target: str) -> None:
    assert not ctx(sentence, target).baseline


# ------------------------------------------------------------------ resolved


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("TIA with left arm weakness that resolved.", "weakness"),
        (
            "There was ST elevation in the inferior leads, which resolved after the injection.",
            "ST elevation",
        ),
        ("Hypoxemia which resolved by the conclusion of the procedure.", "Hypoxemia"),
        ("Postconcussive symptoms that have since resolved.", "Postconcussive symptoms"),
        ("His nausea and vomiting resolved.", "nausea"),
        ("Resolved pneumonia.", "pneumonia"),
    ],
)
def test_resolved_is_historical_not_denied(sentence: str, target: str) -> None:
    result = ctx(sentence, target)
    assert result.historical and not result.negated, result
    assert "resolv" in result.triggers["historical"].lower()


# ------------------------------------------------------------------ GP shorthand


@pytest.mark.parametrize(
    ("sentence", "target"),
    [("Nil CP.", "CP"), ("nil haemoptysis", "haemoptysis"), ("Nil of note: rash.", "rash")],
)
def test_nil_negates(sentence: str, target: str) -> None:
    assert ctx(sentence, target).negated


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("Nil CP, c/o SOB on exertion.", "SOB"),
        ("No fever. c/o cough x3/7", "cough"),
        ("nil rash o/e wheeze", "wheeze"),
    ],
)
def test_complains_of_is_affirmed(sentence: str, target: str) -> None:
    assert ctx(sentence, target).affirmed


def test_nil_by_mouth_is_not_a_negation() -> None:
    assert not ctx("Nil by mouth from midnight for surgery.", "surgery").negated


# ------------------------------------------------------------------ historical


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("She has a history of breast cancer.", "breast cancer"),
        ("Hx of DVT in 2015.", "DVT"),
        ("Prior myocardial infarction.", "myocardial infarction"),
        ("Previous cholecystectomy.", "cholecystectomy"),
        ("Status post appendectomy.", "appendectomy"),
        ("S/p left total knee arthroplasty.", "arthroplasty"),
        ("Remote history of peptic ulcer disease.", "peptic ulcer disease"),
        ("He had a stroke in 2015.", "stroke"),
        ("Pneumonia 3 years ago, treated as an outpatient.", "Pneumonia"),
        ("Diagnosed with asthma in March 2009.", "asthma"),
        ("Admitted with pancreatitis on 12/03/2019.", "pancreatitis"),
        ("She had a miscarriage last year.", "miscarriage"),
        ("Has had diabetes for 10 years.", "diabetes"),
        ("Background of HTN, T2DM and gout.", "gout"),
        ("Past hx: asthma.", "asthma"),
    ],
)
def test_historical_phrasings(sentence: str, target: str) -> None:
    result = ctx(sentence, target)
    assert result.historical, result
    assert not result.negated


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("HYPERTENSION.", "HYPERTENSION"),
        ("2. Type 2 diabetes mellitus.", "Type 2 diabetes mellitus"),
        ("- Hypothyroidism", "Hypothyroidism"),
        ("GORD.", "GORD"),
    ],
)
def test_bare_list_item_naming_a_long_standing_condition_is_historical(
    sentence: str, target: str
) -> None:
    result = ctx(sentence, target)
    assert result.historical, result


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("Hypertension, poorly controlled today.", "Hypertension"),  # not a bare item
        ("PNEUMONIA.", "PNEUMONIA"),  # an acute condition
        ("Borderline pulmonary hypertension.", "pulmonary hypertension"),  # a qualified finding
    ],
)
def test_other_list_items_are_not_made_historical(sentence: str, target: str) -> None:
    assert not ctx(sentence, target).historical


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        (
            "History of Billroth II for perforated ulcer, with malnutrition and vomiting.",
            "malnutrition",
        ),
        ("History of appendectomy, now with acute abdominal pain.", "abdominal pain"),
        ("History of asthma, presenting with fever and cough.", "fever"),
    ],
)
def test_a_new_clause_ends_the_history_scope(sentence: str, target: str) -> None:
    assert not ctx(sentence, target).historical


def test_section_implied_history_reaches_bare_items() -> None:
    from medassist.text.context import classify_spans

    note = "PAST MEDICAL HISTORY:\nPneumonia\nAppendicitis\n\nHPI: cough today."
    spans = [
        (note.index(w), note.index(w) + len(w)) for w in ("Pneumonia", "Appendicitis", "cough")
    ]
    pneumonia, appendicitis, cough = classify_spans(note, spans)
    assert pneumonia.historical and appendicitis.historical
    assert not cough.historical


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        (
            "Regular monitoring for potential complications of Protein C deficiency.",
            "Protein C deficiency",
        ),
        ("Counselled on the side effects of metformin.", "metformin"),
    ],
)
def test_the_cause_of_possible_complications_is_not_hypothetical(
    sentence: str, target: str
) -> None:
    assert not ctx(sentence, target).hypothetical


def test_possible_complications_listed_are_hypothetical() -> None:
    sentence = "Potential complications including bleeding and infection were explained."
    assert ctx(sentence, "bleeding").hypothetical
