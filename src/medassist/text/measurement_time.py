"""When a value was measured, which one is current, and which numbers are not measurements.

``annotate(text, items)`` is the last step of the measurement reader:

* **thresholds are dropped**: a number in a condition, a goal or a titration of a plan, an
  order or advice ("call if weight gain of more than 1 kg", "norepinephrine if MAP < 65",
  "target SBP < 140", "hold if HR < 60", "titrate to keep SpO2 > 92%") was never measured;
  it must reach neither the report's vitals nor a calculator nor FHIR;
* every kept value gets a ``time_point`` (admission, peak, nadir, baseline, discharge,
  latest, unknown) read from the words of its clause ("Creatinine peaked at 2.1 ... 1.6 at
  discharge", "on admission", "at baseline", "trough");
* per measurement name, one value is marked ``current``: the most recent one as the note
  states it (a baseline is older than an admission value, a discharge, "repeat" or "today"
  value newer than both, a value continuing a trend newer than the one it continues; among
  values of equal standing, the first).

Rules: ``data/measurement_context.json`` (strictly loaded; unknown keys are an error).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from medassist.errors import ConfigurationError
from medassist.schemas.text import Measurement

__all__ = ["TIME_POINTS", "annotate", "context_rules"]

TimePoint = Literal["admission", "peak", "nadir", "baseline", "discharge", "latest", "unknown"]
TIME_POINTS: tuple[str, ...] = (
    "admission",
    "peak",
    "nadir",
    "baseline",
    "discharge",
    "latest",
    "unknown",
)
#: how recent a time point is, as far as the note says. A value with no stated time is not
#: later than an admission value: case reports give the presentation first and later values
#: with their day ("on day 3", "repeat", "at discharge"), and scores are defined at
#: presentation unless a definition says otherwise
_RANK = {
    "baseline": 0,
    "admission": 1,
    "unknown": 1,
    "peak": 1,
    "nadir": 1,
    "discharge": 2,
    "latest": 3,  # "now", "today", a follow-up after discharge
}
#: how far before a value its clause is read, and how far after it an 'after' cue may start
_CLAUSE_SPAN = 240
_AFTER_GAP = 12
_CLAUSE_END = re.compile(r"[.!?](?=\s|$)|[;\n]")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")
_COMPARATOR = re.compile(
    r"[<>≤≥]|\b(?:greater|less|more|fewer|higher|lower)\s+than\b|\b(?:above|below|over|under|"
    r"exceed\w*|at least|at most|or (?:more|less|greater|higher|lower)|drops?|falls?|rises?)\b",
    re.IGNORECASE,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimePointRule(_Strict):
    time_point: TimePoint
    before: list[str] = Field(default_factory=list)
    after: list[str] = Field(default_factory=list)


class ThresholdRule(_Strict):
    class_: Literal["conditional", "goal", "titration"] = Field(alias="class")
    before: list[str]
    needs_comparator: bool
    allow_comma: bool
    max_gap: int = Field(gt=0, le=120)


class AfterThresholdRule(_Strict):
    class_: Literal["conditional", "goal", "titration"] = Field(alias="class")
    after: list[str]


class _Meta(_Strict):
    description: str
    source: str
    licence: str


class ContextRules(_Strict):
    meta: _Meta = Field(alias="_meta")
    time_points: list[TimePointRule]
    thresholds: list[ThresholdRule]
    after_thresholds: list[AfterThresholdRule]


class _Compiled:
    def __init__(self, rules: ContextRules) -> None:
        def alt(patterns: list[str]) -> str:
            return "|".join(f"(?:{p})" for p in patterns)

        try:
            self.before = [
                (r.time_point, re.compile(alt(r.before), re.IGNORECASE))
                for r in rules.time_points
                if r.before
            ]
            self.after = [
                (r.time_point, re.compile(rf"[\s,(:\-]*(?:{alt(r.after)})", re.IGNORECASE))
                for r in rules.time_points
                if r.after
            ]
            self.thresholds = [
                (r, re.compile(alt(r.before), re.IGNORECASE)) for r in rules.thresholds
            ]
            self.after_thresholds = [
                (r.class_, re.compile(rf"[\s,(:\-]*(?:{alt(r.after)})", re.IGNORECASE))
                for r in rules.after_thresholds
            ]
        except re.error as exc:
            raise ConfigurationError(f"measurement_context.json: bad pattern: {exc}") from exc


@lru_cache(maxsize=1)
def context_rules() -> ContextRules:
    """The time-point and threshold rules (validated; cached)."""
    path = resources.files("medassist.text") / "data" / "measurement_context.json"
    try:
        return ContextRules.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except ValueError as exc:
        raise ConfigurationError(f"measurement_context.json is invalid: {exc}") from exc


@lru_cache(maxsize=1)
def _compiled() -> _Compiled:
    return _Compiled(context_rules())


def _clause_start(text: str, pos: int, ends: re.Pattern[str] = _CLAUSE_END) -> int:
    """Start of the clause holding ``pos`` (bounded look-back: never more than a few lines)."""
    lo = max(0, pos - _CLAUSE_SPAN)
    start = lo
    for m in ends.finditer(text, lo, pos):
        start = m.end()
    return start


def _clause_end(text: str, pos: int) -> int:
    m = _CLAUSE_END.search(text, pos, min(len(text), pos + _CLAUSE_SPAN))
    return m.start() if m else min(len(text), pos + _CLAUSE_SPAN)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_FIRST_WORD = re.compile(r"\w|$")


def _value_start(m: Measurement) -> int:
    """Where the value itself starts (its last number: a list item's text runs from its label
    over the other items' values to its own, "BUN levels peaked at 7.0 mg/dL and 60 mg/dL")."""
    last = None
    for last in _NUMBER.finditer(m.text):  # noqa: B007 - the last one is wanted
        pass
    if last is None or m.qualifiers.get("value_before_name"):
        d = _NUMBER.search(m.text)
        return m.start + (d.start() if d else 0)
    if "/" in m.text[: last.start()][-3:]:  # "120/80": a pair reads from its first number
        d = _NUMBER.search(m.text)
        return m.start + (d.start() if d else 0)
    return m.start + last.start()


def _last_match(pattern: re.Pattern[str], text: str, lo: int, hi: int) -> re.Match[str] | None:
    last = None
    for m in pattern.finditer(text, lo, hi):
        last = m
    return last


def _threshold(text: str, m: Measurement, clause: int) -> str | None:
    """The threshold class of ``m`` ('conditional', 'goal', 'titration') or None."""
    comp = _compiled()
    vstart = _value_start(m)
    compared = "comparator" in m.qualifiers
    for rule, pattern in comp.thresholds:
        lo = max(clause, m.start - rule.max_gap)
        cue = _last_match(pattern, text, lo, m.start + 1)
        if cue is None:
            continue
        gap = text[cue.end() : vstart]
        if not rule.allow_comma and re.search(r"[,:]|\bthen\b", text[cue.end() : m.start]):
            continue
        if rule.needs_comparator and not (compared or _COMPARATOR.search(gap)):
            continue
        return rule.class_
    end = _clause_end(text, m.end)
    for cls, pattern in comp.after_thresholds:
        if pattern.match(text, m.end, end):
            return cls
    return None


def _time_point(
    text: str, m: Measurement, clause: int, prev_end: int, opening_end: int
) -> tuple[str, int]:
    """The time point of ``m`` and the end of the words read for it (an 'after' cue is its
    own: "2.5 on admission, improving to 1.3" - the 1.3 is not an admission value)."""
    comp = _compiled()
    end = _clause_end(text, m.end)
    for tp, pattern in comp.after:
        after = pattern.match(text, m.end, min(end, m.end + _AFTER_GAP + 40))
        if after is not None and _FIRST_WORD.search(text, m.end, after.end()).start() <= (
            m.end + _AFTER_GAP
        ):
            return tp, after.end()
    vstart = _value_start(m)
    # the value's own words first (between the previous value and this one), then the
    # clause's opening words ("On admission, creatinine 1.2, BUN 30")
    regions = (
        (max(clause, prev_end), vstart),
        (max(clause, m.start), vstart),  # a list's shared words: "levels peaked at 7.0 and 60"
        (clause, min(opening_end, prev_end)),
    )
    for lo, hi in regions:
        if hi <= lo:
            continue
        best: tuple[int, str] | None = None
        for tp, pattern in comp.before:
            cue = _last_match(pattern, text, lo, hi)
            if cue is not None and (best is None or cue.start() > best[0]):
                best = (cue.start(), tp)
        if best is not None:
            return best[1], m.end
    return "unknown", m.end


def _recency(m: Measurement) -> int:
    """How recent a value is, as far as the note says: its time point. Text order alone is no
    time order (a case report may give the admission panel after the follow-up): among values
    of equal standing the first one is kept, unless a later one continues its trend."""
    return _RANK[m.time_point]


def annotate(text: str, items: list[Measurement]) -> list[Measurement]:
    """Drop thresholds; set ``time_point`` and ``current`` on the rest (``items`` in text
    order; measurements are changed in place)."""
    kept: list[Measurement] = []
    prev_end = 0
    clause_first: tuple[int, int] = (-1, 0)  # (clause start, start of its first value)
    for m in items:
        clause = _clause_start(text, m.start)
        if m.value is not None and _threshold(text, m, clause) is not None:
            continue
        sentence = _clause_start(text, m.start, _SENTENCE_END)  # time words reach over ";"
        if clause_first[0] != sentence:
            clause_first = (sentence, m.start)
        m.time_point, read_end = _time_point(
            text, m, sentence, max(prev_end, sentence), clause_first[1]
        )
        kept.append(m)
        prev_end = max(prev_end, read_end)
    best: dict[str, Measurement] = {}
    last: dict[str, Measurement] = {}  # the previous value of each name, in text order
    for m in kept:
        if (m.value is None and m.value_text is None) or not m.plausible:
            continue
        cur = best.get(m.name)
        continues = "continues" in m.qualifiers and last.get(m.name) is cur
        if (
            cur is None
            or _recency(m) > _recency(cur)
            or (continues and _recency(m) == _recency(cur))
        ):
            best[m.name] = m  # "2.1 ... and was 1.6": a trend's later value replaces its first
        last[m.name] = m
    for m in best.values():
        m.current = True
    return kept
