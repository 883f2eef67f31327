"""ConText-style context of clinical mentions: negated, uncertain, historical, hypothetical, family.

An implementation of the ConText algorithm (Harkema et al., J Biomed Inform 2009), which
extends NegEx (Chapman et al., 2001): trigger phrases of each category act on the targets in
their *scope* — forward (after the trigger), backward (before it) or both — within the
sentence, limited by a token window and cut short by terminators ("but", "however", ";", ...).
Pseudo-triggers ("no increase", "gram negative", "history of present illness") are matched
and then do nothing, so the shorter trigger inside them ("no", "history") does not fire.

Pure Python: the rules (``rules/context_rules.json``) are bucketed by the three characters a
match can start with; each bucket is one regular expression (compiled on first use) tried
only at token starts of a lower-cased, whitespace-normalised copy of the sentence (offsets
unchanged), so a sentence is scanned in tens of microseconds and ALL-CAPS text, irregular
whitespace and line breaks are handled. A trigger's scope is the sentence, limited by a
word window (extended through lists of short items: "denies fever, chills, ..., or
dysuria") and cut at terminators. No spaCy at run time.

Public API::

    classify_context(sentence, start, end) -> ContextAssertion
    context_for_span(text, sentences, sections, start, end) -> ContextAssertion
    apply_context(text, sentences, sections, entities) -> None   (sets entity.context)
    load_rules(path=None) -> ContextRules                         (strict loader, cached)
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from medassist.errors import ConfigurationError, InputError
from medassist.schemas.common import Span
from medassist.schemas.text import ContextAssertion, Entity, Section

__all__ = [
    "CATEGORIES",
    "DIRECTIONS",
    "SCOPE_DIRECTIONS",
    "ContextRule",
    "ContextRules",
    "Trigger",
    "load_rules",
    "parse_rules",
    "find_triggers",
    "trigger_regex",
    "classify_context",
    "classify_spans",
    "SpanContext",
    "context_for_span",
    "apply_context",
    "SECTION_CONTEXT",
]

#: rule category -> the ContextAssertion flag it sets ("ANY" only terminates or blocks)
CATEGORIES: dict[str, str | None] = {
    "NEGATED_EXISTENCE": "negated",
    "POSSIBLE_EXISTENCE": "uncertain",
    "HISTORICAL": "historical",
    "HYPOTHETICAL": "hypothetical",
    "FAMILY": "family",
    "ANY": None,
}
DIRECTIONS = frozenset({"FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO", "SELF"})
#: the directions whose triggers give a flag a scope (the others end, block or self-apply)
SCOPE_DIRECTIONS = frozenset({"FORWARD", "BACKWARD", "BIDIRECTIONAL"})
_FLAG_CATEGORIES = tuple(c for c, flag in CATEGORIES.items() if flag is not None)
_RULE_KEYS_REQUIRED = frozenset({"category", "literal", "direction"})
_RULE_KEYS = _RULE_KEYS_REQUIRED | {"pattern", "max_scope"}
_TOP_KEYS = frozenset({"_meta", "defaults", "context_rules"})
_DEFAULT_RULES_PATH = Path(__file__).resolve().parent / "rules" / "context_rules.json"

#: section name (medassist.schemas.text.Section.name) -> flag implied for every mention in it
SECTION_CONTEXT: dict[str, str] = {
    "family_history": "family",
    "pmh": "historical",
    "psh": "historical",
}

_TOKEN_RX = re.compile(r"\w+|[^\w\s]")
_WORD_RX = re.compile(r"\w+")
_WS_RX = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class ContextRule:
    category: str
    literal: str
    direction: str
    pattern: str | None = None
    max_scope: int | None = None


@dataclass(frozen=True, slots=True)
class Trigger:
    """One matched rule in a sentence (character offsets into that sentence)."""

    start: int
    end: int
    #: every rule whose pattern matched exactly this phrase (e.g. a terminator of two categories)
    rules: tuple[ContextRule, ...]


class ContextRules:
    """A compiled rule set: rules bucketed by the first character they can match."""

    def __init__(self, rules: Sequence[ContextRule], default_scope: dict[str, int | None]):
        self.rules: tuple[ContextRule, ...] = tuple(rules)
        self.default_scope = dict(default_scope)
        # longest literal first, pseudo-triggers before triggers of the same length: at one
        # position the first alternative that matches wins (leftmost, then longest-listed)
        order = sorted(
            range(len(self.rules)),
            key=lambda i: (-len(self.rules[i].literal), self.rules[i].direction != "PSEUDO", i),
        )
        self_ids = [i for i in order if self.rules[i].direction == "SELF"]
        order = [i for i in order if self.rules[i].direction != "SELF"]
        bodies = {i: _rule_regex(self.rules[i]) for i in order + self_ids}
        rank = {i: r for r, i in enumerate(order)}
        full: dict[str, set[int]] = {}  # prefix of length _KEY -> rules
        short: dict[str, set[int]] = {}  # complete match shorter than _KEY -> rules
        anywhere: set[int] = set()
        for i in order:
            prefixes = _prefixes(bodies[i])
            if prefixes is None:
                anywhere.add(i)
                continue
            for prefix in prefixes:
                (full if len(prefix) == _KEY else short).setdefault(prefix, set()).add(i)
        # a bucket for key K holds: rules with prefix K, short rules whose match is a prefix
        # of K, and the rules whose prefixes are unknown; shorter keys serve text with no
        # full-length bucket
        self._tables: list[dict[str, _Bucket]] = []
        for length in range(_KEY, 0, -1):
            keys = set(full) if length == _KEY else {k for k in short if len(k) == length}
            table = {}
            for key in keys:
                ids = set(full.get(key, ())) | anywhere
                ids.update(i for s, rs in short.items() if key.startswith(s) for i in rs)
                table[key] = _Bucket(sorted(ids, key=rank.__getitem__), bodies, self.rules)
            self._tables.append(table)
        #: SELF rules: the mention itself implies the category (e.g. tobacco use -> historical)
        self._self = _Bucket(self_ids, bodies, self.rules) if self_ids else None
        self._anywhere = (
            _Bucket(sorted(anywhere, key=rank.__getitem__), bodies, self.rules)
            if anywhere
            else None
        )

    def self_triggers(self, mention: str) -> list[tuple[str, ContextRule]]:
        """(phrase, rule) for the SELF rules matching inside the mention text."""
        if self._self is None:
            return []
        rx, groups = self._self.compiled or self._self.compile()
        text = _normalise(mention)
        out: list[tuple[str, ContextRule]] = []
        for m in rx.finditer(text):
            if m.start() == 0 or not text[m.start() - 1].isalnum():
                out.extend((mention[m.start() : m.end()], rule) for rule in groups[m.lastindex - 1])  # type: ignore[operator]
        return out

    def scope(self, rule: ContextRule) -> int | None:
        return (
            rule.max_scope if rule.max_scope is not None else self.default_scope.get(rule.category)
        )

    def scan(self, sentence: str, block: tuple[int, int] | None = None) -> list[Trigger]:
        """All non-overlapping rule matches in ``sentence``, left to right.

        ``block`` = (start, end): no match may overlap that span (the target), so a trigger
        that ends right before the target ("no" in "no acute distress") is still found."""
        text = _normalise(sentence)
        found: list[Trigger] = []
        consumed = 0
        t3, t2, t1 = self._tables
        anywhere = self._anywhere
        b_start, b_end = block if block is not None else (len(text) + 1, len(text) + 1)
        endpos = b_start
        for tok in _TOKEN_RX.finditer(text):
            pos = tok.start()
            if pos < consumed:
                continue
            if b_start <= pos < b_end:
                continue
            if pos >= b_end:
                endpos = len(text)
            bucket = (
                t3.get(text[pos : pos + 3])
                or t2.get(text[pos : pos + 2])
                or t1.get(text[pos])
                or anywhere
            )
            if bucket is None:
                continue
            rx, rules = bucket.compiled or bucket.compile()
            m = rx.match(text, pos, endpos)
            if m is None:
                continue
            found.append(Trigger(pos, m.end(), rules[m.lastindex - 1]))  # type: ignore[operator]
            consumed = m.end()
        return found


_SPACE_RX = re.compile(r"\s")
_OTHER_SPACE_RX = re.compile(r"[^\S ]")


def _normalise(text: str) -> str:
    """Lower-case with every whitespace character as " ", offsets unchanged."""
    lower = _lower_same_length(text)
    return _SPACE_RX.sub(" ", lower) if _OTHER_SPACE_RX.search(lower) else lower


def _lower_same_length(text: str) -> str:
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    # a few characters lower-case to two code points (e.g. "İ"): keep offsets aligned
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _rule_regex(rule: ContextRule) -> str:
    if rule.pattern is None:
        body = r"\s+".join(re.escape(word) for word in rule.literal.split())
    else:
        body = _spaces_to_whitespace(rule.pattern)
    suffix = r"(?!\w)" if rule.literal[-1].isalnum() or rule.literal[-1] == "_" else ""
    return f"(?:{body}){suffix}"


def _spaces_to_whitespace(pattern: str) -> str:
    """A space in a rule pattern matches any run of whitespace ("x ?y": optional whitespace)."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            out.append(r"\s" if ch == " " else ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch == " ":
            nxt = pattern[i + 1] if i + 1 < len(pattern) else ""
            if nxt in ("?", "*"):
                out.append(r"\s*")
                i += 1
            else:
                out.append(r"\s+")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


class _Bucket:
    """The rules that can match at a text position with a given prefix, compiled on first use
    (most of the few hundred buckets are never needed by a given text)."""

    __slots__ = ("_bodies", "_rules", "compiled")

    def __init__(
        self, ids: Sequence[int], bodies: dict[int, str], rules: Sequence[ContextRule]
    ) -> None:
        self._bodies = [bodies[i] for i in ids]
        self._rules = [rules[i] for i in ids]
        self.compiled: tuple[re.Pattern[str], tuple[tuple[ContextRule, ...], ...]] | None = None

    def compile(self) -> tuple[re.Pattern[str], tuple[tuple[ContextRule, ...], ...]]:
        self.compiled = _compile_bucket(self._bodies, self._rules)
        return self.compiled


def _compile_bucket(
    bodies: Sequence[str], rules: Sequence[ContextRule]
) -> tuple[re.Pattern[str], tuple[tuple[ContextRule, ...], ...]]:
    """One alternation of the rules (in priority order); rules with the same regular
    expression share one alternative, so a phrase can carry several rules."""
    groups: dict[str, list[ContextRule]] = {}
    for body, rule in zip(bodies, rules, strict=True):
        groups.setdefault(body, []).append(rule)
    rx = re.compile("|".join(f"({body})" for body in groups))
    return rx, tuple(tuple(group) for group in groups.values())


_KEY = 3  # rules are bucketed by the first _KEY characters they can match
_MAX_PREFIXES = 4000
_CATEGORY_CHARS = {"CATEGORY_DIGIT": "0123456789", "CATEGORY_SPACE": " "}


def _prefixes(regex: str, k: int = _KEY) -> frozenset[str] | None:
    """The strings of length ``k`` a match of ``regex`` can start with, plus its complete
    matches shorter than ``k``; None when that set is unbounded or unknown (``\\w``, ``.``).
    Whitespace is enumerated as " " only: the text is matched with whitespace normalised."""
    try:
        from re import _constants as c  # type: ignore[attr-defined]
        from re import _parser as p  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - Python < 3.11
        return None

    class _Unknown(Exception):
        pass

    def chars_of(av: Any) -> set[str]:
        out: set[str] = set()
        for sub_op, sub_av in av:
            if sub_op is c.LITERAL:
                out.add(chr(sub_av))
            elif sub_op is c.RANGE and sub_av[1] - sub_av[0] < 256:
                out.update(chr(x) for x in range(sub_av[0], sub_av[1] + 1))
            elif sub_op is c.CATEGORY and str(sub_av) in _CATEGORY_CHARS:
                out.update(_CATEGORY_CHARS[str(sub_av)])
            else:
                raise _Unknown
        return out

    def seq(items: Any, m: int) -> set[str]:
        results = {""}
        for op, av in items:
            new: set[str] = set()
            for head in results:
                if len(head) >= m:
                    new.add(head)
                else:
                    new.update(head + tail for tail in item(op, av, m - len(head)))
            if len(new) > _MAX_PREFIXES:
                raise _Unknown
            results = new
        return results

    def item(op: Any, av: Any, m: int) -> set[str]:
        if op is c.LITERAL:
            return {chr(av)}
        if op is c.IN:
            return chars_of(av)
        if op is c.SUBPATTERN:
            return seq(av[-1], m)
        if op is c.BRANCH:
            out: set[str] = set()
            for alt in av[1]:
                out |= seq(alt, m)
            return out
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)):
            low, high, sub = av
            out, cur, rep = set(), {""}, 0
            while True:
                if rep >= low:
                    out |= cur
                if rep >= high or rep > low + m or all(len(x) >= m for x in cur):
                    out |= {x for x in cur if len(x) >= m}
                    return out
                cur = {
                    x + y if len(x) < m else x
                    for x in cur
                    for y in (seq(sub, m - len(x)) if len(x) < m else {""})
                }
                rep += 1
        if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
            return {""}
        raise _Unknown

    try:
        found = seq(p.parse(regex), k)
    except (_Unknown, re.error, RecursionError):
        return None
    if not found or "" in found:
        return None
    return frozenset(x[:k] for x in found)


# --------------------------------------------------------------------------- loading


def _fail(message: str, **context: object) -> ConfigurationError:
    return ConfigurationError(f"context rules: {message}", **context)


def _parse_rule(raw: object, index: int) -> ContextRule:
    if not isinstance(raw, dict):
        raise _fail("each rule must be an object", rule=index)
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise _fail(f"unknown keys {sorted(unknown)}", rule=index)
    missing = _RULE_KEYS_REQUIRED - set(raw)
    if missing:
        raise _fail(f"missing keys {sorted(missing)}", rule=index)
    category, literal, direction = raw["category"], raw["literal"], raw["direction"]
    pattern, max_scope = raw.get("pattern"), raw.get("max_scope")
    if category not in CATEGORIES:
        raise _fail(f"unknown category {category!r}", rule=index)
    if direction not in DIRECTIONS:
        raise _fail(f"unknown direction {direction!r}", rule=index)
    if CATEGORIES[category] is None and direction not in ("TERMINATE", "PSEUDO"):
        raise _fail("category ANY is only for TERMINATE or PSEUDO rules", rule=index)
    if not isinstance(literal, str) or not literal.strip() or literal != literal.lower():
        raise _fail("literal must be a non-empty lower-case string", rule=index)
    if literal != literal.strip():
        raise _fail("literal must not start or end with whitespace", rule=index)
    if max_scope is not None and (
        not isinstance(max_scope, int) or isinstance(max_scope, bool) or max_scope < 1
    ):
        raise _fail("max_scope must be a positive integer", rule=index)
    if pattern is not None and (not isinstance(pattern, str) or not pattern):
        raise _fail("pattern must be a non-empty string or null", rule=index)
    rule = ContextRule(category, literal, direction, pattern, max_scope)
    try:
        compiled = re.compile(_rule_regex(rule))
    except re.error as exc:
        raise _fail(f"invalid pattern for {literal!r} ({exc})", rule=index) from None
    if compiled.groups:
        raise _fail("pattern must not contain capturing groups; use (?:...)", rule=index)
    if compiled.fullmatch(_WS_RX.sub(" ", literal)) is None:
        raise _fail(f"pattern does not match its own literal {literal!r}", rule=index)
    if compiled.match("") is not None:
        raise _fail(f"pattern for {literal!r} matches the empty string", rule=index)
    if pattern is not None and _UNBOUNDED_GROUP_RX.search(pattern):
        # "(?:a )*(?:mother)" tried at every "a" of "a a a ..." reads to the sentence end:
        # quadratic in the sentence; a bounded repeat {0,3} keeps the scan linear
        raise _fail(
            f"pattern for {literal!r} repeats a group without bound; use {{m,n}}", rule=index
        )
    return rule


_UNBOUNDED_GROUP_RX = re.compile(r"(?<!\\)[)\]][*+]")


def parse_rules(document: object) -> ContextRules:
    """Validate a rules document (the JSON object) strictly and compile it."""
    if not isinstance(document, dict):
        raise _fail("the document must be a JSON object")
    unknown = set(document) - _TOP_KEYS
    if unknown:
        raise _fail(f"unknown top-level keys {sorted(unknown)}")
    raw_rules = document.get("context_rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail("'context_rules' must be a non-empty list")
    defaults = document.get("defaults", {})
    if not isinstance(defaults, dict) or set(defaults) - {"max_scope"}:
        raise _fail("'defaults' may only hold 'max_scope'")
    scopes = defaults.get("max_scope", {})
    if not isinstance(scopes, dict) or set(scopes) - set(_FLAG_CATEGORIES):
        raise _fail("'defaults.max_scope' maps categories to token windows")
    for category, value in scopes.items():
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 1
        ):
            raise _fail(f"default max_scope of {category} must be a positive integer or null")
    rules = [_parse_rule(raw, i) for i, raw in enumerate(raw_rules)]
    return ContextRules(rules, {c: scopes.get(c) for c in _FLAG_CATEGORIES})


@lru_cache(maxsize=8)
def load_rules(path: str | Path | None = None) -> ContextRules:
    """Load, validate and compile a rule file (the packaged rules by default). Cached."""
    source = Path(path) if path is not None else _DEFAULT_RULES_PATH
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail("rule file not found", path=str(source)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(f"cannot read rule file ({type(exc).__name__})", path=str(source)) from None
    return parse_rules(document)


# --------------------------------------------------------------------------- classification


@lru_cache(maxsize=8)
def trigger_regex(category: str, directions: frozenset[str] = SCOPE_DIRECTIONS) -> re.Pattern[str]:
    """One regular expression for every rule of ``category`` with one of ``directions`` (on
    lower-cased text), e.g. any relative the FAMILY rules know."""
    rules = [r for r in load_rules().rules if r.category == category and r.direction in directions]
    if not rules:
        raise InputError(f"no {category} rules with directions {sorted(directions)}")
    return re.compile("|".join(f"(?:{_rule_regex(r)})" for r in rules))


def find_triggers(sentence: str, rules: ContextRules | None = None) -> list[Trigger]:
    """The trigger, terminator and pseudo-trigger matches of a sentence (for inspection)."""
    if not isinstance(sentence, str):
        raise InputError("sentence must be a string")
    return (rules or load_rules()).scan(sentence)


def _word_starts(sentence: str) -> list[int]:
    return [m.start() for m in _WORD_RX.finditer(sentence)]


def _assess(
    sentence: str,
    triggers: Sequence[Trigger],
    words: Sequence[int],
    start: int,
    end: int,
    rules: ContextRules,
) -> ContextAssertion:
    """Apply the triggers of one sentence to the target [start, end) of that sentence."""
    flags: dict[str, str] = {}
    best: dict[str, int] = {}  # flag -> distance of the trigger chosen (nearest wins)
    stops = _terminator_starts(triggers)
    for trig in triggers:
        if trig.end > start and trig.start < end:  # inside or overlapping the target
            continue
        for rule in trig.rules:
            direction = rule.direction
            if direction in ("PSEUDO", "TERMINATE"):
                continue
            category = rule.category
            window = rules.scope(rule)
            distance: int | None = None
            if trig.end <= start and direction in ("FORWARD", "BIDIRECTIONAL"):
                gap = bisect_left(words, start) - bisect_left(words, trig.end)
                if _in_window(gap, window, rule, sentence, trig.end, start) and not _stopped(
                    stops[category], trig.end, start
                ):
                    distance = gap
            elif trig.start >= end and direction in ("BACKWARD", "BIDIRECTIONAL"):
                gap = bisect_left(words, trig.start) - bisect_left(words, end)
                if _in_window(gap, window, rule, sentence, end, trig.start) and not _stopped(
                    stops[category], end, trig.start
                ):
                    distance = gap
            if distance is None:
                continue
            flag = CATEGORIES[category]
            assert flag is not None
            if flag not in best or distance < best[flag]:
                best[flag] = distance
                flags[flag] = _WS_RX.sub(" ", sentence[trig.start : trig.end])
    for phrase, rule in rules.self_triggers(sentence[start:end]):
        flag = CATEGORIES[rule.category]
        if flag is not None and flag not in flags:
            flags[flag] = _WS_RX.sub(" ", phrase)
    return ContextAssertion(
        negated="negated" in flags,
        uncertain="uncertain" in flags,
        historical="historical" in flags,
        hypothetical="hypothetical" in flags,
        family="family" in flags,
        triggers=flags,
    )


_LIST_SEPARATOR_RX = re.compile(r",|/|\b(?:and|or|nor)\b", re.IGNORECASE)
_LIST_ITEM_WORDS = 5
_LIST_MAX_WORDS = 80


def _in_window(
    gap: int, window: int | None, rule: ContextRule, sentence: str, lo: int, hi: int
) -> bool:
    """Within the token window, or -- for rules on their category's default window -- separated
    from the trigger only by a list of short items ("denies fever, chills, ..., or dysuria")."""
    if window is None or gap <= window:
        return True
    if rule.max_scope is not None or gap > _LIST_MAX_WORDS:  # tight rule ("?"), or too far
        return False
    return all(
        len(_WORD_RX.findall(item)) <= _LIST_ITEM_WORDS
        for item in _LIST_SEPARATOR_RX.split(sentence[lo:hi])
    )


def _terminator_starts(triggers: Sequence[Trigger]) -> dict[str, list[int]]:
    """Per flag category, the sorted start offsets of the terminators that end its scope."""
    stops: dict[str, list[int]] = {c: [] for c in _FLAG_CATEGORIES}
    for trig in triggers:
        for rule in trig.rules:
            if rule.direction != "TERMINATE":
                continue
            for category in _FLAG_CATEGORIES if rule.category == "ANY" else (rule.category,):
                if not stops[category] or stops[category][-1] != trig.start:
                    stops[category].append(trig.start)
    return stops


def _stopped(starts: Sequence[int], lo: int, hi: int) -> bool:
    """Does a terminator start in [lo, hi)?"""
    i = bisect_left(starts, lo)
    return i < len(starts) and starts[i] < hi


def _check_offsets(length: int, start: object, end: object) -> None:
    for value in (start, end):
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError("start and end must be integers")
    assert isinstance(start, int) and isinstance(end, int)
    if not 0 <= start <= end <= length:
        raise InputError(
            "target offsets out of range: need 0 <= start <= end <= len(text)",
            start=start,
            end=end,
            length=length,
        )


def classify_context(sentence: str, start: int, end: int) -> ContextAssertion:
    """The context of the target ``sentence[start:end]`` from the triggers of that sentence."""
    if not isinstance(sentence, str):
        raise InputError("sentence must be a string")
    _check_offsets(len(sentence), start, end)
    rules = load_rules()
    triggers = rules.scan(sentence, (start, end))
    return _assess(sentence, triggers, _word_starts(sentence), start, end, rules)


# --------------------------------------------------------------------------- documents

_BOUNDARY_RX = re.compile(r"[.!?;](?=\s)|\n\s*\n")


def _sentence_bounds(
    text: str,
    sentences: Sequence[Span],
    start: int,
    end: int,
    starts: Sequence[int] | None = None,
) -> tuple[int, int]:
    """The sentence holding [start, end): the given sentence containing ``start``, widened to
    ``end`` if the mention crosses a boundary; a local fallback when none contains it.
    ``starts``: the sentences' start offsets, when the caller has them already."""
    if starts is None:
        starts = [s.start for s in sentences]
    i = bisect_right(starts, start) - 1
    if i >= 0 and sentences[i].start <= start < max(sentences[i].end, sentences[i].start + 1):
        return sentences[i].start, max(sentences[i].end, end)
    left = 0
    for m in _BOUNDARY_RX.finditer(text, max(0, start - 400), start):
        left = m.end()
    right_m = _BOUNDARY_RX.search(text, end, min(len(text), end + 400))
    right = right_m.start() + 1 if right_m else min(len(text), end + 400)
    return left, max(right, end)


class _SectionIndex:
    """Finds the innermost (latest-starting) section holding a position in O(log n)."""

    def __init__(self, sections: Sequence[Section]) -> None:
        self.sections = sorted(sections, key=lambda s: s.start)
        self.starts = [s.start for s in self.sections]
        self.max_end: list[int] = []  # max end over sections[: i + 1]
        running = -1
        for section in self.sections:
            running = max(running, section.end)
            self.max_end.append(running)

    def at(self, position: int) -> Section | None:
        i = bisect_right(self.starts, position) - 1
        while i >= 0 and self.max_end[i] > position:
            if self.sections[i].start <= position < self.sections[i].end:
                return self.sections[i]
            i -= 1
        return None


def _with_section(
    assertion: ContextAssertion, index: _SectionIndex, position: int
) -> ContextAssertion:
    section = index.at(position)
    flag = SECTION_CONTEXT.get(section.name) if section is not None else None
    if flag is None or getattr(assertion, flag):
        return assertion
    triggers = dict(assertion.triggers)
    triggers[flag] = f"section:{section.name}"  # type: ignore[union-attr]
    return assertion.model_copy(update={flag: True, "triggers": triggers})


def context_for_span(
    text: str, sentences: Sequence[Span], sections: Sequence[Section], start: int, end: int
) -> ContextAssertion:
    """The context of ``text[start:end]``: its sentence's triggers plus section-implied flags."""
    if not isinstance(text, str):
        raise InputError("text must be a string")
    _check_offsets(len(text), start, end)
    s_start, s_end = _sentence_bounds(text, sentences, start, end)
    sentence = text[s_start:s_end]
    rules = load_rules()
    target = (start - s_start, end - s_start)
    assertion = _assess(
        sentence, rules.scan(sentence, target), _word_starts(sentence), *target, rules
    )
    return _with_section(assertion, _SectionIndex(sections), start)


class SpanContext:
    """Context of any span of one text: sentences, sections and each sentence's triggers are
    prepared once, so many look-ups (a calculator's regex hits, grounding's words) stay cheap.

    ``sentences`` and ``sections`` default to the text engine's own splitting
    (:func:`medassist.text.sentences.split_sentences`, :func:`medassist.text.sections.
    detect_sections`); pass them when already computed."""

    def __init__(
        self,
        text: str,
        sentences: Sequence[Span] | None = None,
        sections: Sequence[Section] | None = None,
    ) -> None:
        if not isinstance(text, str):
            raise InputError("text must be a string")
        if sentences is None:
            from medassist.text.sentences import split_sentences

            sentences = split_sentences(text)
        if sections is None:
            from medassist.text.sections import detect_sections

            sections = detect_sections(text)
        self.text = text
        self._rules = load_rules()
        self._sections = _SectionIndex(sections)
        self._sentences = sorted(sentences, key=lambda s: s.start)
        self._starts = [s.start for s in self._sentences]
        self._scanned: dict[tuple[int, int], tuple[str, list[Trigger], list[int]]] = {}

    def _scan(self, bounds: tuple[int, int]) -> tuple[str, list[Trigger], list[int]]:
        if bounds not in self._scanned:
            sentence = self.text[bounds[0] : bounds[1]]
            self._scanned[bounds] = (sentence, self._rules.scan(sentence), _word_starts(sentence))
        return self._scanned[bounds]

    def triggers(self) -> list[tuple[int, int, Trigger]]:
        """Every trigger, terminator and pseudo-trigger of the text as (start, end, trigger)
        in text offsets, sentence by sentence (the scans :meth:`classify` reuses)."""
        out = []
        for s in self._sentences:
            _, found, _ = self._scan((s.start, s.end))
            out.extend((s.start + t.start, s.start + t.end, t) for t in found)
        return out

    def classify(self, start: int, end: int) -> ContextAssertion:
        """The context of ``text[start:end]``: its sentence's triggers plus section flags."""
        text, rules = self.text, self._rules
        _check_offsets(len(text), start, end)
        bounds = _sentence_bounds(text, self._sentences, start, end, self._starts)
        sentence, triggers, words = self._scan(bounds)
        t_start, t_end = start - bounds[0], end - bounds[0]
        if any(t.end > t_start and t.start < t_end for t in triggers):
            triggers = rules.scan(sentence, (t_start, t_end))  # re-scan around the mention
        assertion = _assess(sentence, triggers, words, t_start, t_end, rules)
        return _with_section(assertion, self._sections, start)


def classify_spans(
    text: str,
    spans: Sequence[tuple[int, int]],
    sentences: Sequence[Span] | None = None,
    sections: Sequence[Section] | None = None,
) -> list[ContextAssertion]:
    """The context of each ``text[start:end]`` of ``spans``, in order (see :class:`SpanContext`)."""
    context = SpanContext(text, sentences, sections)
    return [context.classify(start, end) for start, end in spans]


def apply_context(
    text: str, sentences: list[Span], sections: list[Section], entities: list[Entity]
) -> None:
    """Set ``entity.context`` in place for every entity (each sentence is scanned once)."""
    contexts = classify_spans(text, [(e.start, e.end) for e in entities], sentences, sections)
    for entity, context in zip(entities, contexts, strict=True):
        entity.context = context
