"""Identical mentions folded: a bounded report for a repetitive note.

A note that repeats itself (a template pasted many times, a vitals line copied down a
flowsheet, one sentence repeated) would otherwise give one entity, medication and measurement
per repetition: a report many times the size of the note, and downstream work (calculators,
safety layers, FHIR) in proportion. ``fold_repeats`` keeps the first :data:`KEEP` mentions of
each identical item (same concept or name, same value and unit, same context, same section)
and records on the first one how many further identical mentions the report does not list
(``repeats``). A measurement marked current is always kept. Mentions that differ in anything
a consumer reads (negation, family, status, dose, value, time point) are never folded.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from medassist.schemas.text import ContextAssertion, Entity, Measurement, Medication, TextExtraction

__all__ = ["KEEP", "fold_repeats"]

#: identical mentions kept in the report (their spans show where the note says it)
KEEP = 3

T = TypeVar("T", Entity, Medication, Measurement)


def _context(c: ContextAssertion) -> tuple[bool, ...]:
    return (c.negated, c.uncertain, c.historical, c.hypothetical, c.family)


def _entity_key(e: Entity) -> Hashable:
    return (e.category, e.preferred.lower(), e.code, e.section, _context(e.context))


def _medication_key(m: Medication) -> Hashable:
    return (
        m.name.lower(),
        m.dose,
        m.dose_max,
        m.unit,
        m.route,
        m.frequency,
        m.as_needed,
        m.prn_reason,
        m.duration,
        m.status,
        m.section,
        m.allergen,
        _context(m.context),
    )


def _measurement_key(m: Measurement) -> Hashable:
    quals = tuple(sorted((k, repr(v)) for k, v in m.qualifiers.items()))
    return (
        m.kind,
        m.name,
        m.value,
        m.unit,
        m.value_text,
        m.time_point,
        m.plausible,
        quals,
    )


def _fold(
    items: Sequence[T], key: Callable[[T], Hashable], keep_if: Callable[[T], bool]
) -> list[T]:
    seen: dict[Hashable, list[T]] = {}
    out: list[T] = []
    for item in items:
        group = seen.setdefault(key(item), [])
        if len(group) < KEEP or keep_if(item):
            group.append(item)
            out.append(item)
        else:
            group[0].repeats += 1
    return out


def fold_repeats(extraction: TextExtraction) -> TextExtraction:
    """``extraction`` with identical mentions beyond the first :data:`KEEP` folded into a count
    (changed in place and returned)."""
    extraction.entities = _fold(extraction.entities, _entity_key, lambda _: False)
    extraction.medications = _fold(extraction.medications, _medication_key, lambda _: False)
    extraction.allergens = _fold(extraction.allergens, _medication_key, lambda _: False)
    extraction.vitals = _fold(extraction.vitals, _measurement_key, lambda m: m.current)
    extraction.labs = _fold(extraction.labs, _measurement_key, lambda m: m.current)
    return extraction
