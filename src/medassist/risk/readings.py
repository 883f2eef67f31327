"""Measurements for the formula calculators: the text engine's readings, in canonical units.

A formula asks :func:`measure` for a key. Weight and height come first from the case-report
value readers (``value.weight`` / ``value.height`` findings of
:mod:`medassist.text.case_values`: unit-anchored, scored for context); other keys come from
the extraction's measurements first (:meth:`NoteFacts.measurement`), then from the value
readers (a laboratory value written before its name, "hyponatremia of 128", lists closed by
"respectively", an age in words). Mentions whose wording shows they are not the patient's
measured serum value (urine, ratio, target, reference range) are skipped. Nothing here reads
the note: every value is a finding or a measurement of the extraction.
"""

from __future__ import annotations

import re

from medassist.risk.base import Evidence, Fact
from medassist.risk.facts import NoteFacts
from medassist.risk.units import to_canonical

__all__ = ["measure", "suspicious", "LAB_KEYS"]

#: keys the value readers give (``value.<key>``), beside weight, height and age
LAB_KEYS = frozenset(
    {
        "sodium",
        "chloride",
        "bicarbonate",
        "glucose",
        "albumin",
        "bun",
        "creatinine",
        "calcium",
        "insulin",
        "urine_sodium",
        "urine_creatinine",
        "total_cholesterol",
        "hdl",
        "triglycerides",
    }
)
_SERUM_KEYS = {
    "sodium",
    "chloride",
    "bicarbonate",
    "glucose",
    "albumin",
    "bun",
    "creatinine",
    "calcium",
}
_NOT_SERUM = re.compile(
    r"ratio|urin|clearance|glycine|alanine\s*\(|gradient|excretion|CSF|fluid", re.I
)
_TARGET = re.compile(r"desired|target|goal|deficit|normal range|reference", re.I)
_MONOVALENT = {"sodium", "chloride", "bicarbonate", "potassium", "urine_sodium"}


def _convert(key: str, value: float, unit: str | None) -> float | None:
    if key in _MONOVALENT or key == "insulin":
        return value  # mEq/L = mmol/L for monovalent ions, whatever the spelling
    if key == "urine_creatinine":
        u = (unit or "").lower()
        if "mmol" in u:
            return value * 1000 / 88.42
        if "mol" in u:
            return value / 88.42
        return value
    try:
        return to_canonical(key, value, unit)
    except Exception:  # noqa: BLE001 - an unconvertible unit: not this reading
        return None


def suspicious(key: str, fact: Fact, facts: NoteFacts) -> bool:
    """A measurement whose span (or the words just before it, as the text engine qualified
    them: ``value.measurement_prefix``) shows it is not the patient's measured value."""
    text = fact.evidence.text or ""
    start = fact.evidence.start
    quals: set[str] = set()
    if start is not None:
        for f in facts.matches("value.measurement_prefix"):
            if f.start == start:
                quals.update(f.qualifiers)
    if key in _SERUM_KEYS and ("not_serum" in quals or _NOT_SERUM.search(text)):
        return True
    if "target" in quals or _TARGET.search(text):
        return True
    # a digit of the label taken as the value ("HCO32- 19.2" read as 2)
    return key == "bicarbonate" and bool(re.search(r"HCO3?\d?$", text.strip(), re.I))


def _reading(facts: NoteFacts, rule: str, key: str) -> Fact | None:
    found = facts.matches(rule)
    if not found:
        return None
    f = found[0]
    if not isinstance(f.value, int | float) or isinstance(f.value, bool):
        return None
    value = _convert(key, float(f.value), f.data.get("unit"))
    if value is None:
        return None
    return Fact(
        value=round(value, 6),
        evidence=Evidence(source="note", text=f.text, start=f.start, end=f.end, note=f.note),
    )


def measure(facts: NoteFacts, key: str) -> Fact | None:
    """A measurement for a formula (see the module docstring), cached per note."""
    memo_key = ("formula_measure", key)
    if memo_key not in facts._memo:
        facts._memo[memo_key] = _measure(facts, key)
    return facts._memo[memo_key]


def _measure(facts: NoteFacts, key: str) -> Fact | None:
    if key in {"weight", "height"}:
        fact = _reading(facts, f"value.{key}", key)
        if fact is not None:
            return fact
        if key == "weight" and facts.matches("value.weight_mention"):
            return None  # every kg/lb mention is a change, a dose or an object: none is the weight
        return facts.measurement(key)
    fact = (
        facts.measurement(key)
        if key not in {"insulin", "urine_sodium", "urine_creatinine"}
        else None
    )
    if fact is not None and fact.value is not None and not suspicious(key, fact, facts):
        return fact
    if key in LAB_KEYS:
        return _reading(facts, f"value.{key}", key)
    if key == "age":
        return _reading(facts, "value.age_words", key)
    return fact
