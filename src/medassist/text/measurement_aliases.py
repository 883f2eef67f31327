"""Measurement name aliases: loading and matching (``data/measurement_aliases.json``).

An alias is a surface form ("serum creatinine", "Cr", "hyponatremia") that names one or more
canonical measurements. :func:`find_aliases` returns every non-overlapping alias mention of a
text, leftmost-longest first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import accumulate

__all__ = ["AliasHit", "find_aliases", "alias_table"]


@dataclass(frozen=True)
class AliasHit:
    start: int
    end: int
    text: str
    names: tuple[str, ...]  # candidate canonical names, in preference order
    weak: bool  # condition word or single letter: needs a close, plausible value


@dataclass(frozen=True)
class _Entry:
    names: tuple[str, ...]
    weak: bool


def _norm(surface: str, case_sensitive: bool) -> str:
    key = re.sub(r"[\s\-]+", "", surface)
    return key if case_sensitive else key.lower()


def _tokens(surface: str) -> list[str]:
    out: list[str] = []
    for ch in surface:
        if ch.isspace():
            if not out or out[-1] != _WS:
                out.append(_WS)
        elif ch == "-":
            out.append(_HYPHEN)
        else:
            out.append(re.escape(ch))
    return out


_WS = r"(?:[ \t]+|[ \t]*\n[ \t]*|-)"
_HYPHEN = r"[- \t]?"


def _trie_regex(words: list[list[str]]) -> str:
    """One regex for many token sequences, as a trie (fast, tries longer forms first)."""
    trie: dict[str, dict] = {}
    end = ""  # key marking the end of a form
    for tokens in words:
        node = trie
        for tok in tokens:
            node = node.setdefault(tok, {})
        node[end] = {}

    def build(node: dict[str, dict]) -> str:
        alts = [tok + build(child) for tok, child in node.items() if tok != end]
        if not alts:
            return ""
        body = (
            alts[0]
            if len(alts) == 1
            else "(?:" + "|".join(sorted(alts, key=len, reverse=True)) + ")"
        )
        if end in node:
            return f"(?:{body})?"
        return body

    return build(trie)


@lru_cache(maxsize=1)
def alias_table() -> tuple[dict[str, _Entry], dict[str, _Entry], re.Pattern[str], re.Pattern[str]]:
    """(case-insensitive table, case-sensitive table, CI regex, CS regex)."""
    raw = resources.files("medassist.text").joinpath("data/measurement_aliases.json")
    data = json.loads(raw.read_text("utf-8"))["aliases"]
    ci: dict[str, _Entry] = {}
    cs: dict[str, _Entry] = {}
    ci_forms: set[str] = set()
    cs_forms: set[str] = set()
    for name, forms in data.items():
        for form in forms:
            weak = False
            case_sensitive = False
            while form[:1] in {"=", "~"}:
                if form[0] == "=":
                    case_sensitive = True
                else:
                    weak = True
                form = form[1:]
            table, surfaces = (cs, cs_forms) if case_sensitive else (ci, ci_forms)
            key = _norm(form, case_sensitive)
            entry = table.get(key)
            if entry is None:
                table[key] = _Entry((name,), weak)
            elif name not in entry.names:
                table[key] = _Entry((*entry.names, name), entry.weak and weak)
            surfaces.add(form)

    def compile_(forms: set[str], flags: int) -> re.Pattern[str]:
        fold = bool(flags & re.IGNORECASE)
        body = _trie_regex([_tokens(f.lower() if fold else f) for f in forms])
        # a case-sensitive abbreviation glued to a word is a drug name ("K-Dur"), not a lab
        tail = "" if fold else r"(?!-[A-Za-z])"
        return re.compile(rf"(?<![\w])(?:{body})(?![\w]){tail}", flags)

    return ci, cs, compile_(ci_forms, re.IGNORECASE), compile_(cs_forms, 0)


@lru_cache(maxsize=1)
def _start_keys() -> frozenset[str]:
    r"""Lower-cased first (up to) three characters of every word that can start an alias.

    Every alias starts with a letter after a non-word character, so a match starts a ``\w+``
    word of the text. Within a word, only the forms' optional hyphens can disappear
    (``T-bili`` matches ``Tbili``; whitespace separators need a non-word character), so the
    word is the first word of the form with its first k hyphens removed, for some k.
    """
    raw = resources.files("medassist.text").joinpath("data/measurement_aliases.json")
    keys: set[str] = set()
    for forms in json.loads(raw.read_text("utf-8"))["aliases"].values():
        for form in forms:
            chunk = form.lstrip("=~").lower().split()[0]
            pieces = chunk.split("-")
            for k in range(1, len(pieces) + 1):
                word = _WORD.match("".join(pieces[:k]))
                if word:
                    keys.add(word.group(0)[:3])
    return frozenset(keys)


_WORD = re.compile(r"\w+")
_WORD_SPLIT = re.compile(r"(\w+)")


def _candidate_starts(text: str) -> list[int]:
    """Where an alias may start (see :func:`_start_keys`); non-ASCII words are always kept
    (case folding)."""
    keys = _start_keys()
    parts = _WORD_SPLIT.split(text)  # [sep, word, sep, word, ..., sep]
    ends = list(accumulate(map(len, parts)))
    return [
        ends[i - 1]
        for i in range(1, len(parts), 2)
        if parts[i][:3].lower() in keys or not parts[i].isascii()
    ]


def find_aliases(text: str) -> list[AliasHit]:
    return list(_find_aliases(text))


@lru_cache(maxsize=16)
def _find_aliases(text: str) -> tuple[AliasHit, ...]:
    ci, cs, ci_re, cs_re = alias_table()
    hits: list[AliasHit] = []
    starts = _candidate_starts(text)
    for regex, table, case_sensitive in ((ci_re, ci, False), (cs_re, cs, True)):
        # the same matches as regex.finditer(text): every match starts one of ``starts``
        last_end = 0
        for pos in starts:
            if pos < last_end:
                continue
            m = regex.match(text, pos)
            if m is None:
                continue
            last_end = m.end()
            entry = table.get(_norm(m.group(0), case_sensitive))
            if entry is None:  # pragma: no cover - every matched form is in its table
                continue
            hits.append(AliasHit(m.start(), m.end(), m.group(0), entry.names, entry.weak))
    # leftmost, then longest; drop overlaps
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    out: list[AliasHit] = []
    for hit in hits:
        if out and hit.start < out[-1].end:
            continue
        out.append(hit)
    return tuple(out)
