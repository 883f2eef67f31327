"""A non-diagnostic summary built only from extracted facts.

Every sentence of the summary restates items of the :class:`TextExtraction` (demographics,
entities with their context flags, medications, vital signs, laboratory values); nothing is
inferred. ``suggested_next_steps`` are phrased as suggestions for clinician review and each
follows from an extracted item or from the absence of one (no vital signs, no allergies).
The usual adult ranges in ``data/reference_ranges.json`` only select values to list for review.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from medassist.schemas.text import (
    Entity,
    EntityCategory,
    Measurement,
    Medication,
    Summary,
    TextExtraction,
)
from medassist.text.allergies import allergies_line

__all__ = ["build_summary", "format_age", "reference_ranges"]

_HISTORY_SECTIONS = frozenset({"pmh", "psh"})


@lru_cache(maxsize=1)
def reference_ranges() -> dict[str, dict[str, float | str | None]]:
    """Usual adult ranges (canonical units) keyed by measurement name."""
    raw = (
        resources.files("medassist.text").joinpath("data/reference_ranges.json").read_text("utf-8")
    )
    return json.loads(raw)["ranges"]


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    try:
        from medassist.text.catalogue import catalogue
    except ImportError:  # the measurement catalogue is optional here
        return {}
    try:
        return {name: spec.label for name, spec in catalogue().items()}
    except Exception:  # noqa: BLE001 - a broken catalogue must not break the summary
        return {}


def _label(name: str) -> str:
    return _labels().get(name) or name.replace("_", " ")


_VALUE_START = re.compile(r"(?<![A-Za-z0-9.])[<>~]?\d")
_TRAILING_FILLERS = frozenset(
    [
        "was",
        "is",
        "were",
        "are",
        "be",
        "at",
        "of",
        "on",
        "in",
        "to",
        "from",
        "with",
        "the",
        "a",
        "an",
        "level",
        "levels",
        "value",
        "values",
        "measured",
        "noted",
        "peaked",
        "rose",
        "fell",
        "increased",
        "decreased",
        "down",
        "up",
        "by",
        "x",
    ]
)


def _written_label(m: Measurement) -> str:
    """The measurement's name as the note writes it ("BP", "SpO2"), else the catalogue's."""
    value = _VALUE_START.search(m.text)
    words = (m.text[: value.start()] if value else m.text).replace(":", " ").split()
    while words and words[-1].lower().strip(",;=-") in _TRAILING_FILLERS:
        words.pop()
    label = " ".join(words).strip(" ,;=-")
    if label and len(label) <= 40 and any(ch.isalpha() for ch in label):
        return label
    return _label(m.name)


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def format_age(age: float) -> str:
    """``54`` -> ``"54-year-old"``; ``0.5`` -> ``"6-month-old"``; ``0.02`` -> ``"7-day-old"``."""
    if age >= 2:
        return f"{int(age)}-year-old"
    months = age * 12
    if months >= 1:
        return f"{round(months)}-month-old"
    return f"{max(1, round(age * 365.25))}-day-old"


def _join(items: Iterable[str]) -> str:
    seen: dict[str, str] = {}
    for item in items:
        key = item.strip().lower()
        if key and key not in seen:
            seen[key] = item.strip()
    return ", ".join(seen.values())


#: at most this many items in one sentence of entity names; the rest are counted ("and 4 more")
MAX_LISTED = 15


def _join_capped(items: Iterable[str], limit: int = MAX_LISTED) -> str:
    """Like :func:`_join`, listing at most ``limit`` items (by first mention) and counting the
    rest, so that a long note with many vocabulary matches keeps a readable summary."""
    seen: dict[str, str] = {}
    for item in items:
        key = item.strip().lower()
        if key and key not in seen:
            seen[key] = item.strip()
    unique = list(seen.values())
    if len(unique) <= limit:
        return ", ".join(unique)
    return f"{', '.join(unique[:limit])} and {len(unique) - limit} more"


def _names(entities: Iterable[Entity]) -> list[str]:
    """Preferred names, one per code (the first mention of a code names it)."""
    codes: set[str] = set()
    out: list[str] = []
    for e in entities:
        if e.code:
            if e.code in codes:
                continue
            codes.add(e.code)
        out.append(e.preferred)
    return out


def _current(entity: Entity) -> bool:
    ctx = entity.context
    return not (
        ctx.negated
        or ctx.uncertain
        or ctx.hypothetical
        or ctx.family
        or ctx.historical
        or entity.section in _HISTORY_SECTIONS
        or entity.section in ("family_history", "allergies")
    )


def _family(entity: Entity) -> bool:
    return entity.context.family or entity.section == "family_history"


def _medication_phrase(med: Medication) -> str:
    parts = [med.name]
    if med.dose is not None:
        dose = _num(med.dose)
        if med.dose_max is not None:
            dose += f"-{_num(med.dose_max)}"
        parts.append(dose + (f" {med.unit}" if med.unit else ""))
    elif med.unit:
        parts.append(med.unit)
    if med.route:
        parts.append(med.route)
    if med.frequency:
        parts.append(med.frequency)
    if med.as_needed:
        parts.append("as needed" + (f" for {med.prn_reason}" if med.prn_reason else ""))
    if med.status in ("stopped", "held"):
        parts.append(f"({med.status})")
    return " ".join(parts)


def _written(m: Measurement) -> str:
    """The value as written (number and unit), or the written text of a non-numeric value."""
    if m.value is not None:
        return f"{_num(m.value)} {m.unit or ''}".strip()
    return m.value_text or m.text


def _phrase(m: Measurement) -> str:
    if m.value is None:
        return m.text.strip()  # a non-numeric finding ("Confused"): as written
    return f"{_written_label(m)} {_written(m)}"


def _vital_phrases(vitals: list[Measurement]) -> list[str]:
    """Plausible vitals as phrases; a systolic and a diastolic value written together are one BP."""
    phrases: list[str] = []
    paired: dict[int, int] = {}  # sbp index -> dbp index
    taken: set[int] = set()
    # diastolic values by start (a bisection per systolic, not a scan of every vital)
    dbps = sorted((v.start, k) for k, v in enumerate(vitals) if v.name == "dbp" and v.plausible)
    dbp_starts = [start for start, _ in dbps]
    for i, m in enumerate(vitals):
        if m.name != "sbp" or not m.plausible:
            continue
        lo = bisect_left(dbp_starts, m.start - 20)
        near = [k for start, k in dbps[lo : bisect_right(dbp_starts, m.start + 20)]]
        for k in sorted(near):  # the first in list order, as before
            if k not in taken:
                paired[i] = k
                taken.add(k)
                break
    for i, m in enumerate(vitals):
        if i in taken or not m.plausible:
            continue
        if i in paired:
            other = vitals[paired[i]]
            sbp, dbp = m.value, other.value
            if sbp is not None and dbp is not None:
                label = _written_label(m)
                if label == _label("sbp"):
                    label = "blood pressure"
                phrases.append(f"{label} {_num(sbp)}/{_num(dbp)}")
                continue
        phrases.append(_phrase(m))
    return phrases


def _outside_range(m: Measurement) -> str | None:
    spec = reference_ranges().get(m.name)
    if spec is None or not m.plausible or m.normalized_value is None:
        return None
    if (m.normalized_unit or None) != (spec.get("unit") or None):
        return None
    low, high = spec.get("low"), spec.get("high")
    value = m.normalized_value
    unit = f" {spec['unit']}" if spec.get("unit") else ""
    if m.name in ("sbp", "dbp"):
        shown = f"{_label(m.name)} {_num(value)}{unit}"
    elif m.value is not None and m.value == value and not m.unit:
        shown = f"{_written_label(m)} {_num(value)}{unit}"
    else:
        shown = f"{_written_label(m)} {_written(m)}"
        if m.value is not None and m.value != value:
            shown += f" (= {_num(value)}{unit})"
    if low is not None and value < float(low):
        return f"{shown}, below the usual adult range ({_num(float(low))}{unit})"
    if high is not None and value > float(high):
        return f"{shown}, above the usual adult range ({_num(float(high))}{unit})"
    return None


def build_summary(extraction: TextExtraction) -> Summary:
    """Summarise ``extraction`` in plain, non-diagnostic sentences (see the module docstring)."""
    sentences: list[str] = []
    steps: list[str] = []
    demo = extraction.demographics
    if demo.age is not None or demo.sex is not None:
        words = [format_age(demo.age) if demo.age is not None else None, demo.sex]
        desc = " ".join(w for w in words if w)
        article = "an" if desc.startswith(("a", "e", "i", "o", "8", "11-", "18-")) else "a"
        sentences.append(f"The note documents {article} {desc} patient.")

    ents = extraction.entities
    lexical = [e for e in ents if e.category != EntityCategory.medication]
    symptoms = _names(e for e in lexical if e.category == EntityCategory.symptom and _current(e))
    denied = _names(
        e
        for e in lexical
        if e.context.negated
        and not _family(e)
        and e.category in (EntityCategory.symptom, EntityCategory.condition)
    )
    conditions = _names(
        e for e in lexical if e.category == EntityCategory.condition and _current(e)
    )
    history = _names(
        e
        for e in lexical
        if (e.context.historical or e.section in _HISTORY_SECTIONS)
        and not (e.context.negated or e.context.hypothetical or _family(e))
    )
    family = _names(e for e in lexical if _family(e) and not e.context.negated)
    uncertain = _names(
        e for e in lexical if e.context.uncertain and not (e.context.negated or _family(e))
    )
    procedures = _names(
        e for e in lexical if e.category == EntityCategory.procedure and _current(e)
    )
    for prefix, items in (
        ("Reported symptoms", symptoms),
        ("Denied", denied),
        ("Documented conditions", conditions),
        ("Mentioned as possible", uncertain),
        ("History of", history),
        ("Family history", family),
        ("Also documented", procedures),
    ):
        joined = _join_capped(items)
        if joined:
            sentences.append(f"{prefix}: {joined}.")

    allergies = extraction.allergies
    if allergies.documented:
        sentences.append(f"Allergies: {allergies_line(allergies)}.")

    # a drug in the allergies section is an allergen, not a medication taken
    allergen_starts = {
        m.start for m in [*extraction.medications, *extraction.allergens] if m.allergen
    }
    meds = [
        m
        for m in extraction.medications
        if not m.context.negated and m.section != "allergies" and not m.allergen
    ]
    if meds:
        # a bare later mention ("hold metformin") adds nothing to a listed "metformin 500 mg BID"
        detailed = {m.name.lower() for m in meds if _medication_phrase(m) != m.name}
        phrases = [
            _medication_phrase(m)
            for m in meds
            if _medication_phrase(m) != m.name or m.name.lower() not in detailed
        ]
        sentences.append(f"Medications listed: {_join(phrases)}.")
        complete = {m.name.lower() for m in meds if m.dose is not None and m.frequency}
        incomplete = _join(m.name for m in meds if m.name.lower() not in complete)
        if incomplete:
            steps.append(
                f"Dose or frequency is not documented for: {incomplete}; consider confirming."
            )
    else:
        drug_names = [
            e.preferred
            for e in ents
            if e.category == EntityCategory.medication
            and not e.context.negated
            and e.section != "allergies"
            and e.start not in allergen_starts
        ]
        if drug_names:
            sentences.append(f"Medications mentioned: {_join(drug_names)}.")

    vitals = _join(_vital_phrases(extraction.vitals))
    if vitals:
        sentences.append(f"Vital signs recorded: {vitals}.")
    labs = _join(_phrase(m) for m in extraction.labs if m.plausible)
    if labs:
        sentences.append(f"Laboratory values recorded: {labs}.")

    implausible = [
        f"'{m.text.strip()}'" + (f" ({m.plausibility_note})" if m.plausibility_note else "")
        for m in [*extraction.vitals, *extraction.labs]
        if not m.plausible
    ]
    if implausible:
        sentences.append(f"Values outside plausible ranges: {_join(implausible)}.")
    outside = [r for m in [*extraction.vitals, *extraction.labs] if (r := _outside_range(m))]
    if outside:
        sentences.append(f"Values outside usual adult ranges: {'; '.join(dict.fromkeys(outside))}.")

    # suggestions for clinician review, each traceable to an item or to its absence
    if extraction.text_length > 0 and not extraction.vitals:
        steps.insert(0, "Vital signs are not documented; consider recording them.")
    if implausible:
        steps.append(
            "Review the values listed as outside plausible ranges; they may be transcription or "
            "unit errors."
        )
    if outside:
        steps.append("Review the abnormal values listed.")
    if uncertain:
        steps.append(f"Items mentioned as possible may need clarification: {_join(uncertain)}.")
    documented = allergies.documented or any(s.name == "allergies" for s in extraction.sections)
    if (meds or any(e.category == EntityCategory.medication for e in ents)) and not documented:
        steps.append("Allergies are not documented; consider confirming them.")
    if allergies.no_known and allergies.allergens:
        steps.append(
            f"The note states {allergies.no_known_text} and also names allergens "
            f"({_join(a.substance for a in allergies.allergens)}); consider reconciling them."
        )
    conflicts = list(getattr(demo, "conflicts", []) or [])
    if conflicts:
        steps.append(
            f"The note gives differing values ({'; '.join(conflicts)}); consider reconciling them."
        )
    if extraction.text_length > 0 and demo.age is None:
        steps.append("Patient age is not documented; consider recording it.")

    if not sentences:
        sentences.append("No clinical facts were extracted from the note.")
    return Summary(text=" ".join(sentences), sentences=sentences, suggested_next_steps=steps)
