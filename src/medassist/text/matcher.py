"""Dictionary entity matcher: symptoms, conditions and procedures (+ drug mentions).

A token trie is built once from :mod:`medassist.text.lexicons` (cached), together with one
compiled regex (a character trie) of every token that can start a term. The regex finds the
candidate starts in one C-level scan of the lower-cased text; the trie is then walked token by
token from each candidate: leftmost-longest, no overlaps, on token (word) boundaries,
case-insensitive except for abbreviations, which match only as written. Ambiguous ("guarded") abbreviations are
never taken inside a header or right before a colon, and no concept is taken inside a known
section header (``"PAST MEDICAL HISTORY:"``).

Drug mentions come from :func:`medassist.text.drugs.find_drug_mentions`; a drug mention replaces
the lexicon matches it overlaps only when it is longer than each of them.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Any

from medassist.schemas.text import Entity, EntityCategory
from medassist.text.lexicons import TOKEN_RE, Concept, lexicon_terms, term_tokens

__all__ = ["find_entities", "find_concepts", "matcher_size"]

_END = ""  # key of the payload list in a trie node (no token is empty)


@dataclass(slots=True)
class _Payload:
    concept: Concept
    exact: tuple[str, ...] | None  # original-case tokens for case-sensitive terms
    guarded: bool


@dataclass(slots=True)
class _Matcher:
    root: dict[str, Any] = field(default_factory=dict)
    terms: int = 0
    #: finds, in lower-cased text, every whole token that starts some term (one C-level scan)
    first: re.Pattern[str] = field(default_factory=lambda: re.compile(r"(?!x)x"))


def _trie_pattern(words: list[str]) -> str:
    """A regex alternation of ``words`` factored as a character trie (fast in ``re``)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[_END] = True

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch != _END]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if _END in node:
            return f"(?:{body})?"
        return body

    return build(trie)


@lru_cache(maxsize=1)
def _matcher() -> _Matcher:
    matcher = _Matcher()
    for term in lexicon_terms():
        tokens = term_tokens(term.text)
        if not tokens:
            continue
        node = matcher.root
        for tok in tokens:
            node = node.setdefault(tok.lower(), {})
        payloads: list[_Payload] = node.setdefault(_END, [])
        exact = tokens if term.case_sensitive else None
        # a case-insensitive form beats nothing; keep case-sensitive forms first so that an
        # exact abbreviation wins over a same-spelled synonym of another concept
        payloads.append(_Payload(term.concept, exact, term.guarded))
        payloads.sort(key=lambda p: p.exact is None)
        matcher.terms += 1
    words = sorted(k for k in matcher.root if k and k.isalnum())
    others = sorted(k for k in matcher.root if k and not k.isalnum())
    alternatives = [rf"(?<![a-z0-9])(?:{_trie_pattern(words)})(?![a-z0-9])"]
    alternatives += [re.escape(k) for k in others]
    matcher.first = re.compile("|".join(alternatives))
    return matcher


def matcher_size() -> int:
    """Number of surface forms in the compiled matcher (builds it when needed)."""
    return _matcher().terms


class _SpanSet:
    """Spans answering "is [start, end) inside one of them" in O(log n): sorted by start, with
    the running maximum of their ends (inside some span <=> the largest end among spans that
    start at or before ``start`` reaches ``end``)."""

    __slots__ = ("_starts", "_max_ends")

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self._starts = [a for a, _ in spans]
        self._max_ends = list(accumulate((b for _, b in spans), max))

    def contains(self, start: int, end: int) -> bool:
        i = bisect_right(self._starts, start)
        return i > 0 and self._max_ends[i - 1] >= end


def _header_spans(text: str) -> tuple[_SpanSet, _SpanSet]:
    """(spans of known headers, spans of all headers): label start..colon."""
    from medassist.text.sections import find_headers

    known: list[tuple[int, int]] = []
    every: list[tuple[int, int]] = []
    for h in find_headers(text):
        span = (h.start, h.end)
        every.append(span)
        if h.canonical != "other":
            known.append(span)
    return _SpanSet(known), _SpanSet(every)


def _inside(spans: _SpanSet, start: int, end: int) -> bool:
    return spans.contains(start, end)


def _before_colon(text: str, end: int) -> bool:
    i = end
    n = len(text)
    while i < n and text[i] in " \t":
        i += 1
    return i < n and text[i] == ":"


_CAPS_TOKEN = re.compile(r"[A-Z]{1,4}")


def _in_abbreviation_run(text: str, start: int, end: int) -> bool:
    """Whether a short all-caps token sits right next to ``text[start:end]`` ("HF HE AF AE")."""
    i = start
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    if i < start:
        j = i
        while j > 0 and text[j - 1].isalnum():
            j -= 1
        if _CAPS_TOKEN.fullmatch(text, j, i):
            return True
    k = end
    while k < len(text) and text[k] in " \t":
        k += 1
    if k > end:
        m = k
        while m < len(text) and text[m].isalnum():
            m += 1
        if _CAPS_TOKEN.fullmatch(text, k, m):
            return True
    return False


def find_concepts(text: str) -> list[tuple[int, int, Concept]]:
    """Lexicon matches as ``(start, end, concept)``, blocks excluded, sorted by start."""
    compiled = _matcher()
    root = compiled.root
    low = text.lower()
    if len(low) != len(text):  # a few characters change length when lower-cased
        low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
    out: list[tuple[int, int, Concept]] = []
    headers: tuple[list[tuple[int, int]], list[tuple[int, int]]] | None = None
    next_token = TOKEN_RE.search
    taken_until = 0
    for first in compiled.first.finditer(low):
        start = first.start()
        if start < taken_until:
            continue
        node = root[first.group()]
        spans = [first.span()]
        best: tuple[int, _Payload] | None = None
        while True:
            payloads = node.get(_END)
            if payloads:
                end = spans[-1][1]
                for p in payloads:
                    if p.exact is not None and p.exact != tuple(text[a:b] for a, b in spans):
                        continue
                    if p.guarded:
                        if _before_colon(text, end) or _in_abbreviation_run(text, start, end):
                            continue
                        if headers is None:
                            headers = _header_spans(text)
                        if _inside(headers[1], start, end):
                            continue
                    best = (end, p)
                    break
            tok = next_token(low, spans[-1][1])
            if tok is None:
                break
            node = node.get(tok.group())
            if node is None:
                break
            spans.append(tok.span())
        if best is None:
            continue
        end, payload = best
        taken_until = end
        if payload.concept.category != "block":
            if headers is None:
                headers = _header_spans(text)
            if not _inside(headers[0], start, end):
                out.append((start, end, payload.concept))
    return out


def _drug_mentions(text: str) -> list[Entity]:
    try:
        from medassist.text.drugs import find_drug_mentions
    except ImportError:  # the drug component is optional for this matcher
        return []
    return list(find_drug_mentions(text))


def _merge(lexical: list[Entity], drugs: list[Entity]) -> list[Entity]:
    """Drug mentions replace shorter overlapping lexical mentions; a lexical medication or an
    earlier drug mention wins an overlap. Linear-logarithmic (bisect) for non-overlapping
    lexical mentions (what :func:`find_concepts` returns); quadratic fallback otherwise."""
    if not drugs:
        return lexical
    ordered = sorted(lexical, key=lambda e: (e.start, e.end))
    if all(a.end <= b.start for a, b in zip(ordered, ordered[1:], strict=False)):
        return _merge_sorted(ordered, drugs)
    return _merge_any(lexical, drugs)


def _merge_sorted(lexical: list[Entity], drugs: list[Entity]) -> list[Entity]:
    starts = [e.start for e in lexical]
    ends = [e.end for e in lexical]  # sorted too: the mentions do not overlap
    alive = [True] * len(lexical)
    accepted: list[Entity] = []
    accepted_end = -1
    for drug in sorted(drugs, key=lambda e: (e.start, -(e.end - e.start))):
        if accepted_end > drug.start:
            continue  # overlaps an accepted drug mention (a medication)
        lo, hi = bisect_right(ends, drug.start), bisect_left(starts, drug.end)
        overlapping = [i for i in range(lo, hi) if alive[i]]
        if any(lexical[i].category == EntityCategory.medication for i in overlapping):
            continue
        length = drug.end - drug.start
        if all(length > (lexical[i].end - lexical[i].start) for i in overlapping):
            for i in overlapping:
                alive[i] = False
            accepted.append(drug)
            accepted_end = max(accepted_end, drug.end)
    result = [e for e, keep in zip(lexical, alive, strict=True) if keep] + accepted
    result.sort(key=lambda e: (e.start, e.end))
    return result


def _merge_any(lexical: list[Entity], drugs: list[Entity]) -> list[Entity]:
    result = list(lexical)
    for drug in sorted(drugs, key=lambda e: (e.start, -(e.end - e.start))):
        overlapping = [e for e in result if e.start < drug.end and drug.start < e.end]
        length = drug.end - drug.start
        if any(e.category == EntityCategory.medication for e in overlapping):
            continue  # overlapping drug mentions: the first (longest at that start) stays
        if all(length > (e.end - e.start) for e in overlapping):
            for e in overlapping:
                result.remove(e)
            result.append(drug)
    result.sort(key=lambda e: (e.start, e.end))
    return result


def find_entities(text: str) -> list[Entity]:
    """Symptom, condition, procedure and medication mentions in ``text``, sorted by offset."""
    if not isinstance(text, str):
        from medassist.errors import InputError

        raise InputError("find_entities expects text (str)")
    lexical = [
        Entity(
            text=text[start:end],
            start=start,
            end=end,
            category=EntityCategory(concept.category),
            preferred=concept.preferred,
            code_system=concept.code_system,
            code=concept.code,
        )
        for start, end, concept in find_concepts(text)
    ]
    return _merge(lexical, _drug_mentions(text))
