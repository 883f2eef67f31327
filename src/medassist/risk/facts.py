"""Facts about a note, in the form calculators consume.

:class:`NoteFacts` answers the questions calculators ask of one note's
:class:`~medassist.schemas.text.TextExtraction` (the text engine's single reading): a
measurement in its canonical unit, whether a finding rule's condition is affirmed, negated
or not mentioned, a match rule's first finding, the medication list. Every answer is a
:class:`~medassist.risk.base.Fact` whose evidence is the source span.

NoteFacts never reads the note itself: criteria come from ``TextExtraction.findings`` (the
rules of ``text/rules/finding_rules.json``, evaluated once by :mod:`medassist.text.findings`
with the text engine's ConText assessment). Measurements are the text engine's, and only
those (``extraction.vitals`` and ``extraction.labs``): each with its time point, the current
one by default. Age and sex are the text engine's one age/sex reader's
(``extraction.demographics``).
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from typing import Any

import medassist.text.findings as _findings
from medassist.errors import InputError
from medassist.risk.base import Evidence, Fact
from medassist.risk.units import canonical_unit, to_canonical
from medassist.schemas.common import Span
from medassist.schemas.text import (
    ContextAssertion,
    Finding,
    Measurement,
    Medication,
    TextExtraction,
)

__all__ = ["NoteFacts"]


@lru_cache(maxsize=4096)
def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A compiled regex (cached: calculators ask the same patterns of every note)."""
    return re.compile(pattern, flags)


def _status(context: ContextAssertion, *, family: bool = False, planned: bool = False) -> str:
    """'affirmed', 'negated' or 'skip' for a mention with the text engine's ``context``.

    ``family``: the criterion is itself a family history (a relative's mention counts).
    ``planned``: the criterion is a procedure a pre-operative score is computed for (a
    scheduled operation counts)."""
    if context.negated:
        return "negated" if family or not context.family else "skip"
    if context.family and not family:
        return "skip"
    if context.uncertain or (context.hypothetical and not planned):
        return "skip"
    return "affirmed"


#: medication statuses that mean the patient is not taking the drug now
_NOT_TAKEN = frozenset({"stopped", "held"})


def _evidence(text: str, start: int, end: int, note: str | None = None) -> Evidence:
    return Evidence(source="note", text=text, start=start, end=end, note=note)


class NoteFacts:
    """Calculator-facing view of one note's extraction (see the module docstring).

    Every criterion is read from ``extraction.findings``; ``text`` is kept only for the two
    case-report readers not yet moved to the text engine (opioid regimens for the MME and a
    corticosteroid dose for the steroid conversion)."""

    def __init__(
        self,
        extraction: TextExtraction,
        *,
        text: str | None = None,
        rules: _findings.FindingRules | None = None,
    ) -> None:
        if not isinstance(extraction, TextExtraction):
            raise InputError(
                "NoteFacts reads an extraction (medassist.text.engine.extract); "
                "use NoteFacts.from_text(note) for a note"
            )
        self.extraction = extraction
        self.text = text or ""
        #: the finding rules the extraction was read with (rule ids are checked against them)
        self.rules = rules or _findings.load_finding_rules()
        self.flags: list[str] = []
        self._memo: dict[tuple[Any, ...], Any] = {}

    @classmethod
    def from_text(cls, text: str) -> NoteFacts:
        """The text engine's one reading of ``text`` (:func:`medassist.text.engine.extract`)."""
        from medassist.text.engine import extract

        return cls(extract(text), text=text)

    @cached_property
    def sentences(self) -> list[Span]:
        """The note's sentences, as the text engine split them."""
        return list(self.extraction.sentences)

    # ------------------------------------------------------------------ measurements
    def _engine_measurements(self, name: str) -> list[tuple[Fact, Measurement]]:
        """The text engine's values of ``name`` in note order, each with its Measurement."""
        out: list[tuple[Fact, Measurement]] = []
        items: list[Measurement] = [*self.extraction.vitals, *self.extraction.labs]
        for m in sorted(items, key=lambda m: m.start):
            if m.name != name or not m.plausible:
                continue
            value = m.normalized_value if m.normalized_value is not None else m.value
            unit = m.normalized_unit if m.normalized_value is not None else m.unit
            note = None if m.time_point == "unknown" else m.time_point
            if value is None:
                if m.value_text is not None:
                    fact = Fact(
                        value=m.value_text, evidence=_evidence(m.text, m.start, m.end, note)
                    )
                    out.append((fact, m))
                continue
            try:
                value = to_canonical(name, value, unit) if unit else float(value)
            except Exception:  # noqa: BLE001 - an unconvertible engine unit: skip the mention
                continue
            out.append((Fact(value=value, evidence=_evidence(m.text, m.start, m.end, note)), m))
        return out

    def _measured(self, name: str) -> list[tuple[Fact, Measurement]]:
        key = ("measured", name)
        if key not in self._memo:
            self._memo[key] = self._engine_measurements(name)
        return self._memo[key]

    def measurements(self, name: str, time_point: str | None = None) -> list[Fact]:
        """Every value of a measurement in note order (``time_point``: only those taken then,
        e.g. "admission", "peak", "baseline", "discharge")."""
        if name in ("age", "sex"):
            return self._memo_list((name,), lambda: self._demographic(name))
        return [
            f for f, m in self._measured(name) if time_point is None or m.time_point == time_point
        ]

    def _memo_list(self, key: tuple[str, ...], make: Any) -> list[Fact]:
        if key not in self._memo:
            self._memo[key] = make()
        return list(self._memo[key])

    def measurement(self, name: str, time_point: str | None = None) -> Fact | None:
        """A measurement in its canonical unit (see ``units.py``): by default the current
        value (the note's most recent: a discharge or "today" value over an admission one,
        a later one over an earlier one); ``time_point="peak"``/``"nadir"`` the highest/lowest
        value (those the note calls peak/nadir first); another time point, the latest value
        taken then, or None."""
        if name in {"age", "sex"}:
            found = self.measurements(name)
            conflicts = [c for c in self.extraction.demographics.conflicts if c.startswith("age")]
            if name == "age" and found and conflicts:
                flag = "contradictory ages in note: " + "; ".join(conflicts)
                if flag not in self.flags:
                    self.flags.append(flag)
            return found[0] if found else None
        measured = self._measured(name)
        if time_point in {"peak", "nadir"}:
            return self.extreme(name, "max" if time_point == "peak" else "min")
        if time_point is not None:
            taken = [f for f, m in measured if m.time_point == time_point]
            return taken[-1] if taken else None
        for f, m in measured:
            if m.current:
                return f
        return measured[-1][0] if measured else None

    def extreme(self, name: str, worst: str) -> Fact | None:
        """The highest (``worst='max'``) or lowest (``'min'``) numeric value; values the note
        itself calls the peak (for 'max') or the nadir (for 'min') come first."""
        found = [(f, m) for f, m in self._measured(name) if isinstance(f.value, int | float)]
        if not found:
            return None
        marked = "peak" if worst == "max" else "nadir"
        pool = [f for f, m in found if m.time_point == marked] or [f for f, _ in found]
        return (
            max(pool, key=lambda f: f.value) if worst == "max" else min(pool, key=lambda f: f.value)
        )

    # ------------------------------------------------------------------ demographics
    def _demographic(self, name: str) -> list[Fact]:
        """Age (years) or sex from the text engine's one age/sex reader
        (:mod:`medassist.text.demographics`, ``extraction.demographics``): the report, FHIR
        and the calculators give the same age and sex, or none."""
        demo = self.extraction.demographics
        if name == "age":
            if demo.age is None:
                return []
            start, end = demo.age_span or (0, 0)
            return [
                Fact(value=float(demo.age), evidence=_evidence(demo.age_text or "", start, end))
            ]
        if demo.sex is None:
            return []
        start, end = demo.sex_span or (0, 0)
        note = (
            "sex inferred (pronouns or sex-specific terms)"
            if demo.sex_basis == "inferred"
            else None
        )
        return [Fact(value=demo.sex, evidence=_evidence(demo.sex_text or "", start, end, note))]

    # ------------------------------------------------------------------ findings
    @cached_property
    def _by_rule(self) -> dict[str, list[Finding]]:
        """The extraction's findings by rule id (built once)."""
        out: dict[str, list[Finding]] = {}
        for f in self.extraction.findings:
            out.setdefault(f.rule, []).append(f)
        return out

    def matches(self, rule: str, within: str | None = None) -> list[Finding]:
        """The findings of one rule in the order the text engine kept them; with ``within``,
        only those inside a finding of that other rule (e.g. inside the ECG sentence)."""
        if rule not in self._by_rule and not self.rules.known(rule):
            self.rules.get(rule)  # an unknown rule id is an error, not "not mentioned"
        found = self._by_rule.get(rule, [])
        if within is None:
            return list(found)
        boxes = [(b.start, b.end) for b in self.matches(within)]
        return [f for f in found if any(lo <= f.start and f.end <= hi for lo, hi in boxes)]

    def finding(self, rule: str, within: str | None = None) -> Fact | None:
        """The first finding of a match rule (value: its text), whatever its context."""
        found = self.matches(rule, within)
        if not found:
            return None
        first = found[0]
        return Fact(value=first.text, evidence=_evidence(first.text, first.start, first.end))

    def condition(
        self, *rules: str, skip: frozenset[str] = frozenset(), within: str | None = None
    ) -> Fact | None:
        """True when a rule's finding is affirmed for the patient, False when only negated,
        None when not mentioned. ``skip``: qualifiers (``hedged``, ``negated_list``,
        ``excluded_after``) that make an affirmed mention count as negated."""
        return self._memoised(("condition", rules, skip, within), rules, skip, within)

    def family_history(self, *rules: str) -> Fact | None:
        """Like :meth:`condition`, for criteria that are themselves a family history ("family
        history of thrombosis"): a mention about a relative counts as affirmed."""
        return self._memoised(("family", rules), rules, frozenset(), None, family=True)

    def procedure(self, *rules: str) -> Fact | None:
        """Like :meth:`condition`, for the operation a pre-operative score is computed for:
        a scheduled or planned procedure ("scheduled for a hip arthroplasty") counts."""
        return self._memoised(("procedure", rules), rules, frozenset(), None, planned=True)

    def _memoised(
        self,
        key: tuple[Any, ...],
        rules: tuple[str, ...],
        skip: frozenset[str],
        within: str | None,
        family: bool = False,
        planned: bool = False,
    ) -> Fact | None:
        if key not in self._memo:
            self._memo[key] = self._condition(rules, skip, within, family, planned)
        return self._memo[key]

    def _condition(
        self,
        rules: tuple[str, ...],
        skip: frozenset[str],
        within: str | None,
        family: bool,
        planned: bool,
    ) -> Fact | None:
        negated: Fact | None = None
        for rule in rules:
            for f in self.matches(rule, within):
                status = _status(f.context, family=family, planned=planned)
                why = "negated"
                if status == "affirmed" and "self_negated" in f.qualifiers:
                    status = "negated"  # a pattern spanning its own negation: "without exudate"
                if status == "affirmed" and skip.intersection(f.qualifiers):
                    status = "negated"
                    why = "only feared or excluded" if "hedged" in f.qualifiers else "negated"
                if status == "affirmed":
                    return Fact(value=True, evidence=_evidence(f.text, f.start, f.end))
                if status == "negated" and negated is None:
                    negated = Fact(value=False, evidence=_evidence(f.text, f.start, f.end, why))
        return negated

    def medications(self) -> list[Medication]:
        return list(self.extraction.medications)

    def medication(self, rule: str) -> Fact | None:
        """Whether the patient takes a medication whose name a pattern of the finding rule
        matches, by the engine's medication list and statuses: a drug counts when its last
        mention in the note is not negated, stopped or held ("Plan: stop aspirin" after
        "aspirin 81 mg daily" does not count); False when every mention is. A drug the list
        does not hold (a class word: "NSAIDs", "antiplatelet therapy") is read from the rule's
        condition, skipping mentions inside a stopped or held medication."""
        patterns = [_rx(p.lower()) for p in self.rules.get(rule).patterns]
        last: dict[str, Medication] = {}
        for med in sorted(self.extraction.medications, key=lambda m: m.start):
            if any(p.fullmatch(med.name.lower()) for p in patterns):
                last[med.name.lower()] = med
        active = [
            m
            for m in last.values()
            if not m.context.negated and m.status not in _NOT_TAKEN and not m.allergen
        ]
        if active:
            first = min(active, key=lambda m: m.start)
            return Fact(value=True, evidence=_evidence(first.text, first.start, first.end))
        stopped = [m for m in self.extraction.medications if m.name.lower() in last]
        stopped_spans = [(m.start, m.end) for m in stopped]
        found = self.condition(rule)
        if found is not None and found.value is True:
            s0, e0 = found.evidence.start or 0, found.evidence.end or 0
            if not any(lo <= s0 and e0 <= hi for lo, hi in stopped_spans):
                return found
            for f in self.matches(rule):  # the first affirmed mention outside those drugs
                if any(lo <= f.start and f.end <= hi for lo, hi in stopped_spans):
                    continue
                if _status(f.context) == "affirmed" and "self_negated" not in f.qualifiers:
                    return Fact(value=True, evidence=_evidence(f.text, f.start, f.end))
        if last:
            m = max(last.values(), key=lambda m: m.start)
            why = "negated" if m.context.negated else f"{m.status} in the note"
            return Fact(value=False, evidence=_evidence(m.text, m.start, m.end, why))
        return found

    @staticmethod
    def canonical_unit(name: str) -> str | None:
        return canonical_unit(name)
