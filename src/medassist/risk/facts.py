"""Facts about a note, in the form calculators consume.

:class:`NoteFacts` answers the questions calculators ask of one note's
:class:`~medassist.schemas.text.TextExtraction` (the text engine's single reading): a
measurement in its canonical unit, whether a finding rule's condition is affirmed, negated
or not mentioned, a match rule's first finding, the medication list. Every answer is a
:class:`~medassist.risk.base.Fact` whose evidence is the source span.

NoteFacts never reads the note itself: criteria come from ``TextExtraction.findings`` (the
rules of ``text/rules/finding_rules.json``, evaluated once by :mod:`medassist.text.findings`
with the text engine's ConText assessment). The measurement-pattern and age/sex fallbacks
that still keep the text (``_pattern_measurements``, ``_blood_pressures``, ``_ages``,
``_sex``) are being moved into the text engine's measurement and demographics readers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

import medassist.text.findings as _findings
from medassist.errors import InputError
from medassist.risk.base import Evidence, Fact
from medassist.risk.units import CANONICAL_UNITS, normalize_unit, to_canonical
from medassist.schemas.common import Span
from medassist.schemas.text import (
    ContextAssertion,
    Finding,
    Measurement,
    Medication,
    TextExtraction,
)

__all__ = ["NoteFacts"]

_NUM = r"(?P<v>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"

_FAMILY = re.compile(
    r"\b(?:family history|mother|father|brother|sister|sibling|parent|grandmother|grandfather|aunt|uncle|cousin|son|daughter|FHx?)\b",
    re.I,
)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, dict[str, Any]]:
    path = resources.files("medassist.risk") / "data" / "measurement_patterns.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("_meta", None)
    return data


@lru_cache(maxsize=128)
def _compiled(key: str) -> re.Pattern[str] | None:
    spec = _patterns().get(key)
    if spec is None:
        return None
    labels = "|".join(f"(?:{label})" for label in spec["labels"])
    units = spec.get("units") or ""
    unit_part = rf"(?:\s*(?P<u>{units}))?" if units else ""
    # label, then up to 40 characters without digits/sentence ends, then the value
    return re.compile(
        rf"(?:{labels})(?P<gap>[^\d\n.;]{{0,40}}?|[^\d\n;]{{0,3}}?)(?<![\w.])"
        rf"{_NUM}(?!\s*-?\s*(?:year|yr|day|week|month|hour|h\b|min\b|minutes))"
        rf"{unit_part}",
        re.I,
    )


def _to_float(raw: str) -> float:
    return float(raw.replace(",", ""))


def _classify_unit(key: str, raw: str | None, value: float) -> str | None:
    """Map a written unit (or its absence) to a unit :func:`to_canonical` knows."""
    if raw:
        u = raw.strip().lower().replace("μ", "µ").replace("º", "°")
        u = re.sub(r"\s+", "", u)
        if key in {"platelets", "wbc"}:
            if "10" in u and ("9" in u or "3" in u):
                return "10^3/µL"
            if u.startswith("k"):
                return "10^3/µL"
            return "/µL"
        if key == "temperature":
            if "f" in u:
                return "°F"
            if "c" in u:
                return "°C"
        if key in {"ast", "alt"}:
            return "U/L"
        if key == "gcs":
            return None
        if u == "meq/l" or u == "mmol/l":
            return "mmol/L"
        n = normalize_unit(u)
        if n and n != u:
            return n
        return raw.strip()
    # no unit written: infer from magnitude where one reading is implausible
    if key == "temperature" and value > 45:
        return "°F"
    if key == "creatinine" and value > 25:
        return "umol/L"
    if key == "bilirubin" and value > 50:
        return "umol/L"
    if key == "glucose" and value < 30:
        return "mmol/L"
    if key == "albumin" and value > 10:
        return "g/L"
    if key == "hemoglobin" and value > 25:
        return "g/L"
    if key == "calcium" and value < 3.5:
        return "mmol/L"
    if key in {"platelets", "wbc"} and value > (2000 if key == "platelets" else 500):
        return "/µL"
    if key == "height" and value < 3:
        return "m"
    return None


@lru_cache(maxsize=4096)
def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A compiled regex (cached: calculators ask the same patterns of every note)."""
    return re.compile(pattern, flags)


def has_digit(text: str) -> bool:
    """Whether a note holds any digit (every measurement pattern needs one)."""
    return _DIGIT.search(text) is not None


_DIGIT = re.compile(r"\d")


def may_match(pattern: str, text: str) -> bool:
    return _findings.may_match(pattern, text.lower())


def finditer_literal(
    compiled: re.Pattern[str], source: str, text: str, min_literal: int = 2
) -> Iterator[re.Match[str]]:
    return _findings.finditer_literal(compiled, source, text, text.lower(), min_literal)


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


_BP_RE = re.compile(
    r"(?:(?:blood pressure|\bBP\b|\bB/P\b|arterial pressure)[^\d\n]{0,30}?)?"
    r"(?<![\d/.])(?P<s>\d{2,3})\s{0,3}/\s{0,3}(?P<d>\d{2,3})(?![\d/])(?P<u>\s{0,3}mm\s?hg)?",
    re.I,
)
_AGE_RE = re.compile(
    r"(?<![\d.])(?P<v>\d{1,3}(?:\.\d{1,3})?)\s{0,3}(?:-|\s)?\s{0,3}(?P<u>years?|yrs?|months?|mo|weeks?|days?)[\s-]{0,3}old"
    r"|(?<!\d)(?P<v2>\d{1,3})\s{0,3}(?:yo|y/o|y\.o\.|-yo|yr-old|M|F)\b(?=[\s,.])"
    r"|\bage(?:d)?(?: of)?[:\s]{1,5}(?P<v3>\d{1,3})\b(?!\s*(?:%|mm|mg))",
    re.I,
)
_FEM_NOUNS = r"woman|female|lady|girl|primigravida|multigravida|gravida|mother"
_MALE_NOUNS = r"man|male|gentleman|boy"
_NEAR_AGE_RE = re.compile(
    rf"(?<!\d)\d{{1,3}}\s{{0,3}}(?:-|\s)?\s{{0,3}}(?:years?|yrs?|months?|y)[\s-]{{0,3}}old\s+(?:\w+\s+){{0,3}}?({_FEM_NOUNS}|{_MALE_NOUNS})\b"
    rf"|\b(?:\d{{1,3}}\s{{0,3}}(?:yo|y/o))\s+({_FEM_NOUNS}|{_MALE_NOUNS})\b",
    re.I,
)
_SHE_RE = re.compile(r"\b(?:she|her|hers|herself)\b", re.I)
_HE_RE = re.compile(r"\b(?:he|his|him|himself)\b", re.I)
_SEX_NOUN_RE = re.compile(rf"\b(?:{_FEM_NOUNS}|{_MALE_NOUNS}|mrs|mr|ms)\b", re.I)


def _evidence(text: str, start: int, end: int, note: str | None = None) -> Evidence:
    return Evidence(source="note", text=text, start=start, end=end, note=note)


class NoteFacts:
    """Calculator-facing view of one note's extraction (see the module docstring).

    ``text`` is kept only for the measurement and age/sex fallbacks named there; every
    criterion is read from ``extraction.findings``."""

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
    def _span_evidence(self, start: int, end: int, note: str | None = None) -> Evidence:
        return Evidence(source="note", text=self.text[start:end], start=start, end=end, note=note)

    def _engine_measurements(self, name: str) -> list[Fact]:
        out: list[Fact] = []
        items: list[Measurement] = [*self.extraction.vitals, *self.extraction.labs]
        for m in sorted(items, key=lambda m: m.start):
            if m.name != name or not m.plausible:
                continue
            value = m.normalized_value if m.normalized_value is not None else m.value
            unit = m.normalized_unit if m.normalized_value is not None else m.unit
            if value is None:
                if m.value_text is not None:
                    out.append(Fact(value=m.value_text, evidence=_evidence(m.text, m.start, m.end)))
                continue
            try:
                value = to_canonical(name, value, unit) if unit else float(value)
            except Exception:  # noqa: BLE001 - an unconvertible engine unit: skip the mention
                continue
            out.append(Fact(value=value, evidence=_evidence(m.text, m.start, m.end)))
        return out

    def _pattern_measurements(self, name: str) -> list[Fact]:
        if name in {"sbp", "dbp"}:
            return self._blood_pressures(name)
        pattern = _compiled(name)
        if pattern is None:
            return []
        spec = _patterns()[name]
        if not has_digit(self.text) or not any(may_match(lb, self.text) for lb in spec["labels"]):
            return []  # no number or no label anywhere: the pattern cannot match
        lo, hi = spec["range"]
        out: list[Fact] = []
        for m in finditer_literal(pattern, "|".join(spec["labels"]), self.text):
            try:
                raw_value = _to_float(m.group("v"))
            except ValueError:
                continue
            raw_unit = m.groupdict().get("u")
            unit = _classify_unit(name, raw_unit, raw_value)
            try:
                value = to_canonical(name, raw_value, unit)
            except Exception:  # noqa: BLE001
                continue
            if name in {"fio2", "spo2"} and value <= 1.0:
                value *= 100
            if not lo <= value <= hi:
                continue
            out.append(
                Fact(value=round(value, 6), evidence=self._span_evidence(m.start(), m.end()))
            )
        return out

    def _blood_pressures(self, name: str) -> list[Fact]:
        out: list[Fact] = []
        key = ("bp_scan",)
        if key not in self._memo:  # one scan serves both systolic and diastolic
            self._memo[key] = list(_BP_RE.finditer(self.text))
        for m in self._memo[key]:
            labelled = m.group(0)[:1].isalpha()
            if not (labelled or m.group("u")):
                continue
            s, d = float(m.group("s")), float(m.group("d"))
            if not (40 <= s <= 300 and 10 <= d <= 200 and s > d):
                continue
            value = s if name == "sbp" else d
            out.append(Fact(value=value, evidence=self._span_evidence(m.start(), m.end())))
        if not out:
            label = "systolic" if name == "sbp" else "diastolic"
            for m in _rx(
                rf"{label}(?: blood)?(?: pressure)?[^\d\n]{{0,25}}?(?<!\d)(?P<v>\d{{2,3}})(?!\d)",
                re.I,
            ).finditer(self.text):
                out.append(
                    Fact(
                        value=float(m.group("v")), evidence=self._span_evidence(m.start(), m.end())
                    )
                )
        return out

    def measurements(self, name: str) -> list[Fact]:
        """Every mention of a measurement in note order (engine first, else patterns)."""
        key = ("measurements", name)
        if key not in self._memo:
            self._memo[key] = self._measurements(name)
        return list(self._memo[key])

    def _measurements(self, name: str) -> list[Fact]:
        if name == "age":
            return self._ages()
        if name == "sex":
            fact = self._sex()
            return [fact] if fact else []
        engine = self._engine_measurements(name)
        return engine or self._pattern_measurements(name)

    def measurement(self, name: str) -> Fact | None:
        """The first mention of a measurement, in its canonical unit (see ``units.py``)."""
        found = self.measurements(name)
        if name == "age" and found:
            distinct = sorted({round(f.value, 1) for f in found})
            if len(distinct) > 1 and (distinct[-1] - distinct[0]) >= 1:
                flag = f"contradictory ages in note: {', '.join(f'{a:g}' for a in distinct)}"
                if flag not in self.flags:
                    self.flags.append(flag)
        return found[0] if found else None

    def extreme(self, name: str, worst: str) -> Fact | None:
        """The highest (``worst='max'``) or lowest (``'min'``) numeric mention."""
        found = [f for f in self.measurements(name) if isinstance(f.value, int | float)]
        if not found:
            return None
        return (
            max(found, key=lambda f: f.value)
            if worst == "max"
            else min(found, key=lambda f: f.value)
        )

    # ------------------------------------------------------------------ demographics
    def _ages(self) -> list[Fact]:
        demo = self.extraction.demographics
        out: list[Fact] = []
        if demo.age is not None:
            start, end = demo.age_span or (0, 0)
            out.append(Fact(value=float(demo.age), evidence=self._span_evidence(start, end)))
        for m in _AGE_RE.finditer(self.text):
            raw = m.group("v") or m.group("v2") or m.group("v3")
            unit = (m.group("u") or "years").lower()
            value = float(raw)
            if unit.startswith("mo"):
                value /= 12
            elif unit.startswith("week"):
                value /= 52
            elif unit.startswith("day"):
                value /= 365
            if (
                m.group("v2")
                and m.group(0).rstrip()[-1:] in {"M", "F"}
                and not m.group(0).lower().endswith(("yo", "y/o", "y.o."))
            ):
                # "45M": only at the very start of a note or a line
                line_start = self.text.rfind("\n", 0, m.start()) + 1
                if self.text[line_start : m.start()].strip():
                    continue
            if not 0 <= value <= 120:
                continue
            fact = Fact(value=value, evidence=self._span_evidence(m.start(), m.end()))
            if out and out[0].evidence.start == fact.evidence.start:
                continue
            # a relative's age ("his 30-year-old son") is not the patient's
            pre = self.text[max(0, m.start() - 25) : m.start()]
            post = self.text[m.end() : m.end() + 20]
            if _FAMILY.search(pre + " " + post.split(",")[0]) and out:
                continue
            out.append(fact)
        out.sort(key=lambda f: f.evidence.start or 0)
        return out

    def _sex(self) -> Fact | None:
        demo = self.extraction.demographics
        fem_nouns = _FEM_NOUNS
        # 1. the noun right after the age ("a 45-year-old white female")
        near_age = _NEAR_AGE_RE.search(self.text)
        if near_age:
            group = 1 if near_age.group(1) else 2
            word = near_age.group(group).lower()
            value = "female" if re.fullmatch(fem_nouns, word) else "male"
            return Fact(
                value=value,
                evidence=self._span_evidence(near_age.start(group), near_age.end(group)),
            )
        # 2. the text engine's demographics
        if demo.sex is not None:
            start, end = demo.sex_span or (0, 0)
            return Fact(value=demo.sex, evidence=self._span_evidence(start, end))
        # 3. pronouns (the patient is referred to most)
        she = _SHE_RE.findall(self.text)
        he = _HE_RE.findall(self.text)
        if she or he:
            best_re, value = (_SHE_RE, "female") if len(she) > len(he) else (_HE_RE, "male")
            first_m = best_re.search(self.text)
            assert first_m is not None
            return Fact(value=value, evidence=self._span_evidence(first_m.start(), first_m.end()))
        noun = _SEX_NOUN_RE.search(self.text)
        if noun is None:
            return None
        value = "female" if re.fullmatch(rf"{fem_nouns}|mrs|ms", noun.group(0).lower()) else "male"
        return Fact(value=value, evidence=self._span_evidence(noun.start(), noun.end()))

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
        """An active (not negated, not stopped) medication whose name a pattern of the finding
        rule matches (the engine's medication list), else the rule's condition."""
        patterns = self.rules.get(rule).patterns
        for med in self.extraction.medications:
            if med.context.negated or med.status == "stopped":
                continue
            if any(_rx(p.lower()).fullmatch(med.name.lower()) for p in patterns):
                return Fact(value=True, evidence=_evidence(med.text, med.start, med.end))
        return self.condition(rule)

    @staticmethod
    def canonical_unit(name: str) -> str | None:
        return CANONICAL_UNITS.get(name)
