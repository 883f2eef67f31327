from __future__ import annotations

import importlib.util
import time

import pytest

from medassist.errors import InputError
from medassist.schemas.text import Entity, EntityCategory
from medassist.text import matcher
from medassist.text.matcher import find_concepts, find_entities, matcher_size

HAS_DRUGS = importlib.util.find_spec("medassist.text.drugs") is not None


def lexical(text: str) -> list[tuple[str, str, str | None]]:
    return [(text[s:e], c.preferred, c.code) for s, e, c in find_concepts(text)]


def test_abbreviations_synonyms_and_codes() -> None:
    text = "54yo M with HTN, DM2, CHF, COPD, CKD and AFib presents with CP and SOB, N/V."
    found = {t: (p, c) for t, p, c in lexical(text)}
    assert found["HTN"] == ("hypertension", "I10")
    assert found["DM2"] == ("type 2 diabetes mellitus", "E11.9")
    assert found["CHF"] == ("heart failure", "I50.9")
    assert found["COPD"][1] == "J44.9"
    assert found["CKD"][1] == "N18.9"
    assert found["AFib"][1] == "I48.91"
    assert found["CP"] == ("chest pain", "R07.9")
    assert found["SOB"] == ("shortness of breath", "R06.02")
    assert found["N/V"] == ("nausea and vomiting", "R11.2")


def test_entities_have_spans_categories_and_code_system() -> None:
    text = "Hx of MI. Chest x-ray today. Fever."
    ents = [e for e in find_entities(text) if e.category != EntityCategory.medication]
    assert [(e.text, e.category.value) for e in ents] == [
        ("MI", "condition"),
        ("Chest x-ray", "procedure"),
        ("Fever", "symptom"),
    ]
    for e in ents:
        assert text[e.start : e.end] == e.text
    assert ents[0].code_system == "ICD-10-CM" and ents[0].code == "I21.9"
    assert ents[1].code is None and ents[1].code_system is None


def test_longest_match_wins_and_no_overlaps() -> None:
    text = "Type 2 diabetes mellitus and diabetic neuropathy; non-ST-elevation MI; chest pain."
    out = lexical(text)
    assert ("Type 2 diabetes mellitus", "type 2 diabetes mellitus", "E11.9") in out
    assert ("diabetic neuropathy", "diabetic neuropathy", "E11.40") in out
    # an ICD-10-CM combination term is longer than the core terms inside it: it wins, code E11.40
    combined = lexical("Type 2 diabetes mellitus with diabetic neuropathy.")
    assert combined == [
        (
            "Type 2 diabetes mellitus with diabetic neuropathy",
            "type 2 diabetes mellitus with diabetic neuropathy",
            "E11.40",
        )
    ]
    assert ("non-ST-elevation MI", "non-st elevation myocardial infarction", "I21.4") in out
    spans = [(s, e) for s, e, _ in find_concepts(text)]
    for (_a0, a1), (b0, _b1) in zip(spans, spans[1:], strict=False):
        assert a1 <= b0


def test_case_insensitive_synonyms_case_sensitive_abbreviations() -> None:
    assert lexical("CHEST PAIN and Hypertension") == [
        ("CHEST PAIN", "chest pain", "R07.9"),
        ("Hypertension", "hypertension", "I10"),
    ]
    # "sob" (crying) and "cad" in lower case are not the abbreviations
    assert lexical("she began to sob; a cad") == []
    assert lexical("afib and AFIB and a-fib")[0][1] == "atrial fibrillation"
    assert len(lexical("afib and AFIB and a-fib")) == 3


def test_word_boundaries() -> None:
    assert lexical("HTNs") == []
    assert lexical("coughing") == [("coughing", "cough", "R05.9")]
    assert lexical("MIDDLE") == []
    assert lexical("uncoughable") == []


def test_guarded_abbreviations() -> None:
    # PE as a header is the physical exam, not a pulmonary embolism
    assert lexical("PE: normal exam") == []
    assert lexical("CTA chest negative for PE.") == [("PE", "pulmonary embolism", "I26.99")]
    assert lexical("HA: none") == []
    assert lexical("Complains of HA and CP.") == [
        ("HA", "headache", "R51.9"),
        ("CP", "chest pain", "R07.9"),
    ]
    # lower-case guarded abbreviation forms never match
    assert lexical("pe and cp") == []


def test_no_concepts_inside_known_headers_and_blocked_phrases() -> None:
    assert lexical("PAST MEDICAL HISTORY: asthma") == [("asthma", "asthma", "J45.909")]
    assert lexical("No CVA tenderness.") == []
    assert lexical("History of CVA.") == [("CVA", "stroke", "I63.9")]
    assert lexical("ST depression in V4") == [
        ("ST depression", "abnormal electrocardiogram", "R94.31")
    ]
    assert lexical("Flu shot given.") == []


def test_plurals_and_variants() -> None:
    got = [p for _, p, _ in lexical("headaches, fevers, kidney stones, x ray, xray, DVTs")]
    assert got[:5] == ["headache", "fever", "nephrolithiasis", "x-ray", "x-ray"]


def _drug(text: str, start: int, end: int) -> Entity:
    return Entity(
        text=text,
        start=start,
        end=end,
        category=EntityCategory.medication,
        preferred=text,
        code_system="DrugBank",
        code="DB00000",
    )


def test_merge_rule_drug_wins_only_when_longer() -> None:
    hf = Entity(
        text="heart failure",
        start=0,
        end=13,
        category=EntityCategory.condition,
        preferred="heart failure",
        code_system="ICD-10-CM",
        code="I50.9",
    )
    # a shorter overlapping drug mention loses
    assert matcher._merge([hf], [_drug("heart", 0, 5)]) == [hf]
    # an equally long one loses too
    assert matcher._merge([hf], [_drug("heart failur", 1, 13)]) == [hf]
    # a longer one replaces the condition
    merged = matcher._merge([hf], [_drug("heart failure drug", 0, 18)])
    assert [(e.text, e.category.value) for e in merged] == [("heart failure drug", "medication")]
    # disjoint drug mentions are added in order; overlapping drug mentions keep the first
    merged = matcher._merge([hf], [_drug("b", 20, 25), _drug("bb", 21, 24), _drug("a", 14, 18)])
    assert [(e.start, e.end) for e in merged] == [(0, 13), (14, 18), (20, 25)]


@pytest.mark.skipif(not HAS_DRUGS, reason="medassist.text.drugs not present yet")
def test_real_drug_mentions_merged() -> None:
    text = "Takes metformin 500 mg BID for DM2 and lisinopril for HTN."
    ents = find_entities(text)
    cats = {e.text: e.category.value for e in ents}
    assert cats.get("metformin") == "medication"
    assert cats.get("lisinopril") == "medication"
    assert cats["DM2"] == "condition" and cats["HTN"] == "condition"
    assert [e.start for e in ents] == sorted(e.start for e in ents)


def test_empty_and_bad_input() -> None:
    assert find_entities("") == []
    assert find_entities("   ") == []
    with pytest.raises(InputError):
        find_entities(42)  # type: ignore[arg-type]


def test_matcher_is_built_once_and_fast() -> None:
    assert matcher_size() > 1500
    assert matcher._matcher() is matcher._matcher()
    note = ("HPI: 67yo F with HTN, DM2 and CKD presents with CP and SOB. Denies fever. " * 28)[
        :2000
    ]
    find_concepts(note)
    t0 = time.perf_counter()
    for _ in range(20):
        find_concepts(note)
    per_note_ms = (time.perf_counter() - t0) / 20 * 1000
    assert per_note_ms < 20  # typically ~1 ms


def test_guarded_abbreviations_in_tables_and_blocked_anatomy() -> None:
    assert lexical("Motor: HF HE HAdd KF KE AF AE 5 5 5") == []
    assert lexical("Mass in the CP angle.") == []
    assert lexical("Known HF, on diuretics.") == [("HF", "heart failure", "I50.9")]


def test_ms_is_guarded() -> None:
    assert lexical("MS: alert and oriented") == []
    assert lexical("History of MS, stroke.") == [
        ("MS", "multiple sclerosis", "G35"),
        ("stroke", "stroke", "I63.9"),
    ]


def test_longer_phrases_stop_misleading_shorter_matches() -> None:
    assert [p for _, p, _ in lexical("colon cancer screening due")] == ["cancer screening"]
    assert [p for _, p, _ in lexical("shock wave lithotripsy")] == ["lithotripsy"]
    assert [p for _, p, _ in lexical("respiratory depression")] == ["respiratory depression"]
