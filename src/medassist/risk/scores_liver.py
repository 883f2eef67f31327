"""Liver scores: Child-Pugh, MELD-Na (UNOS/OPTN 2016)."""

from __future__ import annotations

import math
import re
from typing import Any

from medassist.risk.base import Band, Calculator, Fact, ScoreResult, register
from medassist.risk.facts import NoteFacts
from medassist.risk.scoring import choice, criterion, finish, fmt, item, number, put, val

__all__ = ["ChildPugh", "MeldNa"]

_ASCITES = ["absent", "slight", "moderate"]
_ENCEPH = ["none", "grade 1-2", "grade 3-4"]


def _ascites(facts: NoteFacts) -> Fact | None:
    f = facts.condition("liver.ascites.ascites")
    if f is None:
        return None
    if not f.value:
        return val(f, "absent")
    lo, hi = (f.evidence.start or 0) - 40, (f.evidence.end or 0) + 10
    if any(lo <= w.start and w.end <= hi for w in facts.matches("liver.ascites.slight_word")):
        return val(f, "slight")
    return val(f, "moderate")


#: orientation stated as a count ("A&Ox1", "alert and oriented x2") or to self/person only
_ORIENTED = (
    r"\b(?:A\s?&\s?O|AAO|AO|oriented)\s?(?:x|×|to)\s?([0-4]|one|two|three|four)\b(?!\s?(?:days?|weeks?))"
    r"|\boriented (?:only )?to (?:self|person|name)(?: only)?(?=\s?[).;]|\s?only\b|$)"
)
_COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4}


def _orientation(facts: NoteFacts) -> Fact | None:
    """Hepatic encephalopathy read from a disorientation (West Haven criteria): oriented to
    self only (disoriented to time and place) is grade 3; oriented x2 (to time) is grade 2.
    A fully oriented patient gives no answer here (other signs may still apply)."""
    f = facts.finding("liver.orientation.aao_ao_oriented")
    if f is None:
        return None
    m = re.search(r"([0-4]|one|two|three|four)\b", f.value, re.I)
    n = (int(m.group(1)) if m.group(1).isdigit() else _COUNTS[m.group(1).lower()]) if m else 1
    if n >= 3:
        return None
    return val(f, "grade 3-4" if n <= 1 else "grade 1-2", note=f"oriented x{n}")


def _encephalopathy(facts: NoteFacts) -> Fact | None:
    g = facts.finding("liver.encephalopathy.encephalopathy_coma_grade")
    if g is not None:
        m = re.search(r"(IV|I{1,3}|[1-4])(?!.*(?:IV|I{1,3}|[1-4]))", g.value)
        n = {"I": 1, "II": 2, "III": 3, "IV": 4}.get(m.group(1)) if m else None
        if n is None and m:
            n = int(m.group(1))
        if n:
            return val(g, "grade 1-2" if n <= 2 else "grade 3-4")
    oriented = _orientation(facts)
    if oriented is not None:
        return oriented
    f = facts.condition(
        "liver.encephalopathy.hepatic_encephalopathy",
    )
    if f is None:
        return None
    if not f.value:
        return val(f, "none")
    severe = re.search(
        r"coma|obtund|stupor|somnolen|unrespons",
        (f.evidence.text or "").lower(),
    )
    return val(f, "grade 3-4" if severe else "grade 1-2")


@register
class ChildPugh(Calculator):
    id = "child_pugh"
    name = "Child-Pugh score for cirrhosis mortality"
    reference = (
        "Pugh RN, et al. Transection of the oesophagus for bleeding oesophageal varices. Br J Surg. "
        "1973;60(8):646-649. doi:10.1002/bjs.1800600817"
    )
    kind = "score"
    relevance = 36
    inputs = [
        number("bilirubin", "Total bilirubin", "mg/dL", 0.05, 80),
        number("albumin", "Albumin", "g/dL", 0.5, 7),
        number("inr", "INR", None, 0.5, 20),
        choice(
            "ascites", "Ascites", _ASCITES, "ascites mention and its qualifier", default="absent"
        ),
        choice(
            "encephalopathy",
            "Hepatic encephalopathy",
            _ENCEPH,
            "'encephalopathy grade', confusion, asterixis",
            default="none",
        ),
    ]
    bands = [
        Band(label="class A (5-6 points)", low=5, high=6),
        Band(label="class B (7-9 points)", low=7, high=9),
        Band(label="class C (10-15 points)", low=10, high=15),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        f = facts.condition("liver.childpugh_relevant.cirrhosis")
        return bool(f and f.value)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        for k in ("bilirubin", "albumin", "inr"):
            put(out, k, facts.measurement(k))
        put(out, "ascites", _ascites(facts))
        put(out, "encephalopathy", _encephalopathy(facts))
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        b, a, inr = values["bilirubin"], values["albumin"], values["inr"]
        comps = [
            item("bilirubin", b, 1 if b < 2 else 2 if b <= 3 else 3),
            item("albumin", a, 1 if a > 3.5 else 2 if a >= 2.8 else 3),
            item("inr", inr, 1 if inr < 1.7 else 2 if inr <= 2.3 else 3),
            item("ascites", values["ascites"], _ASCITES.index(values["ascites"]) + 1),
            item(
                "encephalopathy",
                values["encephalopathy"],
                _ENCEPH.index(values["encephalopathy"]) + 1,
            ),
        ]
        return finish(self, comps)


@register
class MeldNa(Calculator):
    id = "meld_na"
    name = "MELD-Na (UNOS/OPTN)"
    reference = (
        "Kim WR, et al. Hyponatremia and mortality among patients on the liver-transplant waiting "
        "list. N Engl J Med. 2008;359(10):1018-1026. doi:10.1056/NEJMoa0801209; OPTN policy 9 "
        "(MELD-Na, January 2016)"
    )
    kind = "score"
    relevance = 37
    inputs = [
        number("creatinine", "Creatinine", "mg/dL", 0.1, 30),
        number("bilirubin", "Total bilirubin", "mg/dL", 0.05, 80),
        number("inr", "INR", None, 0.5, 20),
        number("sodium", "Sodium", "mmol/L", 90, 200),
        criterion("dialysis", "Dialysis at least twice, or CVVHD 24 h or more, in the past week"),
    ]
    bands = [
        Band(label="under 10: lower estimated 90-day mortality", low=None, high=9),
        Band(label="10-19: moderate estimated 90-day mortality", low=10, high=19),
        Band(label="20-29: elevated estimated 90-day mortality", low=20, high=29),
        Band(label="30-39: high estimated 90-day mortality", low=30, high=39),
        Band(label="40: highest estimated 90-day mortality", low=40, high=None),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        f = facts.condition(
            "liver.meldna_relevant.cirrhosis",
        )
        return bool(f and f.value)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        for k in ("creatinine", "bilirubin", "inr", "sodium"):
            put(out, k, facts.measurement(k))
        put(
            out,
            "dialysis",
            facts.condition("liver.meldna.emodialysis"),
        )
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        cr = 4.0 if values["dialysis"] else min(max(values["creatinine"], 1.0), 4.0)
        bili = max(values["bilirubin"], 1.0)
        inr = max(values["inr"], 1.0)
        na = min(max(values["sodium"], 125.0), 137.0)
        meld_i = (
            round(0.957 * math.log(cr) + 0.378 * math.log(bili) + 1.120 * math.log(inr) + 0.643, 1)
            * 10
        )
        meld = meld_i + 1.32 * (137 - na) - 0.033 * meld_i * (137 - na) if meld_i > 11 else meld_i
        score = int(min(round(meld), 40))
        comps = [
            item("creatinine", values["creatinine"], 0),
            item("bilirubin", values["bilirubin"], 0),
            item("inr", values["inr"], 0),
            item("sodium", values["sodium"], 0),
            item("dialysis", values["dialysis"], 0),
        ]
        for c in comps:
            c.points = None
        formula = (
            f"MELD(i) = 10 x round(0.957 ln({fmt(cr)}) + 0.378 ln({fmt(bili)}) + 1.120 ln({fmt(inr)}) + 0.643, 1) = {fmt(meld_i)}; "
            + (
                f"MELD-Na = MELD(i) + 1.32 x (137 - {fmt(na)}) - 0.033 x MELD(i) x (137 - {fmt(na)}) = {meld:.1f}"
                if meld_i > 11
                else "MELD(i) <= 11: no sodium term"
            )
            + f" -> {score} (bounds: Cr, bilirubin, INR >= 1; Cr <= 4; Na 125-137; max 40)"
        )
        return finish(self, comps, formula=formula, value=score)
