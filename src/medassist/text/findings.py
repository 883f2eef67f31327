"""Clinical cue findings: the text rules the calculators' criteria are read from.

The rules live in ``text/rules/finding_rules.json`` (strictly loaded: unknown keys are
rejected; source and licence in its ``_meta``). Each rule has an id and regular expressions:

- ``condition`` rules name a finding ("labile INR", "pleuritic chest pain"); every pattern is
  matched case-insensitively as a whole word, and the engine's entities whose preferred name
  or text equals a pattern count too. Each mention gets the text engine's ConText assessment
  (:class:`medassist.text.context.SpanContext`, the one the entities carry) and the rule
  file's hedge qualifiers (feared/excluded/differential, a later item of a negated list, a
  phrase after it that discards it, a phrase that negates itself).
- ``match`` rules are plain regular expressions whose matches (with capture groups) are kept
  as written, e.g. the sentence that reports the ECG or a GCS written "E3V4M5".

:func:`extract_findings` evaluates every rule once per note, during extraction; the result is
``TextExtraction.findings``. Matching is bounded: each pattern is tried only where one of the
literals that must start its match occurs (when one can be read off the pattern), and at most
:data:`MAX_MENTIONS` mentions per rule are kept.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from medassist.errors import ConfigurationError
from medassist.schemas.common import Span
from medassist.schemas.text import Entity, Finding, Section

__all__ = [
    "FindingRule",
    "FindingRules",
    "load_finding_rules",
    "parse_finding_rules",
    "extract_findings",
    "is_hedged",
    "in_negated_list",
    "required_literals",
    "may_match",
    "finditer_literal",
    "MAX_MENTIONS",
]

#: findings of the value readers (:mod:`medassist.text.case_values`) carry rule ids with
#: this prefix; they are not rules of the file
READER_PREFIX = "value."

#: mentions kept per rule (a note repeating a phrase thousands of times keeps the first ones)
MAX_MENTIONS = 24

_RULE_KEYS = {"kind", "patterns", "case_sensitive", "exclude_after", "requires", "description"}
_HEDGE_KEYS = {
    "before",
    "suspect_before",
    "differential_before",
    "after",
    "sentence_break",
    "list_negation",
    "list_stop",
    "list_item_before",
    "window",
    "list_window",
    "list_max_words",
}
_TOP_KEYS = {"_meta", "hedges", "rules"}


@dataclass(frozen=True)
class FindingRule:
    id: str
    kind: str  # "condition" | "match"
    patterns: tuple[str, ...]
    case_sensitive: bool = False
    exclude_after: tuple[str, ...] = ()
    #: lower-case strings one of which every match contains (a cheap pre-check for patterns
    #: whose first characters are not literal, e.g. a number before "drinks per week")
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hedges:
    before: re.Pattern[str]
    suspect_before: re.Pattern[str]
    differential_before: re.Pattern[str]
    after: re.Pattern[str]
    sentence_break: re.Pattern[str]
    list_negation: re.Pattern[str]
    list_stop: re.Pattern[str]
    list_item_before: re.Pattern[str]
    window: int
    list_window: int
    list_max_words: int


@dataclass(frozen=True)
class FindingRules:
    rules: dict[str, FindingRule]
    hedges: Hedges

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def known(self, rule_id: str) -> bool:
        """A rule of this file, or a reading of a value reader (``value.*``)."""
        return rule_id in self.rules or rule_id.startswith(READER_PREFIX)

    def get(self, rule_id: str) -> FindingRule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise ConfigurationError(f"unknown finding rule {rule_id!r}", rule=rule_id) from None


def _fail(message: str, **context: object) -> ConfigurationError:
    return ConfigurationError(f"finding rules: {message}", **context)


def _compile(pattern: str, where: str, flags: int = re.I) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise _fail(f"invalid regular expression in {where}: {exc}") from None


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(f"{where} must be a list of non-empty strings")
    return tuple(value)


def _parse_hedges(raw: object) -> Hedges:
    if not isinstance(raw, dict):
        raise _fail("'hedges' must be an object")
    unknown = set(raw) - _HEDGE_KEYS
    missing = _HEDGE_KEYS - set(raw)
    if unknown or missing:
        raise _fail(f"hedges: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    numbers = {}
    for key in ("window", "list_window", "list_max_words"):
        value = raw[key]
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise _fail(f"hedges.{key} must be a positive integer")
        numbers[key] = value
    patterns = {}
    for key in _HEDGE_KEYS - set(numbers):
        value = raw[key]
        if not isinstance(value, str) or not value:
            raise _fail(f"hedges.{key} must be a regular expression")
        patterns[key] = _compile(value, f"hedges.{key}")
    return Hedges(**patterns, **numbers)


def parse_finding_rules(document: object) -> FindingRules:
    """Validate a finding-rule document (see the module docstring); unknown keys are errors."""
    if not isinstance(document, dict):
        raise _fail("the document must be an object")
    unknown = set(document) - _TOP_KEYS
    if unknown:
        raise _fail(f"unknown top-level keys {sorted(unknown)}")
    meta = document.get("_meta")
    if not isinstance(meta, dict) or not {"source", "licence"} <= set(meta):
        raise _fail("'_meta' must state 'source' and 'licence'")
    raw_rules = document.get("rules")
    if not isinstance(raw_rules, dict) or not raw_rules:
        raise _fail("'rules' must be a non-empty object")
    rules: dict[str, FindingRule] = {}
    for rule_id, raw in raw_rules.items():
        if not isinstance(raw, dict):
            raise _fail(f"rule {rule_id!r} must be an object")
        bad = set(raw) - _RULE_KEYS
        if bad:
            raise _fail(f"rule {rule_id!r}: unknown keys {sorted(bad)}")
        kind = raw.get("kind")
        if kind not in {"condition", "match"}:
            raise _fail(f"rule {rule_id!r}: kind must be 'condition' or 'match'")
        case_sensitive = raw.get("case_sensitive", False)
        if not isinstance(case_sensitive, bool):
            raise _fail(f"rule {rule_id!r}: case_sensitive must be true or false")
        patterns = _strings(raw.get("patterns"), f"rule {rule_id!r}: patterns")
        after = (
            _strings(raw["exclude_after"], f"rule {rule_id!r}: exclude_after")
            if "exclude_after" in raw
            else ()
        )
        requires = (
            _strings(raw["requires"], f"rule {rule_id!r}: requires") if "requires" in raw else ()
        )
        if any(r != r.lower() for r in requires):
            raise _fail(f"rule {rule_id!r}: requires must be lower-case strings")
        flags = 0 if case_sensitive else re.I
        for p in (*patterns, *after):
            _compile(p, f"rule {rule_id!r}", flags)
        rules[rule_id] = FindingRule(rule_id, kind, patterns, case_sensitive, after, requires)
    return FindingRules(rules, _parse_hedges(document.get("hedges")))


_DEFAULT_PATH = Path(str(resources.files("medassist.text") / "rules" / "finding_rules.json"))


@lru_cache(maxsize=4)
def load_finding_rules(path: str | None = None) -> FindingRules:
    """Load, validate and compile a finding-rule file (the packaged one by default). Cached."""
    source = Path(path) if path is not None else _DEFAULT_PATH
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail("rule file not found", path=str(source)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(f"cannot read rule file ({type(exc).__name__})", path=str(source)) from None
    return parse_finding_rules(document)


# ------------------------------------------------------------------ literal pre-checks
_LEADING_ZERO_WIDTH = re.compile(r"\\b|\^|\(\?<?[=!](?:[^()\\]|\\.)*\)")
_LITERAL_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '-,:/=%₂&"
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


def may_match(pattern: str, lowered: str) -> bool:
    """False only when no case-insensitive match of ``pattern`` can exist in the lower-cased
    text ``lowered``: a cheap substring pre-check that spares a regex scan."""
    return any(lit is None or lit in lowered for lit in required_literals(pattern))


def finditer_literal(
    compiled: re.Pattern[str], source: str, text: str, lowered: str, min_literal: int = 2
) -> Iterator[re.Match[str]]:
    """``compiled.finditer(text)`` (same matches, same order) for a case-insensitive pattern
    whose matches start where ``source`` starts: each match is tried only where one of
    ``source``'s literals occurs. Falls back to the scan when no literal can be read off."""
    literals = required_literals(source)
    if len(lowered) != len(text) or any(lit is None or len(lit) < min_literal for lit in literals):
        yield from compiled.finditer(text)
        return
    starts: set[int] = set()
    for lit in set(literals):
        assert lit is not None
        i = lowered.find(lit)
        while i != -1:
            starts.add(i)
            i = lowered.find(lit, i + 1)
    end = 0
    for i in sorted(starts):
        if i < end:
            continue
        m = compiled.match(text, i)
        if m is not None:
            yield m
            end = max(m.end(), i + 1)


# ------------------------------------------------------------------ evaluation
class _WordStarts:
    """Where each word of a lower-cased text starts, indexed by its first two and three
    characters: the candidate starts of a whole-word pattern are found by a dictionary
    look-up per literal instead of a scan of the note per pattern."""

    def __init__(self, lowered: str) -> None:
        self.lowered = lowered
        index: defaultdict[str, list[int]] = defaultdict(list)
        for m in _WORD_START.finditer(lowered):
            i = m.start()
            index[m.group(1)].append(i)
            index[m.group(2)].append(i)
        self.index: dict[str, list[int]] = dict(index)


_WORD_START = re.compile(r"(?<![^\W_])(?=(([^\W_].?).?))", re.S)


_SUFFIX = re.compile(r"\\w\+([a-z0-9]{2,})(?![*+?{])")


@lru_cache(maxsize=4096)
def _suffix_anchor(pattern: str) -> str | None:
    """The literal after a leading ``\\w+`` ("\\w+pril" -> "pril"), or None."""
    m = _SUFFIX.match(pattern)
    return m.group(1).lower() if m else None


def _suffix_starts(lowered: str, anchor: str) -> list[int]:
    """The starts of the words that contain ``anchor`` after at least one word character."""
    out: set[int] = set()
    i = lowered.find(anchor, 1)
    while i != -1:
        j = i
        while j > 0 and (lowered[j - 1].isalnum() or lowered[j - 1] == "_"):
            j -= 1
        if j < i:
            out.add(j)
        i = lowered.find(anchor, i + 1)
    return sorted(out)


def _matches_at(compiled: re.Pattern[str], text: str, starts: list[int]) -> Iterator[re.Match[str]]:
    end = 0
    for i in starts:
        if i < end:
            continue
        m = compiled.match(text, i)
        if m is not None:
            yield m
            end = max(m.end(), i + 1)


@lru_cache(maxsize=4096)
def _word_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w])", re.I)


@lru_cache(maxsize=4096)
def _plain_regex(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    return re.compile(pattern, 0 if case_sensitive else re.I)


@lru_cache(maxsize=4096)
def _negates_itself(phrase: str) -> bool:
    """A matched phrase that holds its own negation ("tonsils without exudate")."""
    from medassist.text.context import find_triggers

    return any(
        rule.category == "NEGATED_EXISTENCE" and rule.direction != "PSEUDO"
        for trigger in find_triggers(phrase)
        for rule in trigger.rules
    )


class _Qualify:
    """The hedge qualifiers of a mention (see :class:`~medassist.schemas.text.Finding`)."""

    def __init__(self, text: str, hedges: Hedges) -> None:
        self.text = text
        self.h = hedges

    def hedged(self, start: int, end: int) -> bool:
        h, text = self.h, self.text
        pre = text[max(0, start - h.window) : start]
        breaks = list(h.sentence_break.finditer(pre))
        if breaks:
            pre = pre[breaks[-1].end() :]
        if (
            h.before.search(pre[-60:])
            or h.suspect_before.search(pre[-120:])
            or h.differential_before.search(pre)
        ):
            return True
        return bool(h.after.search(text[end : end + 60]))

    def negated_list(self, start: int) -> bool:
        h, text = self.h, self.text
        pre = text[max(0, start - h.list_window) : start]
        if not h.list_item_before.search(pre[-12:]):
            return False
        breaks = list(h.sentence_break.finditer(pre))
        if breaks:
            pre = pre[breaks[-1].end() :]
        elif start > h.list_window:
            return False  # the sentence starts beyond the window: not a short list
        cues = list(h.list_negation.finditer(pre))
        if not cues:
            return False
        span = pre[cues[-1].end() :]
        return len(span.split()) <= h.list_max_words and not h.list_stop.search(span)

    def of(self, start: int, end: int, rule: FindingRule) -> list[str]:
        out = []
        if self.hedged(start, end):
            out.append("hedged")
        if self.negated_list(start):
            out.append("negated_list")
        tail = self.text[end : end + 90]
        if any(_plain_regex(p, rule.case_sensitive).search(tail) for p in rule.exclude_after):
            out.append("excluded_after")
        phrase = self.text[start:end]
        if " " in phrase.strip() and _negates_itself(phrase):
            out.append("self_negated")
        return out


def is_hedged(text: str, start: int, end: int | None = None) -> bool:
    """Whether the mention at ``start`` is only feared, excluded or listed in a differential
    diagnosis (same sentence), by the packaged hedge rules."""
    q = _Qualify(text, load_finding_rules().hedges)
    if end is None:
        end = start
        return q.hedged(start, end) and not q.h.after.search(text[end : end + 60])
    return q.hedged(start, end)


def in_negated_list(text: str, start: int) -> bool:
    """Whether the mention at ``start`` is a later item of a list headed by a negation in the
    same sentence ("denies A, B, or C"), by the packaged hedge rules."""
    return _Qualify(text, load_finding_rules().hedges).negated_list(start)


@dataclass(frozen=True)
class _Plan:
    """How a rule file is matched, prepared once per file: ``by_prefix`` maps the first
    (up to) three characters of every indexable literal to (rule id, pattern index, literal);
    ``scanned`` holds the (rule id, pattern index) pairs that must be scanned instead."""

    by_prefix: dict[str, list[tuple[str, int, str]]]
    scanned: frozenset[tuple[str, int]]


def _indexable(rule: FindingRule, pattern: str) -> tuple[str, ...] | None:
    """The literals one of which starts every match at a word start, or None."""
    if rule.case_sensitive or (rule.kind == "match" and not pattern.startswith("\\b")):
        return None
    lits = required_literals(pattern)
    if any(lit is None or len(lit) < 2 or not lit[:1].isalnum() for lit in lits):
        return None
    return tuple(lit for lit in lits if lit is not None)


_PLANS: dict[int, tuple[FindingRules, _Plan]] = {}


def _plan(rules: FindingRules) -> _Plan:
    cached = _PLANS.get(id(rules))
    if cached is not None and cached[0] is rules:
        return cached[1]
    by_prefix: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    scanned: set[tuple[str, int]] = set()
    for rule in rules.rules.values():
        for j, pattern in enumerate(rule.patterns):
            lits = _indexable(rule, pattern)
            if lits is None:
                scanned.add((rule.id, j))
                continue
            for lit in set(lits):
                by_prefix[lit[:3]].append((rule.id, j, lit))
    plan = _Plan(dict(by_prefix), frozenset(scanned))
    if len(_PLANS) > 16:
        _PLANS.clear()
    _PLANS[id(rules)] = (rules, plan)
    return plan


def _candidate_starts(plan: _Plan, words: _WordStarts) -> dict[tuple[str, int], list[int]]:
    """(rule id, pattern index) -> sorted word starts where one of its literals occurs: one
    pass over the literal prefixes the note and the rule file share."""
    low, index = words.lowered, words.index
    found: dict[tuple[str, int], set[int]] = defaultdict(set)
    for key in plan.by_prefix.keys() & index.keys():
        positions = index[key]
        for rule_id, j, lit in plan.by_prefix[key]:
            if len(lit) <= 3:
                found[(rule_id, j)].update(positions)
                continue
            bucket = found[(rule_id, j)]
            for i in positions:
                if low.startswith(lit, i):
                    bucket.add(i)
    return {k: sorted(v) for k, v in found.items() if v}


def extract_findings(
    text: str,
    sentences: Sequence[Span],
    sections: Sequence[Section],
    entities: Sequence[Entity],
    rules: FindingRules | None = None,
) -> list[Finding]:
    """Every rule's mentions in ``text`` (rule order; per rule: entity mentions first, then
    each pattern's matches in text order), each with its context and qualifiers."""
    from medassist.text.context import SpanContext

    rules = rules or load_finding_rules()
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer: no offsets
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    plan = _plan(rules)
    candidates = _candidate_starts(plan, _WordStarts(lowered))
    context = SpanContext(text, sentences, sections)
    qualify = _Qualify(text, rules.hedges)
    index: dict[str, list[Entity]] = {}
    for e in entities:
        for key in {e.preferred.lower(), e.text.lower()}:
            index.setdefault(key, []).append(e)
    active = {rule_id for rule_id, _ in candidates} | {rule_id for rule_id, _ in plan.scanned}
    out: list[Finding] = []
    for rule in rules.rules.values():
        has_entity = rule.kind == "condition" and any(p.lower() in index for p in rule.patterns)
        if rule.id not in active and not has_entity:
            continue  # no literal of the rule starts a word of the note
        out.extend(_evaluate(rule, text, lowered, candidates, plan, context, qualify, index))
    return out


def _evaluate(
    rule: FindingRule,
    text: str,
    lowered: str,
    candidates: dict[tuple[str, int], list[int]],
    plan: _Plan,
    context: Any,
    qualify: _Qualify,
    index: dict[str, list[Entity]],
) -> Iterator[Finding]:
    kept = 0
    if rule.requires and not any(r in lowered for r in rule.requires):
        return
    if rule.kind == "condition":
        seen: set[int] = set()
        for name in rule.patterns:
            for e in index.get(name.lower(), ()):
                if id(e) in seen or kept >= MAX_MENTIONS:
                    continue
                seen.add(id(e))
                kept += 1
                yield Finding(
                    rule=rule.id,
                    text=e.text,
                    start=e.start,
                    end=e.end,
                    source="entity",
                    context=e.context,
                    qualifiers=qualify.of(e.start, e.end, rule),
                )
    for j, pattern in enumerate(rule.patterns):
        if kept >= MAX_MENTIONS:
            return
        compiled = (
            _word_regex(pattern)
            if rule.kind == "condition"
            else _plain_regex(pattern, rule.case_sensitive)
        )
        if (rule.id, j) not in plan.scanned:
            starts = candidates.get((rule.id, j))
            if not starts:
                continue  # none of its literals starts a word of the note
            matches = _matches_at(compiled, text, starts)
        elif rule.kind == "condition" and (anchor := _suffix_anchor(pattern)) is not None:
            matches = _matches_at(compiled, text, _suffix_starts(lowered, anchor))
        elif rule.case_sensitive:
            matches = compiled.finditer(text)
        elif not may_match(pattern, lowered):
            continue  # none of the literals its matches start with is in the note
        else:
            matches = finditer_literal(compiled, pattern, text, lowered)
        for m in matches:
            if kept >= MAX_MENTIONS:
                return
            if m.end() == m.start():
                continue
            kept += 1
            yield Finding(
                rule=rule.id,
                text=m.group(0),
                start=m.start(),
                end=m.end(),
                context=context.classify(m.start(), m.end()),
                groups=list(m.groups()),
                qualifiers=qualify.of(m.start(), m.end(), rule) if rule.kind == "condition" else [],
            )
