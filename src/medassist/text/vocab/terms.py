"""Normalisation of generated vocabulary terms (rules in ``data/term_rules.json``).

A source term (an ICD-10-CM description or inclusion term, an HPO name or synonym) becomes zero
or more match forms:

* comma segments that only qualify the term ("unspecified", "initial encounter", "right eye",
  "without status epilepticus") are dropped; a term with any other comma segment is dropped;
* nonessential modifiers in parentheses ("(acute)"), "NOS", "unspecified" and laterality words
  are removed inline;
* terms that are not a specific concept ("other ...", "... not elsewhere classified", codes of
  encounters, poisonings) are dropped;
* "A B or C" yields "A B" and "A C"; "X of Y" (one or two words each side) also yields "Y X"
  ("sprain of ankle" -> "ankle sprain");
* a term is kept only when specific enough: at least two content words, or one content word of
  at least ``min_single_word_length`` letters that is not a stop term (a one-word form only when
  it is a whole source term, not a part made by the rules above).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

__all__ = ["TermRules", "rules", "match_forms", "content_words"]


class TermRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    removable_segments: list[str]
    inline_removals: list[str]
    drop_if_matches: list[str]
    excluded_icd_chapters: list[str]
    max_tokens: int
    stopwords: list[str]
    single_word_stop_terms: list[str]
    min_single_word_length: int


class _Compiled:
    def __init__(self, spec: TermRules) -> None:
        self.spec = spec
        self.removable = re.compile("|".join(f"(?:{p})" for p in spec.removable_segments))
        self.inline = [re.compile(p) for p in spec.inline_removals]
        self.drop = re.compile("|".join(f"(?:{p})" for p in spec.drop_if_matches))
        self.stopwords = frozenset(spec.stopwords)
        self.stop_terms = frozenset(spec.single_word_stop_terms)


@lru_cache(maxsize=1)
def rules() -> _Compiled:
    raw = resources.files("medassist.text.vocab").joinpath("data/term_rules.json").read_text(
        "utf-8"
    )
    data = json.loads(raw)
    data.pop("_comment", None)
    return _Compiled(TermRules.model_validate(data))


_WORD = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*")
_OF = re.compile(r"^(\w+(?: \w+)?) of (\w+(?: \w+)?)$")
_OR = re.compile(r"^(.*\b)(\w+) or (\w+)$")
_SPACES = re.compile(r"\s+")


def content_words(term: str) -> list[str]:
    stop = rules().stopwords
    return [w for w in _WORD.findall(term) if w not in stop]


def _clean(term: str) -> str | None:
    r = rules()
    segments = [s.strip() for s in term.lower().split(",")]
    head, rest = segments[0], segments[1:]
    for seg in rest:
        if seg and not r.removable.fullmatch(seg):
            return None
    for rx in r.inline:
        head = rx.sub(" ", head)
    head = _SPACES.sub(" ", head).strip(" -")
    head = re.sub(r"\bof$|\bin$", "", head).strip()
    if not head or r.drop.search(head):
        return None
    return head


def _specific(form: str, whole: bool) -> bool:
    r = rules()
    words = _WORD.findall(form)
    if not words or len(words) > r.spec.max_tokens:
        return False
    content = content_words(form)
    if len(content) >= 2:
        return True
    if len(content) != 1 or (len(words) == 1 and not whole):
        return False
    word = content[0]
    return (
        word.isalpha()
        and len(word) >= r.spec.min_single_word_length
        and word not in r.stop_terms
    )


def match_forms(term: str) -> list[str]:
    """The match forms of one source term (lower case), most faithful first; may be empty."""
    stripped = term.strip()
    if " " not in stripped and stripped.isupper():
        return []  # an acronym ("PRES"): only the curated abbreviations table matches those
    head = _clean(term)
    if head is None:
        return []
    forms = [head]
    m = _OR.match(head)
    if m and " " in m.group(1).strip():
        forms = [m.group(1) + m.group(2), m.group(1) + m.group(3)]
    out: list[str] = []
    for form in forms:
        candidates = [form]
        of = _OF.match(form)
        if of:
            candidates.append(f"{of.group(2)} {of.group(1)}")
        for cand in candidates:
            if cand not in out and _specific(cand, whole=cand == head):
                out.append(cand)
    return out
