"""Prompt-injection detection (part of layer 1, the input guard).

A clinical note is data. Text in it that addresses a language model (``ignore previous
instructions``, ``you are now ...``, chat role markers such as ``<|im_start|>system``) is
reported as a :class:`~medassist.schemas.safety.Finding` with its span in the note; the note
is still analysed as data, and :func:`medassist.safety.prompting.wrap_note_as_data` keeps it
inside untrusted-data delimiters in any model prompt.

Obfuscation is handled by running the patterns over several normalised *views* of the
text, each with a map back to the original offsets: zero-width characters removed and
homoglyphs folded; leetspeak folded; spaced-out letters joined (``i g n o r e``); and the
decoded text of base64 / hex blobs (reported at the blob's span).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from medassist.schemas.common import Severity, Span
from medassist.schemas.safety import Finding

__all__ = ["detect_injection", "normalise_for_matching", "INJECTION_CODE"]

INJECTION_CODE = "prompt_injection"

_ZERO_WIDTH = dict.fromkeys(
    map(
        ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f"
    ),
    None,
)
# Cyrillic / Greek / other look-alikes of Latin letters (lower-cased targets).
_HOMOGLYPHS = {
    "а": "a", "в": "b", "с": "c", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t", "у": "y",
    "х": "x", "ԁ": "d", "ɡ": "g", "ӏ": "l", "ո": "n", "ս": "u", "ѵ": "v", "ԝ": "w",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ℓ": "l", "ı": "i", "ɩ": "i", "ǀ": "l",
}  # fmt: skip
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
         "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e"}  # fmt: skip


@dataclass(frozen=True)
class _View:
    text: str
    index: Sequence[int]  # index[i] = offset in the original of view character i
    name: str


def _fold_char(ch: str) -> str:
    low = ch.lower()
    if low in _HOMOGLYPHS:
        return _HOMOGLYPHS[low]
    if ord(ch) > 127:
        decomposed = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        if base and base.isascii():
            return base.lower()
    return low


def normalise_for_matching(text: str) -> tuple[str, Sequence[int]]:
    """Lower-case, fold homoglyphs/full-width forms and drop zero-width characters.

    Returns the normalised text and, per character, its offset in ``text``. Whitespace is
    kept as is (the patterns match runs of it), so ASCII text maps one to one.
    """
    if text.isascii():
        return text.lower(), range(len(text))
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ord(ch) in _ZERO_WIDTH:
            continue
        for c in _fold_char(ch):
            out.append(c)
            index.append(i)
    return "".join(out), index


_KEYWORDS = frozenset(
    {"ignore", "ignoring", "disregard", "forget", "override", "bypass", "previous", "prior",
     "instruction", "instructions", "system", "prompt", "pretend", "jailbreak", "assistant",
     "respond", "output", "reveal", "safety", "rules", "act", "you", "now", "new", "mode",
     "print", "say", "repeat", "above", "roleplay", "disable", "model", "ai", "reply", "answer"}
)  # fmt: skip
_LEET_WORD = re.compile(r"[a-z0-9@$|!+€]+")


def _leet_needed(text: str) -> bool:
    for m in _LEET_WORD.finditer(text):
        w = m.group(0)
        if w.isalpha() or w.isdigit() or not any(c.isalpha() for c in w):
            continue
        folded = "".join(_LEET.get(c, c) for c in w)
        if folded in _KEYWORDS or any(
            folded.startswith(k) for k in ("instruct", "ignor", "disregar", "previou", "jailbr")
        ):
            return True
    return False


def _leet_view(base: _View) -> _View | None:
    if not _leet_needed(base.text):
        return None
    chars = []
    for i, c in enumerate(base.text):
        # fold only symbols that sit inside a word (digits in "1gn0re", not in "500 mg")
        prev_alpha = i > 0 and base.text[i - 1].isalpha()
        next_alpha = i + 1 < len(base.text) and base.text[i + 1].isalpha()
        chars.append(_LEET[c] if c in _LEET and (prev_alpha or next_alpha) else c)
    return _View("".join(chars), base.index, "leetspeak")


_SPACED = re.compile(r"(?<![a-z0-9])(?:[a-z0-9@$][ .\-_*]{1,3}){3,}[a-z0-9@$](?![a-z0-9])")


def _despaced_view(base: _View) -> _View | None:
    """Join letters written one by one: ``i g n o r e`` -> ``ignore``; word gaps (two or more
    separators, or ``/``) stay as one space."""
    runs = [m.group(0) for m in _SPACED.finditer(base.text)]
    if not runs:
        return None
    joined = " ".join(re.sub(r"[ .\-_*]", "", r) for r in runs)
    joined = "".join(_LEET.get(c, c) for c in joined)
    if not any(
        k in joined
        for k in (
            "ignor",
            "instruct",
            "disregar",
            "forget",
            "system",
            "prompt",
            "previous",
            "override",
            "jailbr",
            "pretend",
            "youarenow",
            "actas",
            "bypass",
            "reveal",
        )
    ):
        return None
    out: list[str] = []
    index: list[int] = []
    pos = 0
    for m in _SPACED.finditer(base.text):
        out.extend(base.text[pos : m.start()])
        index.extend(base.index[pos : m.start()])
        run = m.group(0)
        j = 0
        while j < len(run):
            c = run[j]
            if c.isalnum() or c in "@$":
                out.append(c)
                index.append(base.index[m.start() + j])
            j += 1
        pos = m.end()
    out.extend(base.text[pos:])
    index.extend(base.index[pos:])
    # a spaced run of a whole sentence loses its word gaps; rebuild them with the
    # help of the separator width: handled by matching patterns that allow no space too
    return _View("".join(out), index, "spaced")


_B64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
_HEX = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){12,}(?![0-9A-Fa-f])")


def _decoded_blobs(text: str) -> list[tuple[Span, str]]:
    blobs: list[tuple[Span, str]] = []
    for m in _B64.finditer(text):
        raw = m.group(0)
        if raw.isalpha() and raw.islower():  # a plain long word, not base64
            continue
        try:
            data = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=False)
        except (binascii.Error, ValueError):
            continue
        decoded = _printable(data)
        if decoded:
            blobs.append((Span(start=m.start(), end=m.end()), decoded))
    for m in _HEX.finditer(text):
        try:
            decoded = _printable(bytes.fromhex(m.group(0)))
        except ValueError:
            continue
        if decoded:
            blobs.append((Span(start=m.start(), end=m.end()), decoded))
    return blobs


def _printable(data: bytes) -> str | None:
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not s or sum(ch.isprintable() or ch in "\n\t" for ch in s) / len(s) < 0.95:
        return None
    if sum(ch.isalpha() or ch == " " for ch in s) / len(s) < 0.7:
        return None
    return s


@dataclass(frozen=True)
class _Pattern:
    code: str
    regex: re.Pattern[str]
    #: substrings of which the text must contain one for the pattern to be tried (fast skip)
    any: tuple[str, ...] = ()


def _spaces(regex: str) -> str:
    """Literal spaces outside character classes match any run of whitespace."""
    out, in_class, escaped = [], False, False
    for ch in regex:
        if escaped:
            out.append(ch)
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        elif ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        out.append(r"\s+" if ch == " " and not in_class else ch)
    return "".join(out)


@lru_cache(maxsize=1)
def _patterns() -> tuple[_Pattern, ...]:
    raw = (
        resources.files("medassist.safety")
        .joinpath("data/injection_patterns.json")
        .read_text("utf-8")
    )
    spec = json.loads(raw)
    out = []
    for p in spec["patterns"]:
        out.append(
            _Pattern(
                p["code"],
                re.compile(_spaces(p["regex"]), re.IGNORECASE | re.MULTILINE),
                tuple(p.get("any", ())),
            )
        )
    # the same patterns with spaces optional, for the despaced view
    return tuple(out)


@lru_cache(maxsize=1)
def _nospace_patterns() -> tuple[_Pattern, ...]:
    out = []
    for p in _patterns():
        src = p.regex.pattern.replace(r"\s+", r"\s*").replace(r"\s", r"\s?")
        src = src.replace(r"\s?*", r"\s*").replace(r"\s??", r"\s?").replace(r"\b", "")
        out.append(_Pattern(p.code, re.compile(src, re.IGNORECASE | re.MULTILINE), p.any))
    return tuple(out)


def _scan(view: _View, patterns: tuple[_Pattern, ...]) -> list[tuple[str, int, int, str]]:
    hits = []
    for pat in patterns:
        if pat.any and not any(a in view.text for a in pat.any):
            continue
        for m in pat.regex.finditer(view.text):
            if m.end() <= m.start():
                continue
            s = m.start()
            while s < m.end() - 1 and view.text[s] in " \n.!?:;":
                s += 1
            start = view.index[s]
            end = view.index[m.end() - 1] + 1
            hits.append((pat.code, start, end, view.name))
    return hits


_MESSAGES = {
    "override_instructions": "text asking a model to ignore or override its instructions",
    "role_change": "text trying to change a model's role or persona",
    "new_instructions": "text presenting new instructions to a model",
    "addressed_to_model": "text addressed to an AI model",
    "fake_system_prompt": "a fake system/role prompt",
    "role_marker": "a chat-template role marker or special token",
    "prompt_extraction": "text asking a model to reveal its prompt",
    "output_control": "text dictating a model's output",
    "safety_bypass": "text asking to disable safety checks",
}


def detect_injection(text: str) -> list[Finding]:
    """Find text that addresses a language model rather than documenting care.

    Returns one :class:`Finding` (layer ``input_guard``, code ``prompt_injection``) per
    detected span, sorted by position; the message names the technique and, for obfuscated
    variants, how it was hidden. The text itself is never modified.
    """
    if not text or not text.strip():
        return []
    norm, index = normalise_for_matching(text)
    base = _View(norm, index, "plain")
    views = [base]
    for maker in (_leet_view, _despaced_view):
        v = maker(base)
        if v is not None:
            views.append(v)
    hits: list[tuple[str, int, int, str]] = []
    for v in views:
        hits.extend(_scan(v, _patterns() if v.name != "spaced" else _nospace_patterns()))
    for span, decoded in _decoded_blobs(text):
        dnorm, _ = normalise_for_matching(decoded)
        dview = _View(dnorm, range(len(dnorm)), "encoded")
        for code, _s, _e, _n in _scan(dview, _patterns()):
            hits.append((code, span.start, span.end, "encoded"))
    hits = [(c, s, e, _how(text[s:e]) if n == "plain" else n) for c, s, e, n in hits]
    return _merge(hits, text)


def _how(span_text: str) -> str:
    if any(ord(c) in _ZERO_WIDTH for c in span_text):
        return "zero-width characters"
    if not span_text.isascii():
        return "look-alike characters"
    return "plain"


def _merge(hits: list[tuple[str, int, int, str]], text: str) -> list[Finding]:
    hits.sort(key=lambda h: (h[1], -h[2]))
    merged: list[list] = []
    for code, s, e, how in hits:
        if merged and s < merged[-1][2]:
            last = merged[-1]
            last[2] = max(last[2], e)
            if code not in last[0]:
                last[0].append(code)
            if how not in last[3]:
                last[3].append(how)
            continue
        merged.append([[code], s, e, [how]])
    findings = []
    for codes, s, e, hows in merged:
        desc = "; ".join(_MESSAGES.get(c, c) for c in codes)
        obfuscation = [] if "plain" in hows else hows
        suffix = f" (obfuscated: {', '.join(obfuscation)})" if obfuscation else ""
        findings.append(
            Finding(
                layer="input_guard",
                code=INJECTION_CODE,
                message=f"possible prompt injection: {desc}{suffix}; treated as note data only",
                severity=Severity.warning,
                span=Span(start=s, end=e),
                target="note",
                action="flagged",
            )
        )
    return findings
