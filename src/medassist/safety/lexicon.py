"""Word-level analysis shared by the grounding layer: tokens, concepts, polarity, experiencer.

A text is cut into sentences and word tokens; each content word (or multi-word phrase)
becomes a *concept*: a synonym group id (``shortness of breath`` = ``SOB`` = ``dyspnea``), a
drug's generic name (``Lasix`` = ``furosemide``, via the ``drug-named-entity-recognition``
lexicon), or the word's light stem. Each concept mention carries whether it is negated
and whether it is about a family member, from the text engine's ConText rules and sections
(:class:`medassist.text.context.SpanContext`, the same assessment extraction uses), or
from the word itself (``afebrile`` = negated fever). Data: ``data/grounding_lexicon.json``.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from medassist.schemas.text import Section
from medassist.text.context import CATEGORIES, SCOPE_DIRECTIONS, SpanContext, trigger_regex

__all__ = ["Mention", "TextAnalysisView", "analyse", "stem", "similar_stems", "lexicon"]

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[/'&+][A-Za-z0-9]+)*(?:-[A-Za-z][A-Za-z0-9]*)*\+?")
_SENT_BOUNDARY = re.compile(r"(?<=[.!?;])\s+|\n\s*|(?<=:)\s+(?=[A-Z])")
_GRAVIDA = re.compile(r"^g\d{1,2}(?:p\d{1,2}(?:\d{3})?)?$")


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    raw = (
        resources.files("medassist.safety")
        .joinpath("data/grounding_lexicon.json")
        .read_text("utf-8")
    )
    data = json.loads(raw)
    groups: dict[tuple[str, ...], str] = {}
    for group in data["equivalents"]:
        gid = "g:" + group[0]
        for form in group:
            groups[tuple(_WORD.findall(form.lower())) or (form.lower(),)] = gid
    max_len = max(len(k) for k in groups)
    starts: dict[str, int] = {}
    for k in groups:
        starts[k[0]] = max(starts.get(k[0], 1), len(k))
    return {
        "groups": groups,
        "max_len": max_len,
        "phrase_starts": starts,  # first word -> longest phrase starting with it
        "intrinsic": {
            k: "g:" + v if ("g:" + v) in set(groups.values()) else v
            for k, v in data["intrinsic_negation"].items()
        },
        "scaffold": frozenset(data["scaffold"]),
    }


_SUFFIXES = (
    ("ically", "ic"), ("ations", "ate"), ("ation", "ate"), ("ies", "y"), ("ied", "y"),
    ("sses", "ss"), ("ness", ""), ("ings", ""), ("ing", ""), ("edly", ""), ("ed", ""),
    ("ly", ""), ("es", ""), ("s", ""),
)  # fmt: skip


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    w = word.lower().rstrip("+")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3:
        return w
    for suf, rep in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            if suf == "s" and (w.endswith("ss") or w.endswith("us") or w.endswith("is")):
                return w
            return w[: -len(suf)] + rep
    return w


def similar_stems(a: str, b: str) -> bool:
    """Two stems of the same word family (``hypertensive``/``hypertension``)."""
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 4:
        return False
    n = 0
    for x, y in zip(short, long_, strict=False):
        if x != y:
            break
        n += 1
    if len(short) < 5:
        return n == len(short) and len(long_) - len(short) <= 2
    return n >= min(6, len(short)) and n >= 0.75 * len(short)


@dataclass
class Mention:
    concept: str
    start: int
    end: int
    text: str
    sentence: int
    negated: bool = False
    family: bool = False
    drug: bool = False


@dataclass
class TextAnalysisView:
    text: str
    sentences: list[tuple[int, int]]
    mentions: list[Mention]
    by_concept: dict[str, list[Mention]] = field(default_factory=dict)
    drug_spans: list[tuple[int, int, str]] = field(default_factory=list)
    #: plain-stem concepts by their first three letters (for fuzzy look-ups)
    by_prefix: dict[str, list[str]] = field(default_factory=dict)


def split_sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for m in _SENT_BOUNDARY.finditer(text):
        if m.start() > pos and text[pos : m.start()].strip():
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text) and text[pos:].strip():
        spans.append((pos, len(text)))
    return spans


# words the drug lexicon knows but that are far more often plain English in notes
_NOT_DRUGS = frozenset(
    {"today", "said", "date", "plan", "free", "flow", "duration", "ace", "care", "cold",
     "iron", "oxygen", "water", "alcohol", "ice", "salt", "sodium", "potassium", "calcium",
     "magnesium", "glucose", "blood", "air", "heat", "dyspnea", "sugar", "insulin resistance",
     "contrast", "saline", "fluids", "fluid", "nitrogen"}
)  # fmt: skip


def _find_drugs(
    text: str, toks: list[tuple[int, int, str]], found: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """Drug mentions of a sentence as (first token, end token exclusive, generic name).

    ``found``: the text engine's drug mentions of the whole text as (start, end, name),
    sorted — one recognizer for grounding and extraction (e.g. ASA = aspirin).
    """
    if not toks:
        return []
    s0, s1 = toks[0][0], toks[-1][1]
    starts = [t[0] for t in toks]
    out = []
    for a, b, preferred in found[bisect_left(found, (s0, -1, "")) :]:
        if a >= s1:
            break
        if b > s1:
            continue
        i = max(0, bisect_right(starts, a) - 1)
        j = max(i + 1, bisect_left(starts, b))
        surface = text[a:b].lower()
        name = preferred.lower()
        if surface in _NOT_DRUGS or name in _NOT_DRUGS or len(surface) < 3:
            continue
        out.append((i, j, name))
    return out


def analyse(text: str, *, context: bool = True) -> TextAnalysisView:
    """Tokens, concepts and their context for ``text`` (cached for repeated sources).

    ``context=False``: concepts only, every mention unflagged (for a term's own words)."""
    return _analyse_cached(text, context)


@lru_cache(maxsize=64)  # bounded: texts (notes) are keys; do not keep many in memory
def _analyse_cached(text: str, context: bool = True) -> TextAnalysisView:
    from medassist.text.drugs import find_drug_mentions

    lex = lexicon()
    sentences = split_sentences(text)
    mentions: list[Mention] = []
    drug_spans: list[tuple[int, int, str]] = []
    found = sorted((e.start, e.end, e.preferred) for e in find_drug_mentions(text))
    spans = SpanContext(text, sections=_blocks(text))
    flags, relations = _trigger_spans(spans)
    not_concepts = sorted(flags + relations)  # "no", "denies", "mother": context words
    relation_starts = [a for a, _ in relations]
    for si, (s0, s1) in enumerate(sentences):
        toks = [(m.start() + s0, m.end() + s0, m.group(0)) for m in _WORD.finditer(text[s0:s1])]
        if not toks:
            continue
        lows = [t[2].lower() for t in toks]
        first, last = bisect_left(relation_starts, s0), bisect_left(relation_starts, s1)
        for r0, r1 in relations[first:last]:  # "lives with her daughter": one fact, as a whole
            mentions.append(Mention(_relation_concept(text[r0:r1]), r0, r1, text[r0:r1], si))
        drugs = {i: (j, name) for i, j, name in _find_drugs(text, toks, found)}
        i = 0
        while i < len(toks):
            if i in drugs:
                j, name = drugs[i]
                j = min(j, len(toks))
                start, end = toks[i][0], toks[j - 1][1]
                mentions.append(Mention("drug:" + name, start, end, text[start:end], si, drug=True))
                drug_spans.append((start, end, name))
                i = j
                continue
            if toks[i][0] > 0 and text[toks[i][0] - 1] in "°º" and len(lows[i]) == 1:
                i += 1  # the letter of a degree unit (°F, °C)
                continue
            if _inside(not_concepts, toks[i][0], toks[i][1]):
                i += 1
                continue
            matched = False
            longest = lex["phrase_starts"].get(lows[i], 1)
            for n in range(min(longest, len(toks) - i), 0, -1):
                key = tuple(lows[i : i + n])
                gid = lex["groups"].get(key)
                if gid is None and n == 1:
                    gid = lex["groups"].get((stem(lows[i]),))
                if gid is not None:
                    if n == 1 and lows[i] in lex["scaffold"]:
                        break
                    start, end = toks[i][0], toks[i + n - 1][1]
                    mentions.append(Mention(gid, start, end, text[start:end], si))
                    i += n
                    matched = True
                    break
            if matched:
                continue
            w = lows[i]
            start, end, surface = toks[i]
            if _GRAVIDA.match(w):  # obstetric notation G2P1: pregnancies
                mentions.append(Mention("g:pregnancy", start, end, surface, si))
            elif w in lex["intrinsic"]:  # "afebrile": fever, negated by the word itself
                c = lex["intrinsic"][w]
                concept = c if c.startswith("g:") else stem(c)
                mentions.append(Mention(concept, start, end, surface, si, negated=True))
            elif w not in lex["scaffold"] and len(w) > 1 and not _is_unit(w):
                mentions.append(Mention(stem(w), start, end, surface, si))
            i += 1
    if context:
        _set_context(spans, mentions)
    view = TextAnalysisView(
        text=text, sentences=sentences, mentions=mentions, drug_spans=drug_spans
    )
    for m in mentions:
        view.by_concept.setdefault(m.concept, []).append(m)
    for concept in view.by_concept:
        if not concept.startswith(("g:", "drug:")):
            view.by_prefix.setdefault(concept[:3], []).append(concept)
    return view


def _is_unit(w: str) -> bool:
    from medassist.safety.quantities import normalise_unit

    return (len(w) > 2 or "/" in w) and normalise_unit(w) is not None


def _trigger_spans(spans: SpanContext) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Spans of the text's context triggers that set a flag (negation, uncertainty, history,
    hypothesis, family), and of its relation phrases: the rules' pseudo-triggers that name a
    relative ("lives with her daughter", "per mother"); both in text order."""
    flags, relations = [], []
    for start, end, trig in spans.triggers():
        if any(r.direction in SCOPE_DIRECTIONS and CATEGORIES[r.category] for r in trig.rules):
            flags.append((start, end))
        elif any(r.direction == "PSEUDO" for r in trig.rules) and trigger_regex("FAMILY").search(
            spans.text[start:end].lower()
        ):
            relations.append((start, end))
    return flags, relations


_RELATION_FILLER = frozenset({"his", "her", "their", "the", "a", "an", "patient's", "pt's"})


def _relation_concept(phrase: str) -> str:
    words = [w for w in _WORD.findall(phrase.lower()) if w not in _RELATION_FILLER]
    return "r:" + " ".join(stem(w) for w in words)


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) lies within one of ``spans`` (sorted, not overlapping)."""
    i = bisect_right(spans, (start, math.inf)) - 1  # the last span starting at or before
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]


def _set_context(spans: SpanContext, mentions: list[Mention]) -> None:
    """Negation and experiencer of every mention, from the text engine's ConText rules and
    sections (one assessment for extraction and grounding)."""
    for mention in mentions:
        context = spans.classify(mention.start, mention.end)
        mention.negated = mention.negated or context.negated
        mention.family = context.family


_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def _blocks(text: str) -> list[Section]:
    """The text engine's sections, where a header written inside running prose ("... Family
    history: breast cancer. Medications listed: ...") scopes its own sentence only."""
    from medassist.text.sections import detect_sections

    out = []
    for section in detect_sections(text):
        if not section.header:
            continue
        if section.start > 0 and text[section.start - 1] != "\n":
            m = _SENTENCE_END.search(text, section.body_start, section.end)
            if m is not None:
                section = section.model_copy(update={"end": m.end()})
        out.append(section)
    return out
