"""Doses written in narrative prose, attached to the drug they belong to.

The sig parser (:mod:`.sig`) reads what is adjacent to a drug name, as in medication lists
("lisinopril 20 mg daily"). Case reports and discharge narratives write doses in other places;
this module finds every dose expression (a number or range with a dose unit) in the clause
and decides which drug mention owns it, by two attachment mechanisms:

* **preposed**: a dose written before the name and linked to it: "N mg of X", "N mg X",
  "a single N-mg dose of X", "N mg/kg of intravenous X", "twenty N mg tablets of X",
  "N mL of 0.5% X", "N units of basal X". Only dosage words, forms, routes, concentrations
  and a few modifiers may stand between the dose and the name; a preposed dose outranks a
  loose dose after the name, and is never given to the drug before it;
* **forward**: the first dose after the name within the same clause, before the next drug
  mention, reached through linking words only: "X at a dose of N mg", "X (N mg/kg)",
  "X was increased/titrated/tapered to N mg", "X was started at N mg", "X, N mg twice daily",
  "X at a rate of N mcg/kg/min", "X was administered twice (N mg each time)". A coordinating
  or subordinating word ("and", "but", "after", "which" ...) ends the reach, so a dose that
  belongs to a later phrase is not taken; "from A to B" gives B (the dose in force).

Each dose expression is given to at most one mention (``taken``: the start offsets of the
doses already given). Concentrations ("1%",
"0.5 mg/mL", "mg/dL" lab values) are not doses here.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from medassist.text.medications.dose import _UNIT, normalize_unit

__all__ = [
    "DoseSpan",
    "find_doses",
    "preposed_dose",
    "forward_dose",
    "linked_to_next",
    "respective_doses",
]

_MAX_REACH = 160  # characters searched after a name
_MAX_LINK_WORDS = 12

#: a number: thousands with commas, decimals with a point, or a decimal comma right before a
#: unit ("2,5 U/h" as European notes write it)
_PNUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_DOSE = re.compile(
    r"(?<![\w.,/])(?:(?P<dc>\d+,\d{1,2})|(?P<n1>" + _PNUM + r"))"
    r"(?:\s*(?:-|–|to)\s*(?P<n2>" + _PNUM + r"))?"
    r"\s*-?\s*(?P<unit>" + _UNIT + r")"
    # a concentration or a lab value is not a dose: "0.5 mg/mL", "105 mg/dL", "4 mmol/L"
    r"(?!\s*(?:/|per\s)\s*(?:d?l|ml|deciliter|decilitre|liters?|litres?|g)\b)",
    re.IGNORECASE,
)
#: between a dose and the name after it: dosage words, forms, routes, concentrations, modifiers
_LINK_WORD = (
    r"(?:dose|doses|dosage|bolus|boluses|tablets?|tabs?|capsules?|caps?|pills?|injections?|"
    r"infusions?|aliquots?|ampoules?|ampules?|vials?|of|oral|orally|iv|i\.v\.|intravenous|"
    r"intravenously|intramuscular|im|subcutaneous|sc|sq|inhaled|nebulized|topical|"
    r"transdermal|sublingual|intrathecal|intravitreal|intranasal|rectal|slow|single|total|"
    r"daily|weekly|bolus|loading|maintenance|initial|additional|extended-release|"
    r"immediate-release|sustained-release|long-acting|short-acting|rapid-acting|ultra-?|long|"
    r"acting|basal|regular|plain|liposomal|pegylated|recombinant|human|synthetic|"
    r"\d+(?:\.\d+)?\s*%|[-,])"
)
_PREPOSED_GAP = re.compile(r"\s*(?:" + _LINK_WORD + r"\s*){0,5}$", re.IGNORECASE)
#: words that end the forward reach from a name to a dose
_BREAK = re.compile(
    # "and"/"or" that continue the drug's own verb phrase do not break: "X was started and
    # (then) titrated to N mg"
    r"(?<![\w-])(?:(?:and|or)(?!\s+(?:(?:then|subsequently|later|gradually|slowly)\s+)?"
    r"(?:was\s+|were\s+)?[a-z]+(?:ed|en)\b)|but|while|whereas|after|before|when|because|since|"
    r"until|unless|although|though|if|plus|followed|versus|vs|instead|except|besides|"
    r"without)(?![\w-])|[;\n]|\.(?!\d)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9]+")
#: a closed bracket inside the gap is an aside: "sunitinib (Sutent [SU11248]; Pfizer) 50 mg"
_ASIDE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_FROM = re.compile(r"\bfrom\s*$", re.IGNORECASE)
#: between the two doses of "from 4 mg daily to 8 mg daily": a few sig words, then "to"
_TO_NEXT = re.compile(r"^(?:\s*[\w/.]+){0,3}?\s*(?:to|->|→)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DoseSpan:
    """One dose expression: its character span in the note, number(s) and normalised unit."""

    start: int
    end: int
    dose: float
    dose_max: float | None
    unit: str | None


def _value(match: re.Match[str]) -> float:
    if match.group("dc"):
        return float(match.group("dc").replace(",", "."))
    return float(match.group("n1").replace(",", ""))


def find_doses(text: str, start: int, end: int) -> list[DoseSpan]:
    """Every dose expression in ``text[start:end]`` (offsets are into ``text``)."""
    out: list[DoseSpan] = []
    for match in _DOSE.finditer(text, start, end):
        unit = normalize_unit(match.group("unit"))
        if unit == "%" or unit is None:
            continue  # a concentration ("propofol 1%"), not an amount
        low = _value(match)
        high = float(match.group("n2").replace(",", "")) if match.group("n2") else None
        if high is not None and high < low:
            high = None
        out.append(DoseSpan(match.start(), match.end(), low, high, unit))
    return out


def preposed_dose(text: str, lo: int, name_start: int, taken: set[int]) -> DoseSpan | None:
    """The dose written right before a name and linked to it ("N mg of X"), if free."""
    if lo >= name_start:
        return None
    doses = find_doses(text, lo, name_start)
    if not doses:
        return None
    last = doses[-1]
    if last.start in taken:
        return None
    if not _PREPOSED_GAP.match(text, last.end, name_start):
        return None
    return last


def forward_dose(
    text: str,
    name_end: int,
    hi: int,
    next_start: int | None,
    taken: set[int],
    *,
    not_before: int = 0,
) -> DoseSpan | None:
    """The first free dose after a name within its clause, reached through linking words
    (``not_before``: doses starting earlier are skipped, as inside an aside)."""
    hi = min(hi, name_end + _MAX_REACH)
    if next_start is not None:
        hi = min(hi, next_start)
    if hi <= name_end:
        return None
    doses = find_doses(text, name_end, hi)
    for i, dose in enumerate(doses):
        gap = text[name_end : dose.start]
        bare = _ASIDE.sub(" ", _ASIDE.sub(" ", gap))
        if _BREAK.search(bare) or len(_WORD.findall(gap)) > _MAX_LINK_WORDS:
            return None
        if dose.start in taken or dose.start < not_before:
            continue
        if next_start is not None and linked_to_next(text, dose.end, next_start):
            return None  # "... 2 mg of midazolam with 50 mcg of fentanyl": that is fentanyl's
        if _FROM.search(gap) and i + 1 < len(doses):
            after = doses[i + 1]
            if _TO_NEXT.match(text[dose.end : after.start]):
                return after  # "reduced from 40 mg to 20 mg": the dose in force
        return dose
    return None


def linked_to_next(text: str, dose_end: int, next_start: int) -> bool:
    """True when the dose ending at ``dose_end`` is preposed to the name at ``next_start``."""
    return dose_end <= next_start and bool(_PREPOSED_GAP.match(text, dose_end, next_start))


#: "(500 mg and 250 mg, respectively)": doses listed in the order of the names before them
_RESPECTIVELY = re.compile(r",?\s*respectively\b", re.IGNORECASE)
_DOSE_LIST_GAP = re.compile(r"\s*(?:,|and|or|&)?\s*(?:and\s+)?", re.IGNORECASE)


def respective_doses(text: str, mentions: list[tuple[int, int]]) -> dict[int, DoseSpan]:
    """Index in ``mentions`` -> its dose for "A and B (N1 and N2, respectively)" (and "A and B
    were given at N1 and N2, respectively"): k doses in a row, closed by "respectively", go to
    the k mentions just before them, in order."""
    out: dict[int, DoseSpan] = {}
    if "espectively" not in text:
        return out
    starts = [s for s, _ in mentions]
    for match in _RESPECTIVELY.finditer(text):
        lo = max(0, match.start() - 200)
        doses = find_doses(text, lo, match.start())
        # the run of doses that ends right before "respectively"
        run: list[DoseSpan] = []
        end = match.start()
        for dose in reversed(doses):
            gap = text[dose.end : end]
            if not _DOSE_LIST_GAP.fullmatch(gap) and not re.fullmatch(r"\s*", gap):
                break
            run.insert(0, dose)
            end = dose.start
        if len(run) < 2:
            continue
        # the mentions between lo and the first dose (bisect: linear in the note overall)
        first, last = bisect_left(starts, lo), bisect_right(starts, run[0].start)
        before = [i for i in range(first, last) if mentions[i][1] <= run[0].start]
        if len(before) < len(run):
            continue
        names = before[-len(run) :]
        span = text[mentions[names[0]][0] : run[0].start]
        if re.search(r"[.;\n]", span):
            continue
        for i, dose in zip(names, run, strict=True):
            out[i] = dose
    return out
