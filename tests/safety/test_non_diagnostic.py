from __future__ import annotations

import pytest
from safety_corpus import diagnostic_corpus, read_lines

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
            "Start amoxicillin 500 mg TID.",
            "A clinician may consider whether to start amoxicillin 500 mg TID.",
        ),
        (
            "You should take ibuprofen 400 mg.",
            "A clinician may consider whether to take ibuprofen 400 mg.",
        ),
        (
            "Give 2 mg morphine IV now.",
            "A clinician may consider whether to give 2 mg morphine IV now.",
        ),
        ("Discontinue metoprolol.", "A clinician may consider whether to discontinue metoprolol."),
        ("THE PATIENT HAS SEPSIS.", "Findings that may warrant clinician evaluation for SEPSIS."),
    ],
)
def test_rewrites(text: str, expected: str) -> None:
    out = enforce_non_diagnostic(text)
    assert out.text == expected
    (finding,) = out.findings
    assert finding.layer == "non_diagnostic" and finding.action == "rewritten"
    assert finding.span is not None and finding.span.start == 0


def test_findings_codes_and_spans_in_a_paragraph() -> None:
    text = "Reported symptoms: cough. The patient has pneumonia. Start ceftriaxone 1 g IV."
    out = enforce_non_diagnostic(text)
    assert out.text.startswith("Reported symptoms: cough. ")
    codes = [f.code for f in out.findings]
    assert codes == ["diagnostic_statement", "prescriptive_statement"]
    spans = [text[f.span.start : f.span.end] for f in out.findings if f.span]
    assert spans == ["The patient has pneumonia", "Start ceftriaxone 1 g IV"]


def test_list_keeps_structure() -> None:
    out = enforce_non_diagnostic("- Pneumonia (confirmed)\n- PE ruled out\n- Start heparin drip")
    lines = out.text.split("\n")
    assert len(lines) == 3 and all(ln.startswith("- ") for ln in lines)
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
