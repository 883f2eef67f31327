"""Sentence splitting tuned for clinical text.

Rules, in short:

* ``.``, ``!`` and ``?`` end a sentence when followed by whitespace (or the MTSamples join
  ``".,"``) and then a capital letter, a digit, a quote/bracket, a bullet or the end of the text;
  never after title-like abbreviations (Dr., Mr., No., vs., approx., e.g., i.e. ...), inside
  decimals (98.6) or dotted abbreviations (b.i.d., p.o.), or after a list number ("1.").
* Inline numbered lists ("1. HTN 2. DM") are split before each next number.
* A line break ends a sentence unless it is a soft wrap (the line ends in a lower-case word or a
  comma and the next line starts in lower case): each line of a list is its own sentence.
* A section header (see :mod:`medassist.text.sections`) is a sentence of its own.
* Commas, semicolons and slashes never split, so a vitals string
  ("BP 120/80, HR 88, T 98.6 F, RR 16, SpO2 97% RA") stays one sentence.

Spans are half-open offsets into the text, trimmed of surrounding whitespace and of the stray
commas that MTSamples transcriptions put around headers.
"""

from __future__ import annotations

import re

from medassist.schemas.common import Span

__all__ = ["split_sentences", "NO_SPLIT_ABBREVIATIONS", "LOWER_CASE_OPENERS"]

#: abbreviations after which a full stop never ends a sentence (compared lower-case, no final dot)
NO_SPLIT_ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "dr",
        "drs",
        "mr",
        "mrs",
        "ms",
        "mx",
        "prof",
        "st",
        "sr",
        "jr",
        "no",
        "nos",
        "vs",
        "approx",
        "appr",
        "e.g",
        "eg",
        "i.e",
        "ie",
        "cf",
        "fig",
        "figs",
        "ref",
        "pt",
        "pts",
        "hx",
        "dx",
        "sx",
        "tx",
        "rx",
        "ca",
        "ext",
        "dept",
        "univ",
        "mt",
        "ft",
        "ave",
        "incl",
        "esp",
        "resp",
        "temp",
        "wt",
        "ht",
        "a.k.a",
        "viz",
    }
)

#: shorthand that opens a clause in lower case in GP notes ("Nil CP. c/o SOB. o/e wheeze")
LOWER_CASE_OPENERS: frozenset[str] = frozenset(
    {"c/o", "o/e", "h/o", "s/p", "r/o", "nil", "hx", "pmh", "dx", "rx", "sx", "imp", "plan"}
)
_OPENER = re.compile(r"[a-z]+(?:/[a-z]+)?(?![a-z/])")
_TERMINAL = re.compile(r"[.!?]+[\"')\]]*(?=(?:,?[ \t\r\n\f\v]|$)|,(?=[A-Z0-9*\u2022(-]))")
_WORD_BEFORE = re.compile(r"([A-Za-z0-9][A-Za-z0-9.]*)$")
_NEXT_START = re.compile(r",?\s*(\S)")
_LIST_MARKER = re.compile(r"\s*(\d{1,2})[.)]\s")
_NEWLINE = re.compile(r"\n")
_LEAD_JUNK = " \t\r\n\f\v,;"
_TRAIL_JUNK = " \t\r\n\f\v,"


def _is_boundary(text: str, dot: int, end: int, seg_start: int) -> bool:
    """Whether the terminal punctuation ``text[dot:end]`` ends a sentence."""
    nxt = _NEXT_START.match(text, end)
    if nxt is None:
        return True  # end of text
    ch = nxt.group(1)
    if ch.islower():
        opener = _OPENER.match(text, nxt.start(1))
        if opener is None or opener.group(0) not in LOWER_CASE_OPENERS:
            return False
    elif not (ch.isupper() or ch.isdigit() or ch in "\"'([-*#\u2022?"):
        return False
    if text[dot] != ".":
        return True
    before = _WORD_BEFORE.search(text, max(seg_start, dot - 40), dot)
    if before is None:
        return True
    word = before.group(1)
    low = word.lower()
    if low in NO_SPLIT_ABBREVIATIONS:
        return False
    if (
        len(word) == 1
        and word.isalpha()
        and not text[seg_start : before.start()].strip(" \t\r\n,;")
    ):
        return False  # "A." opening a lettered list item
    if word.isdigit() and len(word) <= 2:
        if not text[seg_start : before.start()].strip(" \t\r\n,;"):
            return False  # "1." opening a list item
        opener = _LIST_MARKER.match(text, seg_start)
        if opener is not None and int(word) > int(opener.group(1)):
            return False  # "2." inside "1. HTN 2. DM": cut before the number instead
    if len(word) == 1 and word.isupper() and ch.isupper():
        # an initial ("John A. Smith"): previous word capitalised
        prev = text[max(seg_start, before.start() - 30) : before.start()].split()
        if prev and prev[-1][:1].isupper() and prev[-1][-1:].isalpha():
            return False
    return True


def _is_soft_wrap(text: str, nl: int) -> bool:
    i = nl - 1
    while i >= 0 and text[i] in " \t\r":
        i -= 1
    j = nl + 1
    n = len(text)
    while j < n and text[j] in " \t\r":
        j += 1
    if i < 0 or j >= n:
        return False
    prev, nxt = text[i], text[j]
    return (prev.islower() or prev in ",(/-") and nxt.islower()


def _split_inline_list(text: str, start: int, end: int, cuts: list[int]) -> None:
    m = _LIST_MARKER.match(text, start, end)
    if m is None:
        return
    number = int(m.group(1))
    pos = m.end()
    while True:
        nxt = re.compile(rf"(?<=\S)[ \t,;]+({number + 1})[.)]\s+(?=\S)").search(text, pos, end)
        if nxt is None:
            return
        cuts.append(nxt.start(1))
        number += 1
        pos = nxt.end()


#: no clinical sentence is this long (MTSamples' longest: ~1,500 characters); a longer run
#: (no punctuation, pasted data, adversarial input) is cut so that per-sentence work downstream
#: (ConText scopes) stays bounded and the engine linear in the text length
MAX_SENTENCE_CHARS = 2000
_SOFT_CUT = re.compile(r"[;,]\s|\s")


def _cap_lengths(text: str, bounds: list[int]) -> list[int]:
    """Cuts that split every segment longer than :data:`MAX_SENTENCE_CHARS`: at the last
    ``;``/``,`` (else whitespace) of its second half, else hard at the limit."""
    cuts: list[int] = []
    half = MAX_SENTENCE_CHARS // 2
    for a, b in zip(bounds, bounds[1:], strict=False):
        pos = a
        while b - pos > MAX_SENTENCE_CHARS:
            window_start, window_end = pos + half, pos + MAX_SENTENCE_CHARS
            punct = space = -1
            for m in _SOFT_CUT.finditer(text, window_start, window_end):
                if text[m.start()] in ";,":
                    punct = m.end()
                else:
                    space = m.end()
            cut = punct if punct > 0 else space
            pos = cut if cut > pos else window_end
            cuts.append(pos)
    return cuts


def split_sentences(text: str) -> list[Span]:
    """Split ``text`` into sentence spans (see the module docstring)."""
    if not isinstance(text, str):
        from medassist.errors import InputError

        raise InputError("split_sentences expects text (str)")
    from medassist.text.sections import find_headers

    cuts: set[int] = set()
    for nl in _NEWLINE.finditer(text):
        if not _is_soft_wrap(text, nl.start()):
            cuts.add(nl.start())
    for header in find_headers(text):
        cuts.add(header.start)
        colon = text.find(":", header.end, header.body_start + 1)
        if colon != -1:
            cuts.add(colon + 1)
    # terminal punctuation, evaluated left to right so that list markers see their segment start
    ordered = sorted(cuts)
    seg_start = 0
    k = 0
    terminal_cuts: list[int] = []
    for m in _TERMINAL.finditer(text):
        while k < len(ordered) and ordered[k] <= m.start():
            seg_start = ordered[k]
            k += 1
        if terminal_cuts and terminal_cuts[-1] > seg_start:
            seg_start = terminal_cuts[-1]
        if _is_boundary(text, m.start(), m.end(), seg_start):
            terminal_cuts.append(m.end())
    cuts.update(terminal_cuts)
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(text)), len(text)]
    list_cuts: list[int] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        _split_inline_list(text, a, b, list_cuts)
    if list_cuts:
        bounds = sorted({*bounds, *list_cuts})
    long_cuts = _cap_lengths(text, bounds)
    if long_cuts:
        bounds = sorted({*bounds, *long_cuts})
    spans: list[Span] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        while a < b and text[a] in _LEAD_JUNK:
            a += 1
        while b > a and text[b - 1] in _TRAIL_JUNK:
            b -= 1
        if a < b and any(ch.isalnum() for ch in text[a:b]):
            spans.append(Span(start=a, end=b))
    return spans
