"""The allergy reading of a note: the allergens named, or an explicit "no known allergies".

Statements of none: "NKDA", "NKMA", "no known drug allergies" (``no_known="drug"``), "NKFA"
(``"food"``), "NKA", "no known allergies", "denies allergies", "Allergies: nil / none / no
known" (``"any"``).

Allergens: the drugs the medication reader marked as allergens (``Medication.allergen``:
the allergies section, "allergic to X"), plus every item of an allergy list that is not a
drug ("latex", "shellfish", "sulfa"): items of the allergies section and of the clause after
an allergy cue ("allergic to", "allergy to", "intolerant of", "Allergies:"), split at commas,
semicolons, "and" / "or". A reaction written with the item is kept ("penicillin (rash)",
"codeine - nausea", "sulfa: hives", "amoxicillin causes a rash"). A negated allergen ("no
allergy to penicillin") is not one.

Cost: one pass of two compiled patterns over the text, only when it mentions an allergy cue.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence

from medassist.schemas.text import Allergen, Allergies, Medication, Section

__all__ = ["extract_allergies", "allergies_line"]

_NONE_RX = re.compile(
    r"\b(?P<drug>NK(?:D|M)As?|no\s+known\s+(?:drug|medication|medicine)\s+allerg(?:y|ies))\b"
    r"|\b(?P<food>NKFAs?|no\s+known\s+food\s+allerg(?:y|ies))\b"
    r"|\b(?P<any>NKAs?|no\s+known\s+allerg(?:y|ies)|no\s+allerg(?:y|ies)(?!\s+(?:to|with)\b)"
    r"|(?:denies|denied|denying)\s+(?:any\s+)?(?:drug\s+|medication\s+)?allerg(?:y|ies)"
    r"(?!\s+(?:to|with)\b)"
    r"|allerg(?:y|ies)\s*(?:[:\-]\s*|\s+)(?:nil|none|no\s+known(?!\s+(?:drug|medication|medicine|food))|not\s+known|denied)\b)",
    re.IGNORECASE,
)
_CUE_RX = re.compile(
    r"\b(?:allergic|allergy|allergies|allergies?\s+include|hypersensitivity|hypersensitive|"
    r"intolerant|intolerance|sensitivity|sensitive)\s+(?:to|of|with)\b"
    r"|\b(?:drug\s+)?allerg(?:y|ies)\s*[:\-]"
    r"|\bADRs?\s*[:\-]",
    re.IGNORECASE,
)
#: a cue that is itself negated: "no allergy to penicillin", "denies allergies to nuts"
_NEGATED_CUE_RX = re.compile(
    r"\b(?:no|not|nil|denies|denied|denying|without|negative\s+for)\s+(?:known\s+|other\s+|"
    r"drug\s+|any\s+)*$",
    re.IGNORECASE,
)
#: "penicillin allergy", "latex intolerance": the word before names the allergen
_SUFFIX_RX = re.compile(
    r"\b(?P<sub>[A-Za-z][\w-]{2,})\s+(?:allergy|allergies|intolerance|hypersensitivity)\b",
    re.IGNORECASE,
)
_PAREN_AFTER_RX = re.compile(r"\s*\(([^()]{1,60})\)")
_NOT_A_SUBSTANCE = frozenset(
    [
        "has",
        "have",
        "had",
        "with",
        "the",
        "any",
        "known",
        "drug",
        "drugs",
        "food",
        "foods",
        "seasonal",
        "environmental",
        "multiple",
        "other",
        "medication",
        "medications",
        "his",
        "her",
        "their",
        "reported",
        "documented",
        "severe",
        "mild",
        "no",
        "nil",
        "denies",
        "denied",
        "possible",
        "suspected",
        "true",
        "and",
        "or",
        "of",
        "to",
        "for",
    ]
)
_GATE_RX = re.compile(r"allerg|nk[dmf]?a|intoleran|sensitiv|\badr", re.IGNORECASE)
#: where an allergy clause ends: end of sentence or line, or a new clause
_CLAUSE_END_RX = re.compile(
    r"[.;\n]|\b(?:but|takes?|taking|took|on|uses?|using|started|continu\w*|prescribed|given|"
    r"is|was|are|were|has|had|tolerat\w*|presents?|reports?|who|which)\b",
    re.IGNORECASE,
)
_ITEM_SPLIT_RX = re.compile(r",|;|/|\band\b|\bor\b|\n", re.IGNORECASE)
_REACTION_RX = re.compile(
    r"\s*(?:\((?P<paren>[^()]{1,60})\)|(?:-+>?|:|\u2192|=)\s*(?P<dash>.{1,60})"
    r"|\s(?:causes?|caused|causing|gives?|gave|with|leading\s+to|resulting\s+in)\s+(?:an?\s+)?"
    r"(?P<verb>.{1,60}))$",
    re.IGNORECASE,
)
_LEAD_JUNK_RX = re.compile(
    r"^(?:\s|[-*\u2022:]|\d+[.)]|to\b|of\b|the\b|an?\b|drug\b|allerg(?:y|ies)\b|include\w*\b)+",
    re.IGNORECASE,
)
_NOT_AN_ALLERGEN_RX = re.compile(
    r"^(?:no|nil|none|not|denies|denied|unknown|n/?a|nkda|nka|nkfa|nkma|no known|"
    r"known|see\b|as above|other|any|reviewed|yes)\b",
    re.IGNORECASE,
)
_MAX_ITEM_WORDS = 5
_MAX_CLAUSE = 300
#: a bound on the reading (a note names a handful of allergens): keeps the cost linear in any
#: input, e.g. 50,000 repeated "allergic to X" lines
_MAX_ALLERGENS = 50


def _reaction(item: str) -> tuple[str, str | None]:
    m = _REACTION_RX.search(item)
    if m is None:
        return item, None
    reaction = (m.group("paren") or m.group("dash") or m.group("verb") or "").strip(" .,")
    return item[: m.start()], reaction or None


def _items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each list item in ``text[start:end]``, trimmed."""
    out: list[tuple[int, int]] = []
    pos = start
    for m in _ITEM_SPLIT_RX.finditer(text, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    trimmed = []
    for s, e in out:
        while s < e and text[s] in " \t\r\n-*\u2022:":
            s += 1
        while e > s and text[e - 1] in " \t\r\n.,":
            e -= 1
        if s < e:
            trimmed.append((s, e))
    return trimmed


def _clauses(text: str, sections: Sequence[Section]) -> Iterator[tuple[int, int]]:
    """The spans of text that list allergens: allergies-section bodies and cue clauses (which
    never overlap, so each character is read once)."""
    for section in sections:
        if section.name == "allergies":
            yield section.body_start, section.end
    last_end = 0
    for m in _CUE_RX.finditer(text):
        if m.start() < last_end:
            continue
        if _NEGATED_CUE_RX.search(text, max(0, m.start() - 30), m.start()):
            continue
        limit = min(len(text), m.end() + _MAX_CLAUSE)
        stop = _CLAUSE_END_RX.search(text, m.end(), limit)
        last_end = stop.start() if stop else limit
        yield m.end(), last_end


def extract_allergies(
    text: str, sections: Sequence[Section], allergens: Sequence[Medication]
) -> Allergies:
    """The allergy reading of ``text``; ``allergens``: the drugs read as allergens."""
    reading = Allergies()
    drugs = [m for m in allergens if m.allergen and not m.context.negated][:_MAX_ALLERGENS]
    has_section = any(s.name == "allergies" for s in sections)
    if not drugs and not has_section and not _GATE_RX.search(text):
        return reading
    none = _NONE_RX.search(text)
    if none is not None:
        kind = next(k for k in ("drug", "food", "any") if none.group(k))
        reading.no_known = kind  # type: ignore[assignment]
        reading.no_known_text = none.group(0)
        reading.no_known_span = none.span()
    found: dict[tuple[int, int], Allergen] = {}
    for drug in drugs:
        found[(drug.start, drug.end)] = Allergen(
            substance=drug.name,
            text=drug.text,
            start=drug.start,
            end=drug.end,
            drugbank_id=drug.drugbank_id,
        )
    none_spans = [m.span() for m in _NONE_RX.finditer(text)] if none is not None else []
    none_starts = [ns for ns, _ in none_spans]
    for c_start, c_end in _clauses(text, sections):
        if len(found) >= _MAX_ALLERGENS:
            break
        for s, e in _items(text, c_start, c_end):
            i = bisect_right(none_starts, e) - 1
            if i >= 0 and none_spans[i][1] > s:  # the item is a "no known allergies" statement
                continue
            item = text[s:e]
            substance, reaction = _reaction(item)
            lead = _LEAD_JUNK_RX.match(substance)
            offset = lead.end() if lead else 0
            substance = substance[offset:].strip(" .,:")
            if not substance or _NOT_AN_ALLERGEN_RX.match(substance):
                continue
            if len(substance.split()) > _MAX_ITEM_WORDS:
                continue
            sub_start = s + offset
            sub_end = sub_start + len(substance)
            drug_key = next((k for k in found if k[0] < e and s < k[1]), None)
            if drug_key is not None:
                if reaction and found[drug_key].reaction is None:
                    found[drug_key] = found[drug_key].model_copy(
                        update={"reaction": reaction, "text": item}
                    )
                continue
            if any(k[0] < sub_end and sub_start < k[1] for k in found):
                continue
            found[(sub_start, sub_end)] = Allergen(
                substance=substance.lower() if substance.isupper() else substance,
                text=item,
                start=s,
                end=e,
                reaction=reaction,
            )
    for m in _SUFFIX_RX.finditer(text):
        if len(found) >= _MAX_ALLERGENS:
            break
        s, e = m.span("sub")
        word = m.group("sub")
        if word.lower() in _NOT_A_SUBSTANCE or any(k[0] < e and s < k[1] for k in found):
            continue
        if _NEGATED_CUE_RX.search(text, max(0, s - 30), s):
            continue
        paren = _PAREN_AFTER_RX.match(text, m.end())
        found[(s, e)] = Allergen(
            substance=word.lower() if word.isupper() or word.istitle() else word,
            text=text[m.start() : paren.end() if paren else m.end()],
            start=m.start(),
            end=paren.end() if paren else m.end(),
            reaction=paren.group(1).strip() if paren else None,
        )
    reading.allergens = [found[k] for k in sorted(found)]
    reading.documented = bool(has_section or reading.allergens or reading.no_known)
    return reading


_NO_KNOWN_WORDS = {
    "drug": "no known drug allergies",
    "food": "no known food allergies",
    "any": "no known allergies",
}


def allergies_line(reading: Allergies) -> str:
    """The allergy reading in words, for the summary and the text report: the allergens (with
    reactions), else "no known drug allergies" (etc.), else "not documented"."""
    if reading.allergens:
        items = [
            a.substance + (f" ({a.reaction})" if a.reaction else "") for a in reading.allergens
        ]
        line = ", ".join(items)
        if reading.no_known:
            line += f" (the note also states {reading.no_known_text})"
        return line
    if reading.no_known:
        return _NO_KNOWN_WORDS[reading.no_known]
    return "documented, no allergen named" if reading.documented else "not documented"
