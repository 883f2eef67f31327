"""ConText rules: the rule model, the strict loader and the compiled trigger scanner.

The rules (``rules/context_rules.json``) are bucketed by the three characters a match can
start with; each bucket is one regular expression (compiled on first use) tried only at token
starts of a lower-cased, whitespace-normalised copy of the sentence (offsets unchanged), so a
sentence is scanned in tens of microseconds. The assessment that applies the triggers to a
mention is :mod:`medassist.text.context`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from medassist.errors import ConfigurationError

__all__ = [
    "CATEGORIES",
    "DIRECTIONS",
    "SCOPE_DIRECTIONS",
    "ContextRule",
    "ContextRules",
    "Trigger",
    "load_rules",
    "parse_rules",
]

#: rule category -> the ContextAssertion flag it sets ("ANY" only terminates or blocks)
CATEGORIES: dict[str, str | None] = {
    "NEGATED_EXISTENCE": "negated",
    "POSSIBLE_EXISTENCE": "uncertain",
    "HISTORICAL": "historical",
    "HYPOTHETICAL": "hypothetical",
    "FAMILY": "family",
    "BASELINE": "baseline",
    "ANY": None,
}
DIRECTIONS = frozenset(
    {"FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO", "SELF", "ITEM"}
)
#: directions whose rules match the mention itself rather than the words around it
MENTION_DIRECTIONS = frozenset({"SELF", "ITEM"})
#: the directions whose triggers give a flag a scope (the others end, block or self-apply)
SCOPE_DIRECTIONS = frozenset({"FORWARD", "BACKWARD", "BIDIRECTIONAL"})
_FLAG_CATEGORIES = tuple(c for c, flag in CATEGORIES.items() if flag is not None)
_RULE_KEYS_REQUIRED = frozenset({"category", "literal", "direction"})
_RULE_KEYS = _RULE_KEYS_REQUIRED | {"pattern", "max_scope"}
_TOP_KEYS = frozenset({"_meta", "defaults", "context_rules"})
_DEFAULT_RULES_PATH = Path(__file__).resolve().parent / "rules" / "context_rules.json"

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
        item_ids = [i for i in order if self.rules[i].direction == "ITEM"]
        order = [i for i in order if self.rules[i].direction not in MENTION_DIRECTIONS]
        bodies = {i: _rule_regex(self.rules[i]) for i in order + self_ids}
        #: ITEM rules: a mention that is a bare list item and names the whole phrase ("GOUT.")
        self._items = [(re.compile(_rule_regex(self.rules[i])), self.rules[i]) for i in item_ids]
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

    def item_triggers(self, mention: str) -> list[tuple[str, ContextRule]]:
        """(phrase, rule) for the ITEM rules matching the whole mention text (a bare list item
        such as "HYPERTENSION." under a problem list; the caller checks that it is bare)."""
        if not self._items:
            return []
        text = _WS_RX.sub(" ", _normalise(mention).strip())
        return [(mention.strip(), rule) for rx, rule in self._items if rx.fullmatch(text)]

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
        for tok in _TOKEN_RX.finditer(text):
            pos = tok.start()
            if pos < consumed:
                continue
            if b_start <= pos < b_end:
                continue
            bucket = (
                t3.get(text[pos : pos + 3])
                or t2.get(text[pos : pos + 2])
                or t1.get(text[pos])
                or anywhere
            )
            if bucket is None:
                continue
            rx, rules = bucket.compiled or bucket.compile()
            m = rx.match(text, pos)
            if m is not None and pos < b_start < m.end():
                # it runs into the target: the longest match that ends before it (a lookahead
                # such as "?" before a word still sees the target)
                m = rx.match(text, pos, b_start)
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
        not isinstance(max_scope, int) or isinstance(max_scope, bool) or max_scope < 0
    ):
        raise _fail("max_scope must be a non-negative integer (0: next to the trigger)", rule=index)
    if pattern is not None and (not isinstance(pattern, str) or not pattern):
        raise _fail("pattern must be a non-empty string or null", rule=index)
    rule = ContextRule(category, literal, direction, pattern, max_scope)
    try:
        compiled = re.compile(_rule_regex(rule))
    except re.error as exc:
        raise _fail(f"invalid pattern for {literal!r} ({exc})", rule=index) from None
    if compiled.groups:
        raise _fail("pattern must not contain capturing groups; use (?:...)", rule=index)
    if compiled.fullmatch(_WS_RX.sub(" ", literal)) is None and not _matches_before_word(
        compiled, _WS_RX.sub(" ", literal)
    ):
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


def _matches_before_word(compiled: re.Pattern[str], literal: str) -> bool:
    """A pattern with trailing context ("?" only before a word) matches exactly its literal
    when a word follows it."""
    m = compiled.match(literal + " x")
    return m is not None and m.end() == len(literal)


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
