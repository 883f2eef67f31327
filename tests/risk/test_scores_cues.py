"""Score-specific extraction helpers (risk/score_cues.py) and the calculators that use them."""

from __future__ import annotations

import time

from medassist.risk import calculate
from medassist.risk.facts import NoteFacts
from medassist.risk.score_cues import (
    HEART_HISTORY_LEVELS,
    heart_history,
    hypertension_history,
    unhedged_condition,
)
from medassist.text.findings import is_hedged


def _comp(result, name):  # type: ignore[no-untyped-def]
    return next(c for c in result.components if c.name == name)


# ------------------------------------------------------------------ hedged mentions
def test_feared_mention_is_not_affirmed() -> None:
    text = "Liver function tests were normal, alleviating any fear of liver disease."
    f = unhedged_condition(NoteFacts.from_text(text), "liver_disease")
    assert f is not None and f.value is False
    assert f.evidence.text == "liver disease"


def test_hedged_mention_skipped_but_later_affirmed_one_kept_with_its_span() -> None:
    text = (
        "The initial differential also included lymphoma and sarcoidosis. "
        "A cystic neoplasm was considered unlikely. Biopsy later confirmed breast cancer."
    )
    facts = NoteFacts.from_text(text)
    f = unhedged_condition(facts, "cancer")
    assert f is not None and f.value is True
    assert text[f.evidence.start : f.evidence.end] == f.evidence.text
    assert f.evidence.start > text.index("Biopsy")


def test_only_hedged_mentions_read_as_negated() -> None:
    text = "The initial differential also included lymphoma. A neoplasm was considered unlikely."
    f = unhedged_condition(NoteFacts.from_text(text), "cancer")
    assert f is not None and f.value is False


def test_plain_mention_is_affirmed_and_cached() -> None:
    facts = NoteFacts.from_text("History of metastatic lung cancer on chemotherapy.")
    names = ("cancer",)
    first = unhedged_condition(facts, *names)
    assert first is not None and first.value is True
    assert unhedged_condition(facts, *names) is first  # memoised on the NoteFacts


def test_is_hedged_looks_only_at_the_same_sentence() -> None:
    text = "We had concerns. Lymphoma was diagnosed."
    assert not is_hedged(text, text.index("Lymphoma"))
    text2 = "There was concern for lymphoma."
    assert is_hedged(text2, text2.index("lymphoma"))


def test_transient_hypertension_is_not_a_diagnosis() -> None:
    reactive = NoteFacts.from_text(
        "Hypertension and tachycardia resulting from epinephrine administration were treated."
    )
    f = hypertension_history(reactive)
    assert f is None or f.value is not True
    chronic = NoteFacts.from_text("He has a history of hypertension treated with lisinopril.")
    f2 = hypertension_history(chronic)
    assert f2 is not None and f2.value is True


# ------------------------------------------------------------------ HEART history
def test_heart_history_levels() -> None:
    high = NoteFacts.from_text(
        "He reported retrosternal, oppressive chest pain that increased on exertion, "
        "without radiation."
    )
    f = heart_history(high)
    assert f is not None and f.value == HEART_HISTORY_LEVELS[2]
    assert "3 anginal element" in (f.evidence.note or "")
    moderate = NoteFacts.from_text("Chest pain radiating to the left arm since this morning.")
    f2 = heart_history(moderate)
    assert f2 is not None and f2.value == HEART_HISTORY_LEVELS[1]
    assert (
        heart_history(NoteFacts.from_text("Sharp chest pain after a fall, no diaphoresis.")) is None
    )


def test_heart_score_uses_the_history_elements() -> None:
    note = (
        "A 74-year-old male smoker presented with retrosternal, oppressive chest pain that "
        "increased on exertion. ECG showed ST segment elevation in V4-V6. Troponin was normal."
    )
    r = calculate("heart", text=note)
    assert _comp(r, "history").value == "highly suspicious"
    assert _comp(r, "history").points == 2
    assert r.value == 2 + 2 + 2 + 1 + 0


# ------------------------------------------------------------------ calculators
def test_has_bled_ignores_feared_liver_disease() -> None:
    note = (
        "A 65-year-old man with atrial fibrillation and a previous stroke takes clopidogrel. "
        "Liver function tests were normal, alleviating any fear of liver disease."
    )
    r = calculate("has_bled", text=note)
    assert _comp(r, "liver_disease").points == 0


def test_wells_pe_uses_highest_heart_rate() -> None:
    note = (
        "Chest pain and dyspnea; pulmonary embolism suspected. On arrival heart rate 76 beats/min. "
        "On the next day her heart rate was 115 beats/min."
    )
    r = calculate("wells_pe", text=note)
    assert _comp(r, "heart_rate").value == 115
    assert _comp(r, "heart_rate").points == 1.5


def test_wells_pe_differential_lymphoma_is_not_malignancy() -> None:
    note = (
        "Tachycardic at 130 beats per minute; CT angiography for pulmonary embolism. "
        "The differential included lymphoma and sarcoidosis."
    )
    r = calculate("wells_pe", text=note)
    assert _comp(r, "malignancy").points == 0


def test_feverpain_peritonsillar_abscess_counts_as_severe_inflammation() -> None:
    note = (
        "Sore throat with fever of 39.4 C. Tonsils with whitish exudate; CT showed bilateral "
        "peritonsillar abscess."
    )
    r = calculate("feverpain", text=note)
    assert _comp(r, "inflamed_tonsils").points == 1
    plain = calculate("feverpain", text="Sore throat; bilaterally enlarged tonsils with exudates.")
    assert _comp(plain, "inflamed_tonsils").points == 0


def test_caprini_normal_thrombophilia_test_and_leg_swelling() -> None:
    note = (
        "A 62-year-old man is scheduled for surgery. Prothrombin 20210A is normal. "
        "On physical examination, swelling was noted in the lower extremities."
    )
    r = calculate("caprini", text=note)
    assert _comp(r, "prothrombin_20210a").points == 0
    assert _comp(r, "swollen_legs").points == 1


def test_charlson_claudication_and_worded_liver_severity() -> None:
    note = (
        "A 75-year-old man is on cilostazol for leg cramping that occurs when he walks. "
        "He has a liver disease, diagnosed and followed with ongoing liver function tests which "
        "show a relatively stable moderate to severe disease."
    )
    r = calculate("charlson", text=note)
    assert _comp(r, "pvd").points == 1
    assert _comp(r, "liver_disease").points == 3


def test_helpers_are_linear_on_a_large_note() -> None:
    unit = (
        "Patient with concern for lymphoma and fear of liver disease; hypertension resulting "
        "from pain. Chest pain, retrosternal and crushing, worse on exertion. "
    )
    text = unit * (1_000_000 // len(unit))
    facts = NoteFacts.from_text(text)
    start = time.perf_counter()
    unhedged_condition(facts, "cancer")
    unhedged_condition(facts, "liver_disease")
    hypertension_history(facts)
    heart_history(facts)
    assert time.perf_counter() - start < 5.0


def test_wells_dvt_worded_findings_and_suspected_dvt() -> None:
    note = (
        "A 56-year-old woman with colon adenocarcinoma on chemotherapy underwent a laparoscopic "
        "hemicolectomy five weeks ago. Left calf pain. Newly prominent superficial veins over the "
        "medial calf. Palpation elicits focal tenderness along the posterior calf, most pronounced "
        "along the expected course of the deep venous system. Cellulitis is not supported by the "
        "lack of warmth. The presentation raises concern for a thrombotic process in the left "
        "lower extremity."
    )
    r = calculate("wells_dvt", text=note)
    assert _comp(r, "collateral_veins").points == 1
    assert _comp(r, "localized_tenderness").points == 1
    assert _comp(r, "alternative_diagnosis").points == 0


def test_rcri_intraperitoneal_surgery() -> None:
    note = (
        "A 67-year-old male presents for pre-operative evaluation prior to an elective "
        "laparoscopic cholecystectomy. Type 2 diabetes managed with insulin."
    )
    r = calculate("rcri", text=note)
    assert _comp(r, "high_risk_surgery").points == 1


def test_feverpain_purulence_must_be_tonsillar() -> None:
    note = (
        "Sore throat and nasal congestion for 12 days with fever 38.5 C. Examination shows "
        "purulent discharge in the nose and pharynx."
    )
    assert _comp(calculate("feverpain", text=note), "purulence").points == 0
    tonsil = "Sore throat; purulent tonsils on examination."
    assert _comp(calculate("feverpain", text=tonsil), "purulence").points == 1


def test_cha2ds2_vasc_single_elevated_reading_is_not_hypertension() -> None:
    note = (
        "A 62-year-old man with atrial fibrillation had an ischaemic stroke 4 years ago. "
        "The elevated blood pressure obtained at admission was 170/100 mmHg."
    )
    r = calculate("cha2ds2_vasc", text=note)
    assert _comp(r, "hypertension").points == 0
    assert r.value == 2


def test_gcs_worded_responses() -> None:
    note = (
        "Found unresponsive after days of worsening confusion. He did not exhibit any verbal "
        "communication or make any sounds. His eyes were noted to be open and moving "
        "spontaneously. To a painful stimulus he showed abnormal posturing by flexing his arms "
        "towards his body; no purposeful movements."
    )
    r = calculate("gcs", text=note)
    assert [c.value for c in r.components[:3]] == [4, 1, 3]
    assert r.value == 8


def test_caprini_family_history_and_days_in_bed() -> None:
    note = (
        "A 67-year-old male, scheduled for surgery, has been in bed for the past 4 days. "
        "He mentions that his family has a history of thrombosis."
    )
    r = calculate("caprini", text=note)
    assert _comp(r, "family_history_thrombosis").points == 3
    assert _comp(r, "mobility").points == 2


def test_apache2_acute_renal_dysfunction_doubles_creatinine_points() -> None:
    note = (
        "ICU admission. Creatinine level of 1.8 mg/dL; sepsis complicated by acute renal "
        "dysfunction."
    )
    r = calculate("apache2", text=note)
    assert _comp(r, "acute_renal_failure").value is True


def test_blood_count_differential_is_not_a_differential_diagnosis() -> None:
    text = "CBC with differential was normal in this patient with lymphoma."
    assert not is_hedged(text, text.index("lymphoma"), text.index("lymphoma") + 8)
    text2 = "STEMI was at the top of the differential."
    assert is_hedged(text2, 0, 5)
