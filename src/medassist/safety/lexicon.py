"""Word-level analysis shared by the grounding layer: tokens, concepts, polarity, experiencer.

A text is cut into sentences and word tokens; each content word (or multi-word phrase)
becomes a *concept*: a synonym group id (``shortness of breath`` = ``SOB`` = ``dyspnea``), a
drug's generic name (``Lasix`` = ``furosemide``, via the ``drug-named-entity-recognition``
lexicon), or the word's light stem. Each concept mention carries whether it is negated
(NegEx-style trigger scopes, ``afebrile`` = negated fever) and whether it is about a family
member. Data: ``data/grounding_lexicon.json``.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["Mention", "TextAnalysisView", "analyse", "stem", "similar_stems", "lexicon"]

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[/'&+][A-Za-z0-9]+)*(?:-[A-Za-z][A-Za-z0-9]*)*\+?")
_SENT_BOUNDARY = re.compile(r"(?<=[.!?;])\s+|\n\s*|(?<=:)\s+(?=[A-Z])")
_GRAVIDA = re.compile(r"^g\d{1,2}(?:p\d{1,2}(?:\d{3})?)?$")
_CLAUSE_BREAK = re.compile(r"[;:.!?()\[\]]")


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
        "neg_pre": _by_first_word(data["negation_pre"]),
        "neg_post": _by_first_word(data["negation_post"]),
        "terminators": frozenset(data["scope_terminators"]),
        "family": _by_first_word(data["family_triggers"]),
    }


def _by_first_word(phrases: list[str]) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for p in sorted(phrases, key=lambda s: -len(s.split())):
        words = tuple(p.split())
        out.setdefault(words[0], []).append(words)
    return out


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


def analyse(text: str) -> TextAnalysisView:
    """Tokens, concepts and their context for ``text`` (cached for repeated sources)."""
    return _analyse_cached(text)


@lru_cache(maxsize=32)  # bounded: texts (notes) are keys; do not keep many in memory
def _analyse_cached(text: str) -> TextAnalysisView:
    from medassist.text.drugs import find_drug_mentions

    lex = lexicon()
    sentences = split_sentences(text)
    mentions: list[Mention] = []
    drug_spans: list[tuple[int, int, str]] = []
    family_lines = _family_section_ranges(text)
    found = sorted((e.start, e.end, e.preferred) for e in find_drug_mentions(text))
    for si, (s0, s1) in enumerate(sentences):
        toks = [(m.start() + s0, m.end() + s0, m.group(0)) for m in _WORD.finditer(text[s0:s1])]
        if not toks:
            continue
        lows = [t[2].lower() for t in toks]
        neg = _negation_flags(text, toks, lows, lex)
        fam = _family_flags(text, toks, lows, lex, family_lines)
        drugs = {i: (j, name) for i, j, name in _find_drugs(text, toks, found)}
        i = 0
        while i < len(toks):
            if i in drugs:
                j, name = drugs[i]
                j = min(j, len(toks))
                start, end = toks[i][0], toks[j - 1][1]
                mentions.append(
                    Mention("drug:" + name, start, end, text[start:end], si, neg[i], fam[i], True)
                )
                drug_spans.append((start, end, name))
                i = j
                continue
            if toks[i][0] > 0 and text[toks[i][0] - 1] in "°º" and len(lows[i]) == 1:
                i += 1  # the letter of a degree unit (°F, °C)
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
                    mentions.append(Mention(gid, start, end, text[start:end], si, neg[i], fam[i]))
                    i += n
                    matched = True
                    break
            if matched:
                continue
            w = lows[i]
            if _GRAVIDA.match(w):  # obstetric notation G2P1: pregnancies
                mentions.append(
                    Mention("g:pregnancy", toks[i][0], toks[i][1], toks[i][2], si, neg[i], fam[i])
                )
                i += 1
                continue
            if w in lex["intrinsic"]:
                c = lex["intrinsic"][w]
                mentions.append(
                    Mention(
                        c if c.startswith("g:") else stem(c),
                        toks[i][0],
                        toks[i][1],
                        toks[i][2],
                        si,
                        True,
                        fam[i],
                    )
                )
            elif (
                w not in lex["scaffold"]
                and not _is_trigger_word(w, lex)
                and len(w) > 1
                and not _is_unit(w)
            ):
                mentions.append(
                    Mention(stem(w), toks[i][0], toks[i][1], toks[i][2], si, neg[i], fam[i])
                )
            i += 1
    view = TextAnalysisView(
        text=text, sentences=sentences, mentions=mentions, drug_spans=drug_spans
    )
    for m in mentions:
        view.by_concept.setdefault(m.concept, []).append(m)
    for concept in view.by_concept:
        if not concept.startswith(("g:", "drug:")):
            view.by_prefix.setdefault(concept[:3], []).append(concept)
    return view


@lru_cache(maxsize=1)
def _trigger_words() -> frozenset[str]:
    lex = lexicon()
    words: set[str] = set()
    for table in (lex["neg_pre"], lex["neg_post"], lex["family"]):
        for phrases in table.values():
            for t in phrases:
                words.update(t)
    return frozenset(words)


def _is_trigger_word(w: str, lex: dict[str, Any]) -> bool:
    return w in _trigger_words()


def _is_unit(w: str) -> bool:
    from medassist.safety.quantities import normalise_unit

    return (len(w) > 2 or "/" in w) and normalise_unit(w) is not None


def _gap_breaks(text: str, a_end: int, b_start: int) -> bool:
    return bool(_CLAUSE_BREAK.search(text[a_end:b_start]))


def _match_at(lows: list[str], i: int, triggers: dict[str, list[tuple[str, ...]]]) -> int:
    for t in triggers.get(lows[i], ()):
        if len(t) == 1 or tuple(lows[i : i + len(t)]) == t:
            return len(t)
    return 0


def _negation_flags(
    text: str, toks: list[tuple[int, int, str]], lows: list[str], lex: dict[str, Any]
) -> list[bool]:
    n = len(toks)
    flags = [False] * n
    i = 0
    while i < n:
        k = _match_at(lows, i, lex["neg_pre"])
        if k:
            j = i + k
            steps = 0
            header = j < n and text[toks[j - 1][1] : toks[j][0]].strip() in (":", "-")
            limit = n if header else 20  # a "Denied: a, b, c ..." list runs to the clause end
            while j < n and steps < limit:
                gap = text[toks[j - 1][1] : toks[j][0]]
                header_colon = j == i + k and gap.strip() in (":", "-")
                if lows[j] in lex["terminators"] or (
                    _gap_breaks(text, toks[j - 1][1], toks[j][0]) and not header_colon
                ):
                    break
                flags[j] = True
                j += 1
                steps += 1
            i += k
            continue
        i += 1
    for i in range(n):
        k = _match_at(lows, i, lex["neg_post"])
        if k and not (lows[i] in ("negative", "none") and i + 1 < n and lows[i + 1] in ("for",)):
            j = i - 1
            steps = 0
            while j >= 0 and steps < 6:
                if lows[j] in lex["terminators"] or _gap_breaks(text, toks[j][1], toks[j + 1][0]):
                    break
                flags[j] = True
                j -= 1
                steps += 1
    return flags


_FAMILY_HEADER = re.compile(r"(?im)^[ \t]*(?:family\s+history|family\s+hx|fhx?|fam\s+hx)\s*[:\-]")
_ANY_HEADER = re.compile(r"(?m)^[ \t]*[A-Za-z][A-Za-z /&]{1,40}:")


def _family_section_ranges(text: str) -> list[tuple[int, int]]:
    ranges = []
    for m in _FAMILY_HEADER.finditer(text):
        start = m.start()
        nxt = _ANY_HEADER.search(text, m.end())
        # the next header must be on a later line
        while nxt is not None and "\n" not in text[m.end() : nxt.start() + 1]:
            nxt = _ANY_HEADER.search(text, nxt.end())
        ranges.append((start, nxt.start() if nxt else len(text)))
    return ranges


_PATIENT_SUBJECT = frozenset({"patient", "pt", "he", "she", "patient's"})


def _family_flags(
    text: str,
    toks: list[tuple[int, int, str]],
    lows: list[str],
    lex: dict[str, Any],
    ranges: list[tuple[int, int]],
) -> list[bool]:
    n = len(toks)
    flags = [any(a <= t[0] < b for a, b in ranges) for t in toks]
    for i in range(n):
        k = _match_at(lows, i, lex["family"])
        if not k:
            continue
        # forwards to the end of the clause
        j = i + k
        while j < n and (
            not _gap_breaks(text, toks[j - 1][1], toks[j][0])
            or (j == i + k and text[toks[j - 1][1] : toks[j][0]].strip() in (":", "-", "—"))
        ):
            if lows[j] in _PATIENT_SUBJECT or lows[j] in ("but", "however", "whereas"):
                break
            flags[j] = True
            j += 1
        # backwards over "X in (his) mother", "X (runs) in the family"
        if i > 0 and lows[i - 1] in ("in", "his", "her", "the", "their", "a", "by", "from"):
            j = i - 1
            while j >= 0 and not _gap_breaks(text, toks[j][1], toks[j + 1][0]):
                if lows[j] in _PATIENT_SUBJECT:
                    break
                flags[j] = True
                j -= 1
    return flags
