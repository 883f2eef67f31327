"""General clinical phrasing rules of the point scores (Caprini, APACHE II, SOFA, PSI)."""

from __future__ import annotations

import time

from medassist.risk import calculate
from medassist.risk.base import get_calculator
from medassist.risk.facts import NoteFacts
from medassist.risk.score_cues import unhedged_condition
from medassist.text.findings import in_negated_list


def _comp(result, name):  # type: ignore[no-untyped-def]
    return next(c for c in result.components if c.name == name)


# ------------------------------------------------------------------ Caprini
def test_caprini_past_mi_counts_as_the_mi_item() -> None:
    r = calculate("caprini", text="A 70-year-old man with a PMH of MI (2014) and HTN.")
    c = _comp(r, "acute_mi")
    assert c.points == 1 and c.evidence[0].text == "MI"
    r = calculate("caprini", text="A 70-year-old man. No history of COPD, MI or stroke.")
    assert _comp(r, "acute_mi").points == 0
    # a lowercase 'mi' is not the abbreviation
    r = calculate("caprini", text="A 70-year-old man said 'mi casa' twice.")
    assert _comp(r, "acute_mi").points == 0


def test_caprini_completed_operation_is_recent_major_surgery() -> None:
    note = "A 52-year-old male is confined to bed rest for 4 days after a bowel resection."
    c = _comp(calculate("caprini", text=note), "recent_major_surgery")
    assert c.points == 1 and "bowel resection" in (c.evidence[0].text or "")
    note = "A 60-year-old woman is admitted following a stroke and thromboembolism removal."
    assert _comp(calculate("caprini", text=note), "recent_major_surgery").points == 1


def test_caprini_minor_old_or_planned_operation_is_not_recent_major_surgery() -> None:
    for note in (
        "A 74-year-old woman underwent minor surgery for cosmetic reconstruction of the limb.",
        "A 74-year-old woman, after a hip replacement 6 years ago, walks daily.",
        "A 62-year-old man is scheduled for elective major lower extremity arthroplasty.",
        "A 62-year-old man. There is no recent history of major surgery after a bowel resection.",
        "A 62-year-old man, status post appendectomy, voids well after removal of the Foley.",
        "A 62-year-old man underwent a laminectomy on 5/27/97.",
        "A 62-year-old man. After risk of operation was explained, he consented.",
    ):
        assert _comp(calculate("caprini", text=note), "recent_major_surgery").points == 0, note


# ------------------------------------------------------------------ APACHE II
def test_apache2_impaired_renal_function_without_ckd_is_acute() -> None:
    note = (
        "A 73-year-old male with acute abdominal pain. Creatinine level of 4.58 mg/dL, "
        "indicating impaired renal function."
    )
    r = calculate("apache2", text=note)
    arf = _comp(r, "acute_renal_failure")
    assert arf.value is True and "no chronic kidney disease" in (arf.evidence[0].note or "")
    assert _comp(r, "creatinine").points == 8  # 4 points doubled


def test_apache2_impaired_renal_function_with_ckd_is_not_acute() -> None:
    note = (
        "A 73-year-old male with chronic kidney disease. Creatinine level of 4.58 mg/dL, "
        "indicating impaired renal function."
    )
    r = calculate("apache2", text=note)
    assert not _comp(r, "acute_renal_failure").value
    assert _comp(r, "creatinine").points == 4


# ------------------------------------------------------------------ SOFA
def test_sofa_bilirubin_value_written_before_the_name() -> None:
    note = (
        "ICU admission. Glasgow Coma Scale score was 13. Also, at 2.3 mg/dL, his bilirubin "
        "level has spiked slightly beyond the usual range."
    )
    c = _comp(calculate("sofa", text=note), "bilirubin")
    assert c.value == 2.3 and c.points == 2
    assert "bilirubin" in (c.evidence[0].text or "")


def test_sofa_doses_listed_respectively_are_paired_by_order() -> None:
    note = (
        "ICU admission, GCS 13. He is on norEPINEPHrine coupled with EPINEPHrine at 0.07 "
        "mcg/kg/min and 0.06 mcg/kg/min respectively. Creatinine 2.4 mg/dL."
    )
    facts = NoteFacts.from_text(note)
    out = get_calculator("sofa").derive(facts)
    assert out["norepinephrine"].value == 0.07
    assert out["epinephrine"].value == 0.06
    assert "respectively" in (out["epinephrine"].evidence.note or "")
    # without 'respectively' each name keeps the dose written after it
    out = get_calculator("sofa").derive(
        NoteFacts.from_text("Dopamine at 4 mcg/kg/min and norepinephrine at 0.2 mcg/kg/min.")
    )
    assert out["dopamine"].value == 4 and out["norepinephrine"].value == 0.2


# ------------------------------------------------------------------ negated lists / PSI
def test_negation_reaches_every_item_of_a_long_list() -> None:
    text = (
        "She denies any past medical history of congestive heart failure, renal disease, "
        "cerebrovascular disease, liver disease, or neoplastic disease."
    )
    assert in_negated_list(text, text.index("neoplastic"))
    f = unhedged_condition(NoteFacts.from_text(text), "cancer", lists=True)
    assert f is not None and f.value is False and f.evidence.note == "negated"


def test_a_contrast_or_a_new_clause_ends_the_negated_list() -> None:
    text = "No fever, chills, night sweats or cough, but she has a history of neoplastic disease."
    assert not in_negated_list(text, text.index("neoplastic"))
    f = unhedged_condition(NoteFacts.from_text(text), "cancer", lists=True)
    assert f is not None and f.value is True
    text = "Denies chest pain, and the patient reports neoplastic disease in remission."
    assert not in_negated_list(text, text.index("neoplastic"))
    # a mention that is not a later list item is left to the ordinary negation rules
    text = "Her neoplastic disease, unlike her heart failure, is new."
    assert not in_negated_list(text, text.index("neoplastic"))


def test_psi_long_negated_comorbidity_list() -> None:
    note = (
        "A 73-year-old female arrives at the emergency department with pneumonia. She denies "
        "any past medical history of congestive heart failure, renal disease, cerebrovascular "
        "disease, liver disease, or neoplastic disease. Heart rate 130 beats per minute."
    )
    r = calculate("psi", text=note)
    for name in ("neoplastic_disease", "liver_disease", "chf", "renal_disease"):
        assert _comp(r, name).points == 0, name


def test_psi_mental_status_stated_unaltered_at_presentation() -> None:
    note = (
        "A 77-year-old female with pneumonia reports increased fatigue and confusion over the "
        "past week. She has no change in her mental status at present."
    )
    c = _comp(calculate("psi", text=note), "altered_mental_status")
    assert c.points == 0 and "mental status" in (c.evidence[0].text or "")
    note = "A 77-year-old female with pneumonia is confused and disoriented to place."
    assert _comp(calculate("psi", text=note), "altered_mental_status").points == 20


# ------------------------------------------------------------------ Child-Pugh encephalopathy
def test_child_pugh_disorientation_grades_encephalopathy() -> None:
    base = "A 58-year-old woman with cirrhosis. INR 1.5, albumin 3.0 g/dL, bilirubin 1.8 mg/dL. "
    cases = {
        "On exam she is A&Ox1 (self) with asterixis.": "grade 3-4",
        "She is oriented to self only.": "grade 3-4",
        "She is alert and oriented x2, slow to answer.": "grade 1-2",
        "Her family notes altered mental status for a week.": "grade 1-2",
        "She is alert and oriented to person, place and time.": "none",
        "She is A&Ox3 and conversant.": "none",
        "There is no altered mental status.": "none",
    }
    for sentence, want in cases.items():
        c = _comp(calculate("child_pugh", text=base + sentence), "encephalopathy")
        assert c.value == want, sentence
    c = _comp(calculate("child_pugh", text=base + "She is AAO x1."), "encephalopathy")
    assert c.points == 3 and "oriented x1" in (c.evidence[0].note or "")


# ------------------------------------------------------------------ Wells DVT surgery
def test_wells_dvt_cesarean_section_is_major_surgery() -> None:
    note = "A 31-year-old woman with left calf pain. She underwent an urgent caesarean section."
    c = _comp(calculate("wells_dvt", text=note), "bedridden_or_surgery")
    assert c.points == 1 and "caesarean section" in (c.evidence[0].text or "")
    note = "A 31-year-old woman with left calf pain, after an elective C-section last week."
    assert _comp(calculate("wells_dvt", text=note), "bedridden_or_surgery").points == 1
    note = "A 31-year-old woman with left calf pain. She was born by cesarean section."
    assert _comp(calculate("wells_dvt", text=note), "bedridden_or_surgery").points == 0


# ------------------------------------------------------------------ Centor nodes
def test_centor_midline_neck_mass_is_not_a_lymph_node() -> None:
    note = (
        "A 16-year-old girl with a sore throat and a tender neck mass. The lump sits in the "
        "midline and moves up on swallowing. Temperature 37.2 C."
    )
    c = _comp(calculate("centor_mcisaac", text=note), "cervical_nodes")
    assert c.points == 0 and "not a lymph node" in (c.evidence[0].note or "")
    note = "A 16-year-old girl with a sore throat, a tender neck mass by the jaw. Temp 37.2 C."
    assert _comp(calculate("centor_mcisaac", text=note), "cervical_nodes").points == 1
    # a mention that names the nodes stays a node, whatever else the neck shows
    note = (
        "A 16-year-old girl with a sore throat, tender anterior cervical lymph nodes and a "
        "small midline thyroid nodule. Temperature 37.2 C."
    )
    assert _comp(calculate("centor_mcisaac", text=note), "cervical_nodes").points == 1


# ------------------------------------------------------------------ speed
def test_phrasing_rules_stay_fast_on_a_large_note() -> None:
    unit = (
        "She denies any history of heart failure, renal disease, stroke, liver disease, or "
        "cancer. Creatinine 2.1 mg/dL, indicating impaired renal function; at 2.3 mg/dL, the "
        "bilirubin rose. Admitted following a stroke and removal. PMH of MI. "
        "A&Ox3 oriented to person, a painful neck mass in the midline that moves on "
    )
    text = unit * (1_000_000 // len(unit))
    facts = NoteFacts.from_text(text)  # the rules themselves, without the text engine's own pass
    start = time.perf_counter()
    for cid in ("caprini", "apache2", "sofa", "psi", "child_pugh", "centor_mcisaac", "wells_dvt"):
        get_calculator(cid).derive(facts)
    assert time.perf_counter() - start < 10.0  # about 2.5 s on an idle core
