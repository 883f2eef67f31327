"""Abbreviations a note defines for a drug, read as later mentions of that drug.

"cytosine arabinoside (ARA-C) ... ARA-C was given": the bracketed abbreviation right after a drug
name (or the abbreviation right before a bracketed name, "ARA-C (cytosine arabinoside)") is the
drug wherever it recurs in the note: Schwartz & Hearst's definition pattern, restricted to
mentions the drug matcher has already found. Units, fluids and sig tokens in brackets
("insulin (IU)", "(ODT)") are not abbreviations; at most 32 per note keep the cost linear.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from medassist.schemas.text import Entity

__all__ = ["with_defined_abbreviations"]

#: "cytosine arabinoside (ARA-C)": an abbreviation in brackets right after a drug name
_DEFINED_AFTER = re.compile(r"\s*[(\[]\s*(?P<abbr>[A-Za-z0-9][A-Za-z0-9+/-]{1,11})\s*[)\],;]")
#: "ARA-C (cytosine arabinoside)": the abbreviation before the bracketed name
_DEFINED_BEFORE = re.compile(r"(?<![\w-])(?P<abbr>[A-Za-z0-9][A-Za-z0-9+/-]{1,11})\s*[(\[]\s*$")
#: bracketed tokens that are sig words, not abbreviations of the drug
_SIG_TOKENS = (  # routes, frequencies, release forms
    "IV PO IM SC SQ SL PR NG PRN BID TID QID QD QHS QAM QPM OD BD TDS QDS OM ON STAT ER XR XL "
    "SR CR DR EC ODT HCL USP INN BAN TM OTC RX HFA MDI DPI"
)
_UNIT_TOKENS = "MG MCG ML IU UNITS MEQ MMOL KG DL HR MIN NS LR D5W"  # "insulin (IU)", "saline (NS)"
_NOT_ABBREVIATIONS = frozenset(_SIG_TOKENS.split()) | frozenset(_UNIT_TOKENS.split())


_MAX_DEFINED = 32


def _abbreviation(candidate: str) -> bool:
    letters = [c for c in candidate if c.isalpha()]
    if len(letters) < 2 or candidate.upper() in _NOT_ABBREVIATIONS:
        return False
    return sum(c.isupper() for c in letters) * 2 >= len(letters) + 1  # mostly capitals


def with_defined_abbreviations(text: str, found: list[Entity]) -> list[Entity]:
    """Add the later mentions of an abbreviation the text defines next to a drug name (one
    concept per abbreviation; the first definition wins). Schwartz & Hearst's pattern, both
    ways: "long name (ABBR)" and "ABBR (long name)"."""
    defined: dict[str, Entity] = {}
    for entity in found:
        after = _DEFINED_AFTER.match(text, entity.end, min(len(text), entity.end + 20))
        if after is not None and _abbreviation(after.group("abbr")):
            defined.setdefault(after.group("abbr"), entity)
        before = _DEFINED_BEFORE.search(text, max(0, entity.start - 16), entity.start)
        if (
            before is not None
            and _abbreviation(before.group("abbr"))
            and text[entity.end : entity.end + 2].lstrip()[:1] in (")", "]")
        ):
            defined.setdefault(before.group("abbr"), entity)
    known = {e.text for e in found}
    defined = {a: e for a, e in defined.items() if a not in known}
    if not defined:
        return found
    if len(defined) > _MAX_DEFINED:  # a real note defines a handful; keep the cost linear
        defined = dict(list(defined.items())[:_MAX_DEFINED])
    pattern = re.compile(
        r"(?<![\w-])(?:"
        + "|".join(re.escape(a) for a in sorted(defined, key=len, reverse=True))
        + r")(?![\w-])"
    )
    starts = [e.start for e in found]  # sorted, non-overlapping
    extra: list[Entity] = []
    for match in pattern.finditer(text):
        start, end = match.span()
        i = bisect_right(starts, start) - 1
        if (i >= 0 and found[i].end > start) or (i + 1 < len(found) and found[i + 1].start < end):
            continue
        source = defined[match.group()]
        extra.append(
            source.model_copy(update={"text": text[start:end], "start": start, "end": end})
        )
    if not extra:
        return found
    return sorted([*found, *extra], key=lambda e: e.start)
