"""Facts about a note, in the form calculators consume.

:class:`NoteFacts` wraps a note's text and its :class:`TextExtraction` and answers the
questions calculators ask: a measurement in its canonical unit, whether a condition is
affirmed, negated or not mentioned, a free regex cue, the medication list. Every answer is a
:class:`~medassist.risk.base.Fact` whose evidence is the source span.

Negation, uncertainty and experiencer of a mention come from the text engine's ConText
rules and sections (:class:`medassist.text.context.SpanContext`), the same assessment its
entities carry. Measurements are the text engine's, and only those (``extraction.vitals``
and ``extraction.labs``): each with its time point, the current one by default.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from medassist.risk.base import Evidence, Fact
from medassist.risk.units import CANONICAL_UNITS, to_canonical
from medassist.schemas.common import Span
from medassist.schemas.text import ContextAssertion, Entity, Measurement, Medication, TextExtraction

if TYPE_CHECKING:  # pragma: no cover
    from medassist.text.context import SpanContext

__all__ = [
    "NoteFacts",
    "may_match",
    "required_literals",
    "lowered",
    "has_digit",
    "finditer_literal",
]

_FAMILY = re.compile(
    r"\b(?:family history|mother|father|brother|sister|sibling|parent|grandmother|grandfather|aunt|uncle|cousin|son|daughter|FHx?)\b",
    re.I,
)


@lru_cache(maxsize=4096)
def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A compiled regex (cached: calculators ask the same patterns of every note)."""
    return re.compile(pattern, flags)


@lru_cache(maxsize=8)
def lowered(text: str) -> str:
    """The note in lower case (one copy per note, for substring pre-checks)."""
    return text.lower()


@lru_cache(maxsize=8)
def has_digit(text: str) -> bool:
    """Whether a note holds any digit (every measurement pattern needs one)."""
    return _DIGIT.search(text) is not None


_DIGIT = re.compile(r"\d")
_LEADING_ZERO_WIDTH = re.compile(r"\\b|\^|\(\?<?[=!](?:[^()\\]|\\.)*\)")
_LITERAL_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '-,:/=%₂"
)


def _syntax(pattern: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth before it) for the regex's structural characters: those
    neither escaped nor inside a character class."""
    depth, in_class, escaped = 0, False, False
    for j in range(start, len(pattern)):
        ch = pattern[j]
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        else:
            yield j, ch, depth
            depth += {"(": 1, ")": -1}.get(ch, 0)


def _split_top(pattern: str) -> list[str]:
    """The top-level alternatives of a regex (``a|b(?:c|d)`` -> ``a``, ``b(?:c|d)``)."""
    cuts = [j for j, ch, depth in _syntax(pattern) if ch == "|" and depth == 0]
    bounds = [-1, *cuts, len(pattern)]
    return [pattern[bounds[k] + 1 : bounds[k + 1]] for k in range(len(bounds) - 1)]


def _closing(pattern: str, i: int) -> int:
    """Index of the parenthesis closing the group opened at ``pattern[i]`` (-1: none)."""
    for j, ch, depth in _syntax(pattern, i):
        if ch == ")" and depth == 1:
            return j
    return -1


def _branch_literals(branch: str) -> list[str] | None:
    """Lower-case strings one of which starts every match of ``branch`` (its leading literal
    run, or the runs of a leading group's alternatives), or None when none can be read off."""
    i = 0
    while (m := _LEADING_ZERO_WIDTH.match(branch, i)) is not None and m.end() > i:
        i = m.end()
    if branch.startswith("(?:", i) or (
        branch.startswith("(", i) and not branch.startswith("(?", i)
    ):
        j = _closing(branch, i)
        if j < 0:
            return None
        body = branch[i + 3 if branch.startswith("(?:", i) else i + 1 : j]
        out: list[str] = []
        for alt in _split_top(body):
            lits = _branch_literals(alt)
            if lits is None:
                return None
            out.extend(lits)
        if j + 1 < len(branch) and branch[j + 1] in "?*{":
            rest = branch[j + 2 :] if branch[j + 1] in "?*" else None
            if rest is None:
                return None
            more = _branch_literals(rest)
            if more is None:
                return None
            out.extend(more)
        return out
    chars: list[str] = []
    while i < len(branch):
        c = branch[i]
        if c == "\\" and i + 1 < len(branch) and not branch[i + 1].isalnum():
            chars.append(branch[i + 1])
            i += 2
            continue
        if c in _LITERAL_CHARS:
            chars.append(c)
            i += 1
            continue
        break
    if i < len(branch) and branch[i] in "?*{" and chars:
        chars.pop()  # the last character is optional
    literal = "".join(chars).lower()
    return [literal] if literal.strip() else None


@lru_cache(maxsize=4096)
def required_literals(pattern: str) -> tuple[str | None, ...]:
    """Strings one of which starts every case-insensitive match of ``pattern`` (None among
    them: unknown, the pattern may match anywhere)."""
    out: list[str | None] = []
    for branch in _split_top(pattern):
        lits = _branch_literals(branch)
        out.extend(lits if lits is not None else [None])
    return tuple(out)


def may_match(pattern: str, text: str) -> bool:
    """False only when no case-insensitive match of ``pattern`` can exist in ``text``: a
    cheap substring pre-check that spares a regex scan of the whole note."""
    low = lowered(text)
    return any(lit is None or lit in low for lit in required_literals(pattern))


def finditer_literal(
    compiled: re.Pattern[str], source: str, text: str, min_literal: int = 2
) -> Iterator[re.Match[str]]:
    """``compiled.finditer(text)`` (same matches, same order) for a case-insensitive pattern
    whose matches start where ``source`` (its leading alternatives, zero-width assertions
    first) starts: each match is tried only where one of ``source``'s literals occurs, which
    is much faster than a regex scan of a long note. Falls back to the scan when a literal
    cannot be read off the pattern."""
    literals = required_literals(source)
    low = lowered(text)
    if len(low) != len(text) or any(lit is None or len(lit) < min_literal for lit in literals):
        yield from compiled.finditer(text)
        return
    starts: set[int] = set()
    for lit in set(literals):
        assert lit is not None
        i = low.find(lit)
        while i != -1:
            starts.add(i)
            i = low.find(lit, i + 1)
    end = 0
    for i in sorted(starts):
        if i < end:
            continue
        m = compiled.match(text, i)
        if m is not None:
            yield m
            end = max(m.end(), i + 1)


#: mentions of one name read per note for its context (bounds the work on a note that repeats
#: a phrase thousands of times; real notes mention a condition a few times)
_MAX_MENTIONS = 500


def _negates_itself(phrase: str) -> bool:
    """A matched phrase that holds its own negation ("tonsils without exudate")."""
    from medassist.text.context import find_triggers

    return any(
        rule.category == "NEGATED_EXISTENCE" and rule.direction != "PSEUDO"
        for trigger in find_triggers(phrase)
        for rule in trigger.rules
    )


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


class NoteFacts:
    """Calculator-facing view of one note and its extraction."""

    def __init__(self, text: str, extraction: TextExtraction | None = None) -> None:
        self.text = text
        self.extraction = extraction or TextExtraction(text_length=len(text))
        self.flags: list[str] = []
        self._memo: dict[tuple[Any, ...], Any] = {}

    @classmethod
    def from_text(cls, text: str) -> NoteFacts:
        from medassist.text.engine import extract

        try:
            extraction = extract(text)
        except ImportError:  # a text-engine component is not installed: no extraction
            extraction = TextExtraction(text_length=len(text))
        return cls(text, extraction)

    @cached_property
    def sentences(self) -> list[Span]:
        """The note's sentences (the text engine's splitter), read once per note."""
        from medassist.text.sentences import split_sentences

        return split_sentences(self.text)

    @cached_property
    def _span_context(self) -> SpanContext:
        from medassist.text.context import SpanContext

        return SpanContext(self.text, self.sentences, self.extraction.sections)

    def context_of(self, start: int, end: int) -> ContextAssertion:
        """The text engine's context (negation, uncertainty, family, ...) of a note span."""
        key = ("context", start, end)
        if key not in self._memo:
            self._memo[key] = self._span_context.classify(start, end)
        return self._memo[key]

    # ------------------------------------------------------------------ measurements
    def _span_evidence(self, start: int, end: int, note: str | None = None) -> Evidence:
        return Evidence(source="note", text=self.text[start:end], start=start, end=end, note=note)

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
                        value=m.value_text, evidence=self._span_evidence(m.start, m.end, note)
                    )
                    out.append((fact, m))
                continue
            try:
                value = to_canonical(name, value, unit) if unit else float(value)
            except Exception:  # noqa: BLE001 - an unconvertible engine unit: skip the mention
                continue
            out.append((Fact(value=value, evidence=self._span_evidence(m.start, m.end, note)), m))
        return out

    def _measured(self, name: str) -> list[tuple[Fact, Measurement]]:
        key = ("measured", name)
        if key not in self._memo:
            self._memo[key] = self._engine_measurements(name)
        return self._memo[key]

    def measurements(self, name: str, time_point: str | None = None) -> list[Fact]:
        """Every value of a measurement in note order (``time_point``: only those taken then,
        e.g. "admission", "peak", "baseline", "discharge")."""
        if name == "age":
            return self._memo_list(("ages",), self._ages)
        if name == "sex":
            fact = self._memo_list(("sex",), lambda: [f for f in [self._sex()] if f])
            return fact
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
            if name == "age" and found:
                distinct = sorted({round(f.value, 1) for f in found})
                if len(distinct) > 1 and (distinct[-1] - distinct[0]) >= 1:
                    flag = f"contradictory ages in note: {', '.join(f'{a:g}' for a in distinct)}"
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

    # ------------------------------------------------------------------ conditions
    @cached_property
    def _entities(self) -> list[Entity]:
        return list(self.extraction.entities)

    @cached_property
    def _entity_index(self) -> dict[str, list[int]]:
        """Lower-cased preferred name and text -> positions in :attr:`_entities` (built once)."""
        index: dict[str, list[int]] = {}
        for i, e in enumerate(self._entities):
            for key in {e.preferred.lower(), e.text.lower()}:
                index.setdefault(key, []).append(i)
        return index

    def condition(self, *names: str) -> Fact | None:
        """True when affirmed for the patient, False when only negated, None when not mentioned.

        ``names`` are preferred names or synonyms, matched against the engine's entities
        (case-insensitive) and, as regular expressions with word boundaries, against the text.
        """
        key = ("condition", names)
        if key not in self._memo:
            self._memo[key] = self._condition(names)
        return self._memo[key]

    def family_history(self, *names: str) -> Fact | None:
        """Like :meth:`condition`, for criteria that are themselves a family history ("family
        history of thrombosis"): a mention about a relative counts as affirmed."""
        key = ("family_history", names)
        if key not in self._memo:
            self._memo[key] = self._condition(names, family=True)
        return self._memo[key]

    def procedure(self, *names: str) -> Fact | None:
        """Like :meth:`condition`, for the operation a pre-operative score is computed for:
        a scheduled or planned procedure ("scheduled for a hip arthroplasty") counts."""
        key = ("procedure", names)
        if key not in self._memo:
            self._memo[key] = self._condition(names, planned=True)
        return self._memo[key]

    def _condition(
        self, names: tuple[str, ...], family: bool = False, planned: bool = False
    ) -> Fact | None:
        wanted = {n.lower() for n in names}
        negated: Fact | None = None
        index = self._entity_index
        hits = sorted({i for n in wanted for i in index.get(n, ())})
        spans = [
            (e.start, e.end, e.context)
            for e in (self._entities[i] for i in hits)
            if e.preferred.lower() in wanted or e.text.lower() in wanted
        ]
        for start, end, context in spans:
            status = _status(context, family=family, planned=planned)
            if status == "affirmed":
                return Fact(value=True, evidence=self._span_evidence(start, end))
            if status == "negated" and negated is None:
                negated = Fact(value=False, evidence=self._span_evidence(start, end, "negated"))
        # names none of whose literal words are in the note cannot match: skip their scans
        for name in (n for n in names if may_match(n, self.text)):
            compiled = _rx(rf"(?<![\w-])(?:{name})(?![\w])", re.I)
            for n, m in enumerate(finditer_literal(compiled, name, self.text)):
                if n >= _MAX_MENTIONS:
                    break  # a name written this often without one affirmed mention: stop
                status = _status(
                    self.context_of(m.start(), m.end()), family=family, planned=planned
                )
                if (
                    status == "affirmed"
                    and " " in m.group(0).strip()
                    and _negates_itself(m.group(0))
                ):
                    status = "negated"  # a pattern spanning its own negation: "without exudate"
                if status == "affirmed":
                    return Fact(value=True, evidence=self._span_evidence(m.start(), m.end()))
                if status == "negated" and negated is None:
                    negated = Fact(
                        value=False,
                        evidence=self._span_evidence(m.start(), m.end(), note="negated"),
                    )
        return negated

    def find(self, pattern: str, flags: int = re.I) -> Fact | None:
        """The first regex match over the raw text (case-insensitive); value = the match text."""
        key = ("find", pattern, flags)
        if key in self._memo:
            return self._memo[key]
        compiled = _rx(pattern, flags)
        m = (
            compiled.search(self.text)
            if flags & re.VERBOSE
            else next(finditer_literal(compiled, pattern, self.text), None)
        )
        if m is None:
            self._memo[key] = None
            return None
        self._memo[key] = Fact(value=m.group(0), evidence=self._span_evidence(m.start(), m.end()))
        return self._memo[key]

    def find_all(self, pattern: str, flags: int = re.I) -> list[re.Match[str]]:
        key = ("find_all", pattern, flags)
        if key not in self._memo:
            self._memo[key] = list(_rx(pattern, flags).finditer(self.text))
        return list(self._memo[key])

    def medications(self) -> list[Medication]:
        return list(self.extraction.medications)

    def medication(self, *names: str) -> Fact | None:
        """An active (not negated/stopped) medication among ``names`` (regexes), from the
        engine's list or the text."""
        lowered = [n.lower() for n in names]
        for med in self.extraction.medications:
            if med.context.negated or med.status == "stopped":
                continue
            if any(_rx(n).fullmatch(med.name.lower()) for n in lowered):
                return Fact(value=True, evidence=self._span_evidence(med.start, med.end))
        return self.condition(*names)

    @staticmethod
    def canonical_unit(name: str) -> str | None:
        return CANONICAL_UNITS.get(name)
