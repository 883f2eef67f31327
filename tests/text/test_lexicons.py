from __future__ import annotations

from collections import defaultdict

import simple_icd_10_cm as cm

from medassist.text.lexicons import (
    CATEGORIES,
    lexicon_terms,
    load_concepts,
    term_tokens,
)


def test_size_and_categories() -> None:
    concepts = load_concepts()
    by_cat = defaultdict(int)
    for c in concepts:
        assert c.category in CATEGORIES
        by_cat[c.category] += 1
    assert len(concepts) >= 400
    assert by_cat["symptom"] >= 100
    assert by_cat["condition"] >= 200
    assert by_cat["procedure"] >= 60


def test_every_code_is_a_valid_icd10cm_item() -> None:
    invalid = [
        (c.preferred, c.code)
        for c in load_concepts()
        if c.code is not None and not cm.is_valid_item(c.code)
    ]
    assert invalid == []


def test_symptoms_and_conditions_have_codes_procedures_and_blocks_do_not() -> None:
    for c in load_concepts():
        if c.category in ("symptom", "condition"):
            assert c.code, c.preferred
            assert c.code_system == "ICD-10-CM"
        else:
            assert c.code is None and c.code_system is None, c.preferred


def test_key_concepts_and_codes() -> None:
    by_name = {c.preferred: c for c in load_concepts()}
    expected = {
        "chest pain": ("R07.9", "CP"),
        "shortness of breath": ("R06.02", "SOB"),
        "hypertension": ("I10", "HTN"),
        "type 2 diabetes mellitus": ("E11.9", None),
        "heart failure": ("I50.9", "CHF"),
        "chronic obstructive pulmonary disease": ("J44.9", "COPD"),
        "chronic kidney disease": ("N18.9", "CKD"),
        "atrial fibrillation": ("I48.91", "AF"),
        "myocardial infarction": ("I21.9", "MI"),
        "st elevation myocardial infarction": ("I21.3", "STEMI"),
        "non-st elevation myocardial infarction": ("I21.4", "NSTEMI"),
        "stroke": ("I63.9", "CVA"),
        "transient ischemic attack": ("G45.9", "TIA"),
        "deep vein thrombosis": ("I82.409", "DVT"),
        "pulmonary embolism": ("I26.99", "PE"),
        "urinary tract infection": ("N39.0", "UTI"),
        "coronary artery disease": ("I25.10", "CAD"),
        "gastroesophageal reflux disease": ("K21.9", "GERD"),
        "obstructive sleep apnea": ("G47.33", "OSA"),
        "upper respiratory infection": ("J06.9", "URI"),
        "headache": ("R51.9", "HA"),
        "loss of consciousness": ("R55", "LOC"),
    }
    for name, (code, abbr) in expected.items():
        concept = by_name[name]
        assert concept.code == code, name
        if abbr:
            assert abbr in concept.abbreviations, name
    assert "t2dm" in by_name["type 2 diabetes mellitus"].synonyms
    assert "dm2" in by_name["type 2 diabetes mellitus"].synonyms
    assert "n/v" in by_name["nausea and vomiting"].synonyms
    assert "afib" in by_name["atrial fibrillation"].synonyms


def test_ambiguous_abbreviations_are_guarded() -> None:
    guarded = {a for c in load_concepts() for a in c.guarded}
    assert {"PE", "CP", "HA", "AF", "LOC", "MS"} <= guarded
    # too ambiguous to list at all (room air, physical therapy, clear to auscultation)
    all_abbr = {a for c in load_concepts() for a in c.abbreviations}
    assert not {"RA", "PT", "CTA", "ED"} & all_abbr


def test_no_surface_form_points_to_two_concepts() -> None:
    seen: dict[tuple[tuple[str, ...], bool], str] = {}
    for term in lexicon_terms():
        tokens = term_tokens(term.text)
        key = (
            tokens if term.case_sensitive else tuple(t.lower() for t in tokens),
            term.case_sensitive,
        )
        owner = seen.setdefault(key, term.concept.preferred)
        assert owner == term.concept.preferred, (term.text, owner, term.concept.preferred)


def test_generated_plurals() -> None:
    forms = {t.text for t in lexicon_terms() if t.generated}
    assert "headaches" in forms
    assert "fevers" in forms
    assert "kidney stoness" not in forms
    assert not any(t.case_sensitive for t in lexicon_terms() if t.generated)


def test_term_tokens_ignores_hyphens() -> None:
    assert term_tokens("x-ray") == term_tokens("x ray") == ("x", "ray")
    assert term_tokens("N/V") == ("N", "/", "V")
    assert term_tokens("Crohn's") == ("Crohn", "'", "s")
