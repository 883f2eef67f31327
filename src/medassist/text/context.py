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

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import lru_cache

from medassist.errors import InputError
from medassist.schemas.common import Span
from medassist.schemas.text import ContextAssertion, Entity, Section
from medassist.text.context_rules import (
    _FLAG_CATEGORIES,
    _WORD_RX,
    _WS_RX,
    CATEGORIES,
    DIRECTIONS,
    SCOPE_DIRECTIONS,
    ContextRule,
    ContextRules,
    Trigger,
    _rule_regex,
    load_rules,
    parse_rules,
)

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

#: section name (medassist.schemas.text.Section.name) -> flag implied for every mention in it
SECTION_CONTEXT: dict[str, str] = {
    "family_history": "family",
    "pmh": "historical",
    "psh": "historical",
}


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
        baseline="baseline" in flags,
        triggers=flags,
    )


#: what may stand before a bare list item: a number or letter, a bullet ("1.", "03)", "-", "*")
_ITEM_PREFIX_RX = re.compile(r"\s*(?:(?:\(?\d{1,3}[.):]|\(?[a-z][.)]|[-*\u2022\u00b7\u2013#])\s*)?")
_ITEM_SUFFIX_RX = re.compile(r"[\s.;,:]*")


def _is_bare_item(sentence: str, start: int, end: int) -> bool:
    """Is the mention all there is in its sentence (a list item with no predicate)?"""
    return (
        _ITEM_PREFIX_RX.fullmatch(sentence, 0, start) is not None
        and _ITEM_SUFFIX_RX.fullmatch(sentence, end) is not None
    )


def _with_item(
    assertion: ContextAssertion, sentence: str, start: int, end: int, rules: ContextRules
) -> ContextAssertion:
    """ITEM rules, the weakest evidence: a bare list item with no other context that names a
    long-standing condition ("HYPERTENSION." in a problem list) is historical."""
    if assertion.triggers or not _is_bare_item(sentence, start, end):
        return assertion
    found = rules.item_triggers(sentence[start:end])
    if not found:
        return assertion
    triggers: dict[str, str] = {}
    for phrase, rule in found:
        flag = CATEGORIES[rule.category]
        if flag is not None:
            triggers.setdefault(flag, _WS_RX.sub(" ", phrase))
    return assertion.model_copy(update={**{f: True for f in triggers}, "triggers": triggers})


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
    return _list_shape(sentence).all_short(lo, hi)


class _ListShape:
    """Where a sentence has a run of more than :data:`_LIST_ITEM_WORDS` words with no list
    separator between them, so that "is ``sentence[lo:hi]`` a list of short items?" costs two
    bisections instead of a split of the span for every trigger-target pair (a long sentence
    of many mentions and triggers would otherwise cost the square of its length)."""

    def __init__(self, sentence: str) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        long_runs: list[int] = []  # prefix counts of words ending a long separator-free run
        sep_starts = [m.start() for m in _LIST_SEPARATOR_RX.finditer(sentence)]
        run, count, prev_end = 0, 0, 0
        for m in _WORD_RX.finditer(sentence):
            i = bisect_left(sep_starts, prev_end)
            j = bisect_left(sep_starts, m.start(), i)
            if j < len(sep_starts) and sep_starts[j] == m.start():
                run = 0  # a separator word ("and", "or"): no item word
            elif i < len(sep_starts) and sep_starts[i] < m.start():
                run = 1  # a separator (",", "/") since the previous word
            else:
                run += 1
            self.starts.append(m.start())
            self.ends.append(m.end())
            long_runs.append(count)
            count += 1 if run > _LIST_ITEM_WORDS else 0
            prev_end = m.end()
        long_runs.append(count)
        self.long_runs = long_runs

    def all_short(self, lo: int, hi: int) -> bool:
        a = bisect_left(self.starts, lo)  # first word inside [lo, hi)
        b = bisect_right(self.ends, hi)  # one past the last word inside
        first_long_end = a + _LIST_ITEM_WORDS  # a long run needs this many words before it
        if b <= first_long_end:
            return True
        return self.long_runs[b] - self.long_runs[first_long_end] == 0


@lru_cache(maxsize=64)
def _list_shape(sentence: str) -> _ListShape:
    return _ListShape(sentence)


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
    assertion = _assess(sentence, triggers, _word_starts(sentence), start, end, rules)
    return _with_item(assertion, sentence, start, end, rules)


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
    assertion = _with_section(assertion, _SectionIndex(sections), start)
    return _with_item(assertion, sentence, *target, rules)


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
        assertion = _with_section(assertion, self._sections, start)
        return _with_item(assertion, sentence, t_start, t_end, rules)


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
