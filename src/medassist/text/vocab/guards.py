"""Precision guards of the matcher (:mod:`medassist.text.matcher`): where an ambiguous
abbreviation is a label, a unit or a table cell; whether its context class is near; list
support; qualifiers that belong to a mention; test, service and vaccine phrases named after a
condition. Pure functions over the note text and its tokens: each costs a bounded window, so the
matcher stays linear in the note."""

from __future__ import annotations

import re

from medassist.text.lexicons import Concept

__all__ = [
    "before_colon",
    "in_abbreviation_run",
    "context_support",
    "labelled",
    "names_a_service",
    "with_modifiers",
    "supported",
]


def before_colon(text: str, end: int) -> bool:
    i = end
    n = len(text)
    while i < n and text[i] in " \t":
        i += 1
    return i < n and text[i] == ":"


_CAPS_TOKEN = re.compile(r"[A-Z]{1,4}")


def in_abbreviation_run(text: str, start: int, end: int) -> bool:
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


_REACH = 400  # characters searched for a line break: far beyond any context window


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the line around ``start..end``, searched at most ``_REACH`` characters away
    (a bounded cost per call: a note without line breaks must not make the matcher quadratic)."""
    lo = text.rfind("\n", max(0, start - _REACH), start)
    hi = text.find("\n", end, end + _REACH)
    return (lo + 1 if lo >= 0 else max(0, start - _REACH)), (
        hi if hi >= 0 else min(len(text), end + _REACH)
    )


def context_support(
    words: frozenset[str],
    window: int,
    text: str,
    toks: list[tuple[int, int]],
    keys: list[str],
    i: int,
    j: int,
) -> bool:
    """A word of ``words`` (token keys of a context class) within ``window`` tokens around
    tokens ``i..j``, on the same line."""
    lo_line, hi_line = _line_bounds(text, toks[i][0], toks[j][1])
    lo, hi = max(0, i - window), min(len(toks), j + 1 + window)
    return any(
        keys[k] in words and lo_line <= toks[k][0] and toks[k][1] <= hi_line
        for k in range(lo, hi)
        if k < i or k > j
    )


_LINE_START = re.compile(r"(?:^|\n)[ \t]*(?:[-*\u2022\u2013]|\d+[.)])?[ \t]*$")
_LABEL_AFTER = re.compile(r"[ \t]*(?:[(:\-\u2013]|\d)")
_NUMBER_BEFORE = re.compile(r"\d[ \t]*%?[ \t]*$")


def labelled(text: str, start: int, end: int) -> bool:
    """An ambiguous abbreviation used as a label or a unit: after a number ("98% RA": room air),
    followed by a number ("HF 4+/5"), or opening a line and followed by a bracket, colon or
    dash ("PE (targeted)", "MS - alert")."""
    if _NUMBER_BEFORE.search(text, max(0, start - 8), start):
        return True
    after = _LABEL_AFTER.match(text, end)
    if after is None:
        return False
    if text[after.end() - 1].isdigit():
        return True
    return _LINE_START.search(text, max(0, start - 12), start) is not None


def names_a_service(
    text: str, toks: list[tuple[int, int]], keys: list[str], last: int, heads: frozenset[str]
) -> bool:
    """Whether the mention ending at token ``last`` is the first part of a test, screen,
    vaccination, service or risk named after it ("HIV clinic", "DM screen", "COVID booster")."""
    nxt = last + 1
    if nxt >= len(toks) or keys[nxt] not in heads:
        return False
    return text[toks[last][1] : toks[nxt][0]] in (" ", "-", "")


def with_modifiers(
    text: str,
    toks: list[tuple[int, int]],
    keys: list[str],
    modifiers: frozenset[str],
    first: int,
    start: int,
    taken: bytearray,
) -> int:
    """The mention's start extended over qualifiers written right before it ("infective
    conjunctivitis", "mixed dementia"), never into another mention."""
    k = first - 1
    while k >= 0 and keys[k] in modifiers and not taken[k]:
        if text[toks[k][1] : toks[k + 1][0]] not in (" ", "-"):
            break
        taken[k] = 1
        start = toks[k][0]
        k -= 1
    return start


_LIST_GAP = re.compile(r"\s*(?:[,;/+&]|\band\b|\bor\b)\s*", re.IGNORECASE)


def supported(
    text: str, found: list[tuple[int, int, Concept]], pending: list[int]
) -> list[tuple[int, int, Concept]]:
    """Keep a pending (context-less) abbreviation only when the same abbreviation is read with
    its context elsewhere in the note, or as an item of a list of at least three clinical
    concepts ("HTN, AF, T2DM") joined by list separators only (comma, semicolon, slash, plus,
    "and", "or")."""
    waiting = set(pending)
    # one sense per discourse: an abbreviation read with its context once in the note keeps
    # that reading everywhere in the note
    confirmed = {
        (text[s:e], c.preferred)
        for k, (s, e, c) in enumerate(found)
        if k not in waiting and c.vocabulary == "abbreviations"
    }
    # runs of mentions joined by list separators only; a run of three or more is a list
    run_of = list(range(len(found)))
    for k in range(1, len(found)):
        if _LIST_GAP.fullmatch(text, found[k - 1][1], found[k][0]):
            run_of[k] = run_of[k - 1]
    sizes: dict[int, int] = {}
    for r in run_of:
        sizes[r] = sizes.get(r, 0) + 1
    keep: list[tuple[int, int, Concept]] = []
    for k, (s, e, c) in enumerate(found):
        if k in waiting and (text[s:e], c.preferred) not in confirmed and sizes[run_of[k]] < 3:
            continue
        keep.append((s, e, c))
    return keep
