from __future__ import annotations

import pytest
from safety_corpus import diagnostic_corpus, model_style_corpus, read_lines

from medassist.safety import enforce_non_diagnostic
from medassist.safety.non_diagnostic import is_definitive

DIAGNOSTIC = diagnostic_corpus()
ACCEPTABLE = read_lines("acceptable_sentences.txt")


def neutralised(original: str) -> tuple[bool, str]:
    out = enforce_non_diagnostic(original)
    lines = [ln for ln in out.text.split("\n") if ln.strip()]
    ok = (
        out.text != original
        and bool(out.findings)
        and not any(is_definitive(ln) for ln in lines)
        and enforce_non_diagnostic(out.text).findings == []  # idempotent
    )
    return ok, out.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The patient has pneumonia.",
            "Findings that may warrant clinician evaluation for pneumonia.",
        ),
        ("Diagnosis: MI", "The note documents a diagnosis of MI"),
        ("This confirms sepsis.", "Findings that may warrant clinician evaluation for sepsis."),
        ("CT rules out PE.", "Clinician evaluation is needed before excluding PE."),
        (
            "Findings are consistent with a stroke.",
            "Findings that may warrant clinician evaluation for a stroke.",
        ),
        (
            "Repeat the potassium in 4 hours.",
            "A clinician may consider whether to repeat the potassium in 4 hours.",
        ),
        (
            "Recheck the blood pressure.",
            "A clinician may consider whether to recheck the blood pressure.",
        ),
        ("THE PATIENT HAS SEPSIS.", "Findings that may warrant clinician evaluation for SEPSIS."),
    ],
)
def test_rewrites(text: str, expected: str) -> None:
    out = enforce_non_diagnostic(text)
    assert out.text == expected
    (finding,) = out.findings
    assert finding.layer == "non_diagnostic" and finding.action == "rewritten"
    assert finding.span is not None and finding.span.start == 0


# issue 13: an order or suggestion of a drug, a dose or a treatment is removed and reported,
# never softened into "A clinician may consider whether to ..." (these four rows used to expect
# that softening; the issue calls it wrong)
@pytest.mark.parametrize(
    "text",
    [
        "Start amoxicillin 500 mg TID.",
        "You should take ibuprofen 400 mg.",
        "Give 2 mg morphine IV now.",
        "Discontinue metoprolol.",
        "Give 40 mg furosemide IV.",
        "These findings warrant antibiotics.",
        "The pneumothorax requires a chest drain.",
        "Consider IV antibiotics.",
        "A clinician may consider whether to start heparin.",
        "Furosemide 40 mg IV stat.",
        "The child would benefit from a course of antibiotics.",
    ],
)
def test_treatment_orders_are_removed_not_softened(text: str) -> None:
    out = enforce_non_diagnostic(text)
    assert out.text == ""
    (finding,) = out.findings
    assert finding.code == "prescriptive_statement" and finding.action == "removed"
    assert finding.span is not None and (finding.span.start, finding.span.end) == (
        0,
        len(text.rstrip(".")),
    )
    assert text.rstrip(".") not in finding.message  # the record names the rule, not the text


@pytest.mark.parametrize(
    "text",
    [
        "Consider rechecking the potassium.",
        "Consider a repeat chest X-ray in 6 weeks.",
        "A clinician may consider whether blood cultures are needed.",
        "Review the image at full resolution.",
        "Dose or frequency is not documented for: amoxicillin; consider confirming.",
        "The note records that furosemide 40 mg IV was given in the emergency department.",
        "Medications listed: albuterol 2 puffs q4h as needed.",
        "The potassium of 6.1 mmol/L is above the usual adult range and may need review.",
    ],
)
def test_review_remeasure_document_and_documented_treatment_stay(text: str) -> None:
    assert enforce_non_diagnostic(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The chest radiograph demonstrates right lower lobe pneumonia.",
            "The chest radiograph may show findings that warrant clinician evaluation for right lower lobe pneumonia.",
        ),
        (
            "Your X-ray shows a fracture.",
            "Your X-ray may show findings that warrant clinician evaluation for a fracture.",
        ),
        (
            "There is a pneumothorax on the left.",
            "There are findings that may warrant clinician evaluation for a pneumothorax on the left.",
        ),
        (
            "The opacity is pneumonia.",
            "The opacity may warrant clinician evaluation for pneumonia.",
        ),
        (
            "The lucency at the apex is a pneumothorax.",
            "The lucency at the apex may warrant clinician evaluation for a pneumothorax.",
        ),
        ("You have diabetes.", "Findings that may warrant clinician evaluation for diabetes."),
        (
            "It looks like you have a chest infection.",
            "Findings that may warrant clinician evaluation for a chest infection.",
        ),
        (
            "Findings: right lower lobe pneumonia.",
            "Findings: findings that may warrant clinician evaluation for right lower lobe pneumonia.",
        ),
        (
            "Chest X-ray: left-sided pneumothorax.",
            "Chest X-ray: findings that may warrant clinician evaluation for left-sided pneumothorax.",
        ),
    ],
)
def test_model_style_diagnoses_are_rewritten(text: str, expected: str) -> None:
    out = enforce_non_diagnostic(text)
    assert out.text == expected
    assert [f.action for f in out.findings] == ["rewritten"]
    assert enforce_non_diagnostic(out.text).findings == []


@pytest.mark.parametrize(
    "text",
    [
        "The chest X-ray shows a right lower lobe opacity.",
        "The opacity is in the right lower zone.",
        "There is no pneumothorax.",
        "There may be an area of increased opacity; clinical correlation is suggested.",
        "The opacity may represent infection or atelectasis.",
        "A chest X-ray alone cannot confirm or exclude pneumonia.",
        "This tool does not provide a diagnosis.",
        "If you have trouble breathing, seek urgent medical help.",
        "Your note mentions that you were diagnosed with asthma as a child.",
    ],
)
def test_findings_hedges_and_negated_conclusions_stay(text: str) -> None:
    assert enforce_non_diagnostic(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "IMPRESSION:\n1. Right lower lobe pneumonia.\n2. No pneumothorax.",
            "IMPRESSION:\n1. Findings that may warrant clinician evaluation for right lower lobe "
            "pneumonia.\n2. No pneumothorax.",
        ),
        (
            "Assessment:\n- Acute exacerbation of COPD\n- Small right pleural effusion",
            "Assessment:\n- Findings that may warrant clinician evaluation for acute exacerbation "
            "of COPD\n- Small right pleural effusion",
        ),
        (
            "Plan:\n- Start ceftriaxone 1 g IV daily\n- Repeat chest X-ray in 6 weeks",
            "Plan:\n\n- A clinician may consider whether to repeat chest X-ray in 6 weeks",
        ),
        (
            "Impression:\nAcute appendicitis.\nPlan:\nUrgent appendectomy.",
            "Impression:\nFindings that may warrant clinician evaluation for acute appendicitis.\nPlan:\n",
        ),
        (
            "Past medical history:\n- Asthma\n\n1. Pneumonia\n2. Sepsis",
            "Past medical history:\n- Asthma\n\n1. Findings that may warrant clinician evaluation "
            "for pneumonia\n2. Findings that may warrant clinician evaluation for sepsis",
        ),
    ],
)
def test_report_blocks_are_read_under_their_heading(text: str, expected: str) -> None:
    out = enforce_non_diagnostic(text)
    assert out.text == expected
    assert enforce_non_diagnostic(out.text).findings == []


def test_findings_codes_and_spans_in_a_paragraph() -> None:
    text = "Reported symptoms: cough. The patient has pneumonia. Start ceftriaxone 1 g IV."
    out = enforce_non_diagnostic(text)
    assert out.text.startswith("Reported symptoms: cough. ")
    assert "ceftriaxone" not in out.text
    assert [f.action for f in out.findings] == ["rewritten", "removed"]
    codes = [f.code for f in out.findings]
    assert codes == ["diagnostic_statement", "prescriptive_statement"]
    spans = [text[f.span.start : f.span.end] for f in out.findings if f.span]
    assert spans == ["The patient has pneumonia", "Start ceftriaxone 1 g IV"]


def test_list_keeps_structure() -> None:
    out = enforce_non_diagnostic("- Pneumonia (confirmed)\n- PE ruled out\n- Start heparin drip")
    lines = out.text.split("\n")
    assert len(lines) == 3 and all(ln.startswith("- ") for ln in lines[:2])
    assert lines[2] == ""  # the heparin order is removed; the line structure stays
    assert "confirmed" not in out.text and "ruled out" not in out.text
    assert len(out.findings) == 3


def test_unrewritable_definitive_clause_is_removed() -> None:
    out = enforce_non_diagnostic("Cough noted. We diagnose.")
    assert out.text.strip() == "Cough noted."
    assert [f.action for f in out.findings] == ["removed"]


def test_empty_text() -> None:
    assert enforce_non_diagnostic("").text == "" and enforce_non_diagnostic("").findings == []


def test_corpus_sizes() -> None:
    forms = {form for form, _ in DIAGNOSTIC}
    assert len(DIAGNOSTIC) >= 150 and {"plain", "hedged", "prescriptive", "list", "caps"} <= forms
    assert len(ACCEPTABLE) >= 100


def test_diagnostic_corpus_target() -> None:
    failures = [(t, out) for _, t in DIAGNOSTIC for ok, out in [neutralised(t)] if not ok]
    rate = 1 - len(failures) / len(DIAGNOSTIC)
    assert rate >= 0.98, failures


def test_acceptable_corpus_target() -> None:
    altered = [
        (t, out.text) for t in ACCEPTABLE for out in [enforce_non_diagnostic(t)] if out.text != t
    ]
    assert len(altered) / len(ACCEPTABLE) <= 0.05, altered


def test_heldout_corpora_meet_the_targets() -> None:
    """Sentences written after the rules were frozen (see benchmarks/safety_eval.py)."""
    diag = [line.split("\t", 1)[1] for line in read_lines("heldout/diagnostic_sentences.tsv")]
    acceptable = read_lines("heldout/acceptable_sentences.txt")
    assert sum(neutralised(t)[0] for t in diag) / len(diag) >= 0.95
    assert sum(enforce_non_diagnostic(t).text != t for t in acceptable) / len(acceptable) <= 0.05


def test_score_band_wording_keeps_its_meaning() -> None:
    out = enforce_non_diagnostic("<0.4: pattern consistent with a normal-anion-gap acidosis")
    assert (
        out.text
        == "<0.4: pattern that may warrant clinician evaluation for a normal-anion-gap acidosis"
    )
    limit = "PERC positive - the rule cannot be used to exclude PE"
    assert enforce_non_diagnostic(limit).text == limit


MODEL_STYLE_REPORT = model_style_corpus("report")


def test_model_style_corpus_sizes_and_split() -> None:
    diag, acceptable = model_style_corpus()
    assert len(diag) >= 300 and len(acceptable) >= 150
    tune_d, tune_a = model_style_corpus("tune")
    assert 0.4 < len(tune_d) / len(diag) < 0.6 and 0.4 < len(tune_a) / len(acceptable) < 0.6


@pytest.mark.parametrize("half", ["tune", "report"])
def test_model_style_corpus_meets_the_targets(half: str) -> None:
    """Issue 13 targets (>= 0.98 neutralised, <= 0.05 altered); the rules were tuned on ``tune``."""
    diag, acceptable = model_style_corpus(half)
    missed = [(t, out) for _, t in diag for ok, out in [neutralised(t)] if not ok]
    missed += [
        (t, o)
        for _, t in diag
        if (o := enforce_non_diagnostic(t).text) and _drug_or_dose_left(t, o)
    ]
    assert 1 - len(missed) / len(diag) >= 0.98, missed
    altered = [(t, o) for t in acceptable if (o := enforce_non_diagnostic(t).text) != t]
    assert len(altered) / len(acceptable) <= 0.05, altered


def _drug_or_dose_left(original: str, output: str) -> bool:
    from medassist.safety.clinical_terms import DOSE
    from medassist.text.drugs import find_drug_mentions

    drugs = {e.text.lower() for e in find_drug_mentions(original)}
    return any(d in output.lower() for d in drugs) or bool(
        DOSE.search(output) and DOSE.search(original)
    )


def test_rule_files_reject_unknown_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from medassist.errors import ConfigurationError
    from medassist.safety import clinical_terms, non_diagnostic

    raw = json.loads(
        (
            non_diagnostic.resources.files("medassist.safety") / "data/diagnostic_patterns.json"
        ).read_text("utf-8")
    )
    raw["rules"][0]["typo"] = 1
    monkeypatch.setattr(non_diagnostic.json, "loads", lambda _: raw)
    non_diagnostic._load.cache_clear()
    with pytest.raises(ConfigurationError, match="typo"):
        non_diagnostic._load()
    monkeypatch.undo()
    non_diagnostic._load.cache_clear()
    terms = json.loads(
        (clinical_terms.resources.files("medassist.safety") / "data/clinical_terms.json").read_text(
            "utf-8"
        )
    )
    terms["diagnosis_wrods"] = []
    monkeypatch.setattr(clinical_terms.json, "loads", lambda _: terms)
    clinical_terms._terms.cache_clear()
    with pytest.raises(ConfigurationError, match="diagnosis_wrods"):
        clinical_terms._terms()
    monkeypatch.undo()
    clinical_terms._terms.cache_clear()
