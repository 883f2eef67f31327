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
    phrase_variants: dict[str, list[str]]
    sites: list[str]
    mention_modifiers: list[str]
    not_condition_heads: list[str]


class _Compiled:
    def __init__(self, spec: TermRules) -> None:
        self.spec = spec
        self.removable = re.compile("|".join(f"(?:{p})" for p in spec.removable_segments))
        self.inline = [re.compile(p) for p in spec.inline_removals]
        self.drop = re.compile("|".join(f"(?:{p})" for p in spec.drop_if_matches))
        self.stopwords = frozenset(spec.stopwords)
        self.stop_terms = frozenset(spec.single_word_stop_terms)
        self.modifiers = frozenset(spec.mention_modifiers)
        self.not_condition_heads = frozenset(spec.not_condition_heads)
        self.variants = [
            (re.compile(rf"\b{re.escape(k)}\b"), v) for k, v in spec.phrase_variants.items()
        ]
        sites = "|".join(re.escape(x) for x in sorted(spec.sites, key=len, reverse=True))
        self.site_segment = re.compile(
            rf"^(?P<head>[^,\[\]]+), (?:(?:right|left|bilateral|unspecified) )?(?P<site>{sites})$"
        )


@lru_cache(maxsize=1)
def rules() -> _Compiled:
    raw = (
        resources.files("medassist.text.vocab").joinpath("data/term_rules.json").read_text("utf-8")
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
        word.replace("'", "").isalpha()
        and len(word) >= r.spec.min_single_word_length
        and word not in r.stop_terms
    )


_BRACKET = re.compile(r"\s*\[([^\]]+)\]")
_POSSESSIVE = re.compile(r"\b([a-z]+)'s\b")
_EPONYM = re.compile(r"^([A-Z][a-z]+)'s (?:disease|syndrome)$")
_ROMAN = re.compile(r" (?:i|ii)$")
_CAUSAL = re.compile(r"\b(?:due to|of|with|in|by)\b")


def _sources(term: str) -> list[str]:
    """The source term and the alternatives written into it: a bracketed alternative name
    ("Radial styloid tenosynovitis [de Quervain]") and a site qualifier turned into a site
    ("Other instability, right shoulder" -> "shoulder instability")."""
    lower = term.strip().lower()
    out = [lower]
    m = _BRACKET.search(lower)
    original = _BRACKET.search(term.strip())
    if m and original:
        base = _BRACKET.sub("", lower)
        out = [base]
        alt = m.group(1).strip()
        before, after = lower[: m.start()], lower[m.end() :]
        if original.group(1).strip().isupper():
            pass  # an acronym ("[POTS]"): only the curated abbreviations table matches those
        elif not after.strip(" ,") or after.startswith(","):
            if not _CAUSAL.search(before):
                out.append(alt + after)
                eponym = any(ch.isupper() for ch in original.group(1)) and len(alt.split()) <= 2
                if eponym and not alt.endswith(("disease", "syndrome")):
                    out.append(f"{alt} {before.split()[-1]}{after}")  # de quervain tenosynovitis
        else:
            words = before.split()
            out.append(" ".join([*words[:-1], alt]) + after)  # herpesviral [herpes simplex]
    site = rules().site_segment
    for src in list(out):
        sm = site.match(src)
        if sm:
            head = sm.group("head")
            if head.startswith("other "):
                head = head[6:]
            out.append(f"{sm.group('site')} {head}")
            out.append(f"{head} of {sm.group('site')}")
    return out


def _variants(form: str) -> list[str]:
    out = [form]
    for rx, replacements in rules().variants:
        for f in list(out):
            if rx.search(f):
                out.extend(rx.sub(r, f) for r in replacements)
    for f in list(out):
        if _ROMAN.search(f):
            out.append(_ROMAN.sub("", f))  # "complex regional pain syndrome i"
    for f in list(out):
        if "'s" in f:
            out.append(_POSSESSIVE.sub(r"\1s", f))  # parkinsons disease
            out.append(_POSSESSIVE.sub(r"\1", f))  # parkinson disease
    return out


def match_forms(term: str) -> list[str]:
    """The match forms of one source term (lower case), most faithful first; may be empty."""
    stripped = term.strip()
    if " " not in stripped and stripped.isupper():
        return []  # an acronym ("PRES"): only the curated abbreviations table matches those
    out: list[str] = []
    for source in _sources(stripped):
        head = _clean(source)
        if head is None:
            continue
        forms = [head]
        m = _OR.match(head)
        if m and " " in m.group(1).strip():
            forms = [m.group(1) + m.group(2), m.group(1) + m.group(3)]
        for form in forms:
            for variant in _variants(form):
                candidates = [variant]
                of = _OF.match(variant)
                if of:
                    candidates.append(f"{of.group(2)} {of.group(1)}")
                for cand in candidates:
                    if cand not in out and _specific(cand, whole=cand == head):
                        out.append(cand)
    eponym = _EPONYM.match(stripped)
    if eponym:  # "Parkinson's disease" is also written "Parkinson's", "Parkinsons"
        name = eponym.group(1).lower()
        out += [f for f in (f"{name}'s", f"{name}s") if f not in out]
    return out
