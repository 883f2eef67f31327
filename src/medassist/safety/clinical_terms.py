"""Word classes of the non-diagnostic layer: diagnoses, treatments, investigations, headings.

A *diagnosis* is a disease word or phrase (``pneumonia``, ``heart failure``) or a word with a
disease suffix (``appendicitis``, ``sarcoidosis``, ``carcinoma``); radiological finding words
(``opacity``, ``effusion``, ``nodule``) are not diagnoses, so "the X-ray shows an opacity" is an
observation while "the X-ray shows pneumonia" states a diagnosis. A diagnosis is *affirmed* in
a clause unless a negation cue (``no``, ``without``, ``rather than``) precedes it in that clause.

A *treatment* is a drug the text engine's drug lexicon knows (:func:`medassist.text.drugs.
find_drug_mentions`), a treatment word (``antibiotics``, ``chest drain``, ``appendectomy``) or a
dose (``500 mg``); a drug that is also a measured analyte (``potassium``) is not a treatment
when an investigation verb (``recheck``) governs the clause. Data: ``data/clinical_terms.json``
(strict loader: unknown keys are rejected).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from medassist.errors import ConfigurationError

__all__ = [
    "affirmed_diagnosis",
    "has_treatment",
    "heading_kind",
    "mentions_diagnosis",
    "starts_with_treatment",
    "suggests_treatment",
]


class _Headings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    diagnostic: list[str]
    plan: list[str]
    documentary: list[str]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    meta: dict[str, str]
    diagnosis_words: list[str]
    diagnosis_suffixes: list[str]
    suffix_exceptions: list[str]
    negation_cues: list[str]
    treatment_words: list[str]
    lab_analytes: list[str]
    treatment_cues: list[str]
    investigation_verbs: list[str]
    headings: _Headings
    imaging_labels: list[str]


class _Terms:
    def __init__(self, spec: _Spec) -> None:
        self.diagnosis = _words(spec.diagnosis_words, suffixes=spec.diagnosis_suffixes)
        self.exceptions = frozenset(w.lower() for w in spec.suffix_exceptions)
        self.negation = _words(spec.negation_cues)
        self.treatment = _words(spec.treatment_words)
        self.analytes = frozenset(w.lower() for w in spec.lab_analytes)
        self.cues = _words(spec.treatment_cues)
        self.investigation = _words(spec.investigation_verbs)
        self.imaging = _words(spec.imaging_labels)
        self.headings = {
            kind: frozenset(h.lower() for h in getattr(spec.headings, kind))
            for kind in ("diagnostic", "plan", "documentary")
        }


def _alternation(words: list[str]) -> str:
    parts = sorted({re.escape(w.lower()).replace(r"\ ", r"\s+") for w in words}, key=len)
    return "|".join(reversed(parts))


def _words(words: list[str], *, suffixes: list[str] | None = None) -> re.Pattern[str]:
    alt = _alternation(words)
    if suffixes:
        alt += r"|[a-z]{2,}(?:" + "|".join(re.escape(s) for s in suffixes) + ")"
    return re.compile(rf"(?<![\w-])(?:{alt})(?![\w-])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _terms() -> _Terms:
    raw = json.loads(
        resources.files("medassist.safety").joinpath("data/clinical_terms.json").read_text("utf-8")
    )
    raw["meta"] = raw.pop("_meta", {})
    try:
        spec = _Spec.model_validate(raw)
    except ValueError as exc:
        raise ConfigurationError(f"safety/data/clinical_terms.json: {exc}") from exc
    return _Terms(spec)


#: a dose, a route or a frequency written next to a drug: "500 mg", "IV", "BD", "4-hourly"
DOSE = re.compile(
    r"(?<![\w.])\d+(?:[.,]\d+)?\s*(?:-\s*\d+\s*)?(?:mg|mcg|µg|micrograms?|g|grams?|units?|iu|ml|l|mmol|"
    r"tablets?|tabs?|puffs?|drops?|mg/kg(?:/day)?|ml/h|l/min)(?![\w])(?!/(?:l|dl|ml|mol|litre|liter)\b)"
    r"|\b(?:iv|po|im|sc|s/c|prn|stat|bd|bid|tds|tid|qds|qid|od|nocte|mane|"
    r"once\s+daily|twice\s+daily|three\s+times\s+(?:a\s+day|daily)|\d+-hourly)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[,;:()]|\bbut\b|\bhowever\b", re.IGNORECASE)


def mentions_diagnosis(text: str) -> bool:
    """A diagnosis word anywhere in ``text`` (affirmed or not)."""
    t = _terms()
    return any(m.group(0).lower() not in t.exceptions for m in t.diagnosis.finditer(text))


def affirmed_diagnosis(text: str) -> bool:
    """A diagnosis word in ``text`` that no negation cue of its clause precedes."""
    t = _terms()
    for m in t.diagnosis.finditer(text):
        if m.group(0).lower() in t.exceptions:
            continue
        before = text[: m.start()]
        breaks = list(_CLAUSE_BREAK.finditer(before))
        clause = before[breaks[-1].end() :] if breaks else before
        if not t.negation.search(clause):
            return True
    return False


def _drug_spans(text: str) -> list[tuple[int, int, str]]:
    from medassist.text.drugs import find_drug_mentions

    return [(e.start, e.end, e.text.lower()) for e in find_drug_mentions(text)]


def has_treatment(text: str) -> bool:
    """A drug, a treatment word or a dose in ``text`` (analytes under an investigation verb skip)."""
    t = _terms()
    if t.treatment.search(text) or DOSE.search(text):
        inv = t.investigation.search(text)
        if not inv or DOSE.search(text):
            return True
        # "recheck the insulin level": a treatment word that is an analyte, under a test verb
        if any(m.group(0).lower() not in t.analytes for m in t.treatment.finditer(text)):
            return True
    investigated = t.investigation.search(text) is not None
    for _, _, name in _drug_spans(text):
        if investigated and name in t.analytes:
            continue
        return True
    return False


def suggests_treatment(text: str) -> bool:
    """``text`` orders or suggests a treatment: a treatment and a directive or suggestion cue."""
    return bool(_terms().cues.search(text)) and has_treatment(text)


def heading_kind(label: str) -> str | None:
    """``diagnostic``, ``plan`` or ``documentary`` for a heading word, else None."""
    key = re.sub(r"\s+", " ", label.strip(" \t-*•#").lower())
    for kind, words in _terms().headings.items():
        if key in words:
            return kind
    if _terms().imaging.search(key):
        return "diagnostic"  # "Chest X-ray:", "CT head:" introduce what the study is said to show
    return None


def starts_with_treatment(text: str) -> bool:
    """``text`` begins with a drug or a treatment word ("Amoxicillin 500 mg", "Chest drain")."""
    t = _terms()
    if t.treatment.match(text):
        return True
    return any(start == 0 for start, _, _ in _drug_spans(text))
