"""Clinical concept lexicons: symptoms/signs, conditions and procedures with ICD-10-CM codes.

The data lives in ``data/clinical_lexicon.tsv`` (written for medassist, Apache-2.0; ICD-10-CM
codes are public domain, CDC/NCHS). Each concept has a preferred name, a category, an
ICD-10-CM code (none for procedures), case-insensitive synonyms and case-sensitive
abbreviations. Abbreviations marked ``!`` are *guarded*: ambiguous (PE = pulmonary embolism or
physical exam), so the matcher never takes them inside a header or right before a colon.

Concepts of category ``block`` are phrases that the matcher consumes without reporting, so that
they stop a shorter, misleading match ("CVA tenderness" is not a stroke).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = [
    "CATEGORIES",
    "Concept",
    "Term",
    "load_concepts",
    "lexicon_terms",
    "term_tokens",
]

CATEGORIES = frozenset({"symptom", "condition", "procedure", "block"})
CODE_SYSTEM = "ICD-10-CM"

# token = a run of letters/digits or one other non-space character; hyphens are ignored so that
# "x-ray" == "x ray" and "non-ST-elevation" == "non ST elevation"
TOKEN_RE = re.compile(r"[A-Za-z0-9]+|[^\sA-Za-z0-9\-\u2010\u2011\u2013]")


@dataclass(frozen=True, slots=True)
class Concept:
    preferred: str
    category: str  # symptom | condition | procedure | block
    code: str | None  # ICD-10-CM, None for procedures and blocks
    synonyms: tuple[str, ...]
    abbreviations: tuple[str, ...]  # exact case
    guarded: frozenset[str]  # the ambiguous abbreviations among ``abbreviations``
    #: the vocabulary the concept comes from: core (this lexicon), abbreviations, icd10cm, hpo
    vocabulary: str = "core"
    #: code system of ``code`` when it is not ICD-10-CM (e.g. "HPO")
    system: str | None = None

    @property
    def code_system(self) -> str | None:
        if not self.code:
            return None
        return self.system or CODE_SYSTEM


@dataclass(frozen=True, slots=True)
class Term:
    """One surface form to match."""

    text: str
    concept: Concept
    case_sensitive: bool
    guarded: bool
    generated: bool = False  # a plural made from a synonym


def term_tokens(text: str) -> tuple[str, ...]:
    """The tokens of a term or text fragment, as the matcher sees them (case kept)."""
    return tuple(TOKEN_RE.findall(text))


@lru_cache(maxsize=1)
def load_concepts() -> tuple[Concept, ...]:
    """All concepts of the lexicon data file, in file order."""
    path = resources.files("medassist.text") / "data" / "clinical_lexicon.tsv"
    concepts: list[Concept] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("preferred\t"):
            continue
        cols = line.split("\t")
        if len(cols) != 5:
            raise ValueError(f"clinical_lexicon.tsv line {lineno}: expected 5 columns")
        preferred, category, code, synonyms, abbreviations = (c.strip() for c in cols)
        if category not in CATEGORIES:
            raise ValueError(f"clinical_lexicon.tsv line {lineno}: bad category {category!r}")
        syns = [preferred] if category != "block" else []
        syns += [s.strip() for s in synonyms.split("|") if s.strip()]
        abbrs: list[str] = []
        guarded: set[str] = set()
        for raw in abbreviations.split("|"):
            raw = raw.strip()
            if not raw:
                continue
            if raw.startswith("!"):
                raw = raw[1:]
                guarded.add(raw)
            abbrs.append(raw)
        concepts.append(
            Concept(
                preferred=preferred,
                category=category,
                code=code or None,
                synonyms=tuple(dict.fromkeys(s.lower() for s in syns)),
                abbreviations=tuple(dict.fromkeys(abbrs)),
                guarded=frozenset(guarded),
            )
        )
    return tuple(concepts)


def _plural(term: str) -> str | None:
    tokens = term.split()
    last = tokens[-1] if tokens else ""
    if not last.isalpha() or len(last) <= 3 or last.endswith(("s", "x", "ed", "ing", "ic")):
        return None
    return term + "s"


@lru_cache(maxsize=1)
def lexicon_terms() -> tuple[Term, ...]:
    """Every surface form of every concept (synonyms, plurals of synonyms, abbreviations)."""
    terms: list[Term] = []
    seen: set[tuple[str, bool]] = set()
    for concept in load_concepts():
        for syn in concept.synonyms:
            if (syn, False) not in seen:
                seen.add((syn, False))
                terms.append(Term(syn, concept, case_sensitive=False, guarded=False))
        for abbr in concept.abbreviations:
            if (abbr, True) not in seen:
                seen.add((abbr, True))
                terms.append(
                    Term(abbr, concept, case_sensitive=True, guarded=abbr in concept.guarded)
                )
    explicit = {t.text for t in terms if not t.case_sensitive}
    for concept in load_concepts():
        for syn in concept.synonyms:
            plural = _plural(syn)
            if plural and plural not in explicit:
                explicit.add(plural)
                terms.append(Term(plural, concept, False, False, generated=True))
    return tuple(terms)
