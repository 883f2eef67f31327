"""The open vocabulary: generated ICD-10-CM and HPO terms, curated abbreviations, spelling
normalisation, the cached index and the matcher's precision guards."""

from __future__ import annotations

import pytest

from medassist.errors import MedassistError
from medassist.text.engine import extract
from medassist.text.matcher import find_entities, vocabulary_sizes
from medassist.text.vocab import index as vocab_index
from medassist.text.vocab.abbreviations import abbreviations, contexts, token_aliases
from medassist.text.vocab.spelling import spelling_key
from medassist.text.vocab.terms import match_forms


def found(text: str) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (e.text, e.preferred, e.code, e.vocabulary)
        for e in find_entities(text)
        if e.category != "medication"
    ]


def names(text: str) -> list[str]:
    return [p for _, p, _, _ in found(text)]


# ------------------------------------------------------------------ spelling normalisation
@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("haemoptysis", "hemoptysis"),
        ("oedema", "edema"),
        ("anaemia", "anemia"),
        ("oesophagus", "esophagus"),
        ("paediatric", "pediatric"),
        ("diarrhoea", "diarrhea"),
        ("dyspnoea", "dyspnea"),
        ("ischaemic", "ischemic"),
        ("tumour", "tumor"),
        ("hospitalised", "hospitalized"),
        ("centre", "center"),
        ("coeliac", "celiac"),
        ("sulphate", "sulfate"),
    ],
)
def test_spelling_key_merges_british_and_american(british: str, american: str) -> None:
    assert spelling_key(british) == spelling_key(american)


@pytest.mark.parametrize("word", ["four", "hour", "toe", "does", "poet", "bone"])
def test_spelling_key_leaves_other_words(word: str) -> None:
    assert spelling_key(word) == word


def test_british_spellings_match_terms_written_in_american() -> None:
    assert names("Haemoptysis x2.") == names("hemoptysis x2.") == ["hemoptysis"]
    assert names("Ischaemic heart disease") == names("ischemic heart disease")
    assert names("Paediatric asthma; leukaemia in remission") == names(
        "pediatric asthma; leukemia in remission"
    )


# ------------------------------------------------------------------ term normalisation
def test_icd_qualifiers_are_stripped() -> None:
    assert match_forms("Migraine, unspecified, not intractable, without status migrainosus") == [
        "migraine"
    ]
    assert match_forms("Postnatal depression, NOS") == ["postnatal depression"]
    assert match_forms("Bronchitis (acute) (chronic)") == ["bronchitis"]
    assert "cataract" in match_forms("Cataract, right eye")


def test_unspecific_terms_are_dropped() -> None:
    assert match_forms("Other fatigue") == []
    assert match_forms("Other specified disorders of bone") == []
    assert match_forms("Pain") == []  # one everyday word
    assert match_forms("PRES") == []  # an acronym: only the curated table reads those


def test_term_variants() -> None:
    assert "ankle sprain" in match_forms("Sprain of ankle")
    assert "prostate cancer" in match_forms("Malignant neoplasm of prostate")
    assert {"rotator cuff tear", "rotator cuff rupture"} <= set(
        match_forms("Rotator cuff tear or rupture, not specified as traumatic")
    )
    assert "shoulder instability" in match_forms("Other instability, right shoulder")
    assert "de quervain tenosynovitis" in match_forms("Radial styloid tenosynovitis [de Quervain]")
    forms = match_forms("Parkinson's disease")
    assert forms[0] == "parkinson's disease"
    assert {"parkinsons disease", "parkinson disease", "parkinsons"} <= set(forms)
    assert "patellar tendinopathy" in match_forms("Patellar tendinitis")


# ------------------------------------------------------------------ vocabularies
def test_vocabulary_sizes_by_source() -> None:
    sizes = vocabulary_sizes()
    assert sizes["icd10cm"] > 15000
    assert sizes["hpo"] > 15000
    assert sizes["abbreviations"] > 150
    assert sizes["core"] > 1500
    assert sum(sizes.values()) > 40000


def test_entities_say_their_vocabulary_and_code() -> None:
    (rosacea,) = find_entities("Rosacea on both cheeks.")
    assert (rosacea.vocabulary, rosacea.code_system, rosacea.code) == (
        "icd10cm",
        "ICD-10-CM",
        "L71.9",
    )
    (foot,) = find_entities("R foot pain for 3 weeks.")
    assert (foot.vocabulary, foot.code_system) == ("hpo", "HPO")
    assert foot.code.startswith("HP:")
    (pa,) = find_entities("Known pAF, rate controlled.")
    assert (pa.vocabulary, pa.code) == ("abbreviations", "I48.0")
    assert find_entities("Hypertension.")[0].vocabulary == "core"


def test_conditions_nobody_listed_are_found() -> None:
    assert names("Onychomycosis of toenails, longstanding.") == ["tinea unguium"]
    assert names("Known Peyronie's disease, ongoing.") == ["induration penis plastica"]
    assert "shoulder instability" in names("Recurrent L shoulder instability, atraumatic.")
    assert "restless legs syndrome" in names("Bothered by restless legs syndrome at night.")


def test_abbreviation_codes_are_valid_icd10cm() -> None:
    import simple_icd_10_cm as icd

    for abbr in abbreviations():
        if abbr.code:
            assert icd.is_valid_item(abbr.code), abbr
    assert contexts().window_tokens > 0
    exact, any_case = token_aliases()
    assert exact["Ca"] == "cancer" and any_case["def"] == "deficiency"


# ------------------------------------------------------------------ GP shorthand
def test_gp_problem_list_shorthand() -> None:
    got = names("PMHx: HTN, T2DM, COPD, IHD, pAF, GORD, OSA")
    assert got == [
        "hypertension",
        "type 2 diabetes mellitus",
        "chronic obstructive pulmonary disease",
        "ischemic heart disease",
        "paroxysmal atrial fibrillation",
        "gastro-oesophageal reflux disease",
        "obstructive sleep apnea",
    ]


def test_shorthand_words_inside_terms() -> None:
    assert names("Iron def anaemia, long standing") == ["iron deficiency anemia"]
    assert names("iron deficiency anaemia") == ["iron deficiency anemia"]
    assert names("Known prostate Ca on ADT") == ["prostate cancer"]
    assert names("GAD + panic d/o since teens") == [
        "generalized anxiety disorder",
        "panic disorder",
    ]
    assert names("adj disorder with anxiety") == ["adjustment disorder with anxiety"]


def test_shorthand_alone_is_not_a_concept() -> None:
    assert names("Ca 2.31 mmol/L, Mg 0.8") == []  # calcium, not cancer
    assert names("O/E NAD, SNT, afeb. Obs WNL.") == []
    assert names("Hx: c/o cough 3/7") == ["cough"]


def test_vaccination_and_non_smoking_are_not_conditions() -> None:
    assert names("Flu vax given today; COVID vacc due") == []
    assert names("Flu vax given; had COVID last month") == ["covid-19"]
    assert names("Non-smoker. Never smoker. nonsmoker") == []


# ------------------------------------------------------------------ ambiguous abbreviations
def test_ambiguous_abbreviation_needs_context() -> None:
    assert names("Palpitations, ECG showed AF.") == [
        "palpitations",
        "electrocardiogram",
        "atrial fibrillation",
    ]
    assert names("AF on warfarin since 2019.") == ["atrial fibrillation"]
    assert names("Power: HF 4+/5, KF 5/5") == []
    assert names("Motor: HF HE HAdd KF KE AF AE 5 5 5") == []
    assert names("PE (targeted)\nObs: BP 120/80") == []
    assert names("Needs ED r/v today if worse") == []  # emergency department
    assert names("ED with low libido, trialled sildenafil") == ["erectile dysfunction"]


def test_ambiguous_abbreviation_in_a_problem_list_or_read_once() -> None:
    assert "atrial fibrillation" in names("Background: HTN, AF, T2DM")
    assert "multiple sclerosis" in names("History of MS, stroke.")
    text = "MS relapse last year, on ocrelizumab.\nPlan: review MS at neuro clinic."
    assert names(text).count("multiple sclerosis") == 2
    assert "multiple sclerosis" not in names("MS: alert and oriented")


def test_longest_match_then_core_priority() -> None:
    assert names("worried about a small heart attack") == ["myocardial infarction"]
    got = found("Type 2 diabetes mellitus with diabetic nephropathy")
    assert got[0][3] in {"core", "icd10cm"} and got[0][2].startswith("E11.2")


# ------------------------------------------------------------------ sections and findings
def test_generated_terms_on_a_medication_line_are_not_conditions() -> None:
    meds = extract("Meds:\ndoxycycline 50 mg daily for rosacea\n")
    assert [e.preferred for e in meds.entities if e.category == "condition"] == []
    listed = extract("Meds:\nmetronidazole gel nocte\nRosacea flaring on cheeks\n")
    assert "rosacea" in [e.preferred for e in listed.entities]
    history = extract("PMH:\nrosacea\n")
    assert [e.preferred for e in history.entities] == ["rosacea"]


def test_exam_descriptors_are_findings_not_conditions() -> None:
    for note in ("Exam: anxious, tearful.", "Examination: appears anxious and restless."):
        (anxious,) = [e for e in extract(note).entities if e.text == "anxious"]
        assert anxious.category == "symptom" and anxious.code is None
    impression = extract("Impression: anxiety.\nExam: calm.")
    (anxiety,) = [e for e in impression.entities if e.text == "anxiety"]
    assert anxiety.category == "condition" and anxiety.code == "F41.9"


def test_qualifiers_are_part_of_the_mention() -> None:
    (e,) = find_entities("Infective conjunctivitis both eyes")
    assert (e.text, e.preferred) == ("Infective conjunctivitis", "conjunctivitis")
    (e,) = find_entities("known mixed dementia, lives alone")
    assert (e.text, e.preferred) == ("mixed dementia", "dementia")


# ------------------------------------------------------------------ the cached index
def test_index_cache_round_trip_and_corruption(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MEDASSIST_CACHE_DIR", str(tmp_path))
    data = {
        "concepts": [("x", "condition", None, None, "core")],
        "trie": {"x": {"": [(0, None, 0)]}},
    }
    path = vocab_index._cache_path("stamp1")
    assert path is not None and path.parent == tmp_path
    vocab_index._store(path, "stamp1", data)
    loaded = vocab_index._load(path, "stamp1")
    assert loaded["trie"] == {"x": {"": [(0, None, 0)]}}
    assert vocab_index._load(path, "stamp2") is None  # stale stamp
    path.write_bytes(path.read_bytes()[:40])  # truncated
    assert vocab_index._load(path, "stamp1") is None
    monkeypatch.setenv("MEDASSIST_CACHE_DIR", "off")
    assert vocab_index._cache_path("stamp1") is None


def test_index_stamp_is_stable() -> None:
    assert vocab_index.index_stamp() == vocab_index.index_stamp()
    assert vocab_index.vocabulary_index() is vocab_index.vocabulary_index()


@pytest.mark.parametrize(
    "row",
    [
        "X\tname\tdisease\t\t",  # unknown category
        "X\tname\tcondition\t\tnowhere",  # unknown context class
        "X\tname\tcondition",  # missing columns
    ],
)
def test_strict_loaders_reject_bad_rows(monkeypatch, row: str) -> None:
    from medassist.text.vocab import abbreviations as module

    real = module._read
    monkeypatch.setattr(module, "_read", lambda name: row if name.endswith(".tsv") else real(name))
    module.abbreviations.cache_clear()
    try:
        with pytest.raises(MedassistError):
            module.abbreviations()
    finally:
        monkeypatch.undo()
        module.abbreviations.cache_clear()
    assert module.abbreviations()


def test_summary_lists_stay_readable_with_many_conditions() -> None:
    from medassist.text.summary import MAX_LISTED

    problems = ", ".join(
        [
            "rosacea",
            "psoriasis",
            "asthma",
            "migraine",
            "gout",
            "epilepsy",
            "glaucoma",
            "cataract",
            "sciatica",
            "vertigo",
            "tinnitus",
            "eczema",
            "acne",
            "scabies",
            "cellulitis",
            "impetigo",
            "onychomycosis",
            "bursitis",
            "hypothyroidism",
            "obesity",
        ]
    )
    extraction = extract(f"Assessment: {problems}.")
    (sentence,) = [s for s in extraction.summary.sentences if s.startswith("Documented")]
    assert sentence.count(",") == MAX_LISTED - 1
    assert sentence.endswith("more.")
    short = extract("Assessment: rosacea, gout.")
    assert "Documented conditions: rosacea, gout." in short.summary.sentences


def test_tests_screens_vaccines_and_services_named_after_a_condition() -> None:
    for text in (
        "Copy of results to HIV clinic.",
        "Bloods incl DM screen and HCC screen.",
        "Ordered HCV PCR, Hep B sAg, HIV Ab.",
        "Check COVID booster due; flu vaccine given.",
        "Referred to fracture clinic.",
    ):
        assert [e for e in find_entities(text) if e.category == "condition"] == [], text
    assert names("Known HIV, stable on ART.") == ["human immunodeficiency virus infection"]
    assert names("Known T2DM, poorly controlled") == ["type 2 diabetes mellitus"]


def test_abbreviation_after_a_number_is_a_unit() -> None:
    assert names("SpO2 98% RA, afebrile") == []
    assert names("sats 97 % RA at rest") == []
    assert names("RA on methotrexate, hands swollen") == ["rheumatoid arthritis"]


def test_descriptors_anywhere_are_findings() -> None:
    for text in ("Pt very anxious re results.", "Mildly anxious about the scan."):
        (e,) = [e for e in extract(text).entities if e.text == "anxious"]
        assert e.category == "symptom" and e.code is None
    for text in (
        "Known generalised anxiety, on sertraline.",
        "Health anxiety, reassurance seeking.",
    ):
        assert "anxiety" in [
            e.preferred for e in extract(text).entities if e.category == "condition"
        ]


def test_an_ambiguous_abbreviation_beside_one_concept_needs_its_context() -> None:
    # ED here is an eating disorder: one neighbour is not a list
    assert "erectile dysfunction" not in names("Hx ED + hyperprolactinaemia")
    assert "erectile dysfunction" not in names("Amenorrhoea: ED, low BMI")
    assert "atrial fibrillation" in names("PMHx: HTN, AF, T2DM")


def test_acronyms_in_icd_brackets_are_not_lower_case_words() -> None:
    assert names("Keeps forgetting pots on the stove.") == []
    assert match_forms("Postural orthostatic tachycardia syndrome [POTS]") == [
        "postural orthostatic tachycardia syndrome"
    ]


def test_context_class_words_on_the_same_line() -> None:
    assert "Guillain-Barre syndrome" in names(
        "Recent GBS dx, hosp 4/52 ago, then rapidly progressive distal weakness"
    )
    assert "Guillain-Barre syndrome" in names("GBS with areflexia, treated with IVIg")
    assert "Guillain-Barre syndrome" not in names("GBS swab positive at 36 weeks pregnancy")
