"""Dictionary entity matcher: symptoms, conditions and procedures (+ drug mentions).

The vocabularies (the core hand lexicon, the curated abbreviations, ICD-10-CM and HPO terms:
:mod:`medassist.text.vocab.index`) are one token trie, built once per machine and cached on
disk. The note is tokenised once; each token is keyed lower-cased and spelling-normalised
(British and American spellings meet); the trie is walked from each token: leftmost-longest,
no overlaps, on whole tokens, case-insensitive except for abbreviations, which match only as
written. On equal spans the core lexicon wins, then abbreviations, ICD-10-CM, HPO. Cost is
linear in the note (a walk is bounded by the longest term).

Precision guards:

* ambiguous core abbreviations ("guarded") are never taken inside a header, right before a
  colon or inside a run of capitalised tokens (a motor-strength table);
* ambiguous curated abbreviations name a context class (``AF``: cardiac, ``MS``: neuro): they
  are taken only with a word of that class within a few tokens on the same line, as an item of
  a list of other clinical concepts, or when read so elsewhere in the note (one sense per
  discourse); never as a header;
* no concept is taken inside a known section header (``"PAST MEDICAL HISTORY:"``);
* generated terms (ICD-10-CM, HPO, abbreviations) on a drug's line in a medications or
  allergies section are not reported (an indication or a reaction there is not a documented
  condition);
* a condition named by a one-word descriptor of the patient's state ("Exam: anxious", "pt
  anxious re results", "depressed", "dehydrated"; adjectives in -ic/-ive only in an
  examination section) is a finding (category symptom, no diagnosis code), not the condition;
* a condition written right before a test, screen, vaccination, service or risk word ("HIV
  clinic", "DM screen", "HCV PCR", "COVID booster") names that, not the patient's condition.

Drug mentions come from :func:`medassist.text.drugs.find_drug_mentions`; a drug mention replaces
the lexicon matches it overlaps only when it is longer than each of them.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Any

from medassist.schemas.text import Entity, EntityCategory, Section
from medassist.text.lexicons import TOKEN_RE, Concept
from medassist.text.vocab.guards import (
    before_colon,
    context_support,
    in_abbreviation_run,
    labelled,
    names_a_service,
    supported,
    with_modifiers,
)
from medassist.text.vocab.index import END, token_key, vocabulary_index

__all__ = ["find_entities", "find_concepts", "matcher_size", "vocabulary_sizes"]

#: sections where generated vocabularies report nothing
_QUIET_SECTIONS = frozenset({"medications", "allergies"})
_EXAM_SECTIONS = frozenset({"exam"})
#: a one-word descriptor of the patient's state ("anxious", "tearful", "agitated", "depressed"):
#: a finding wherever it is written; adjectives in -ic/-ive/-ish only in an examination
_DESCRIPTOR = re.compile(r"[a-z]+(?:ous|ful|ed)", re.IGNORECASE)
_EXAM_DESCRIPTOR = re.compile(r"[a-z]+(?:ic|ive|ish)", re.IGNORECASE)


@dataclass(slots=True)
class _Matcher:
    root: dict[str, Any]
    rows: list[tuple[str, str, str | None, str | None, str]]
    sizes: dict[str, int]
    sources: dict[str, str]
    contexts: dict[str, frozenset[str]]
    context_sections: dict[str, frozenset[str]]
    window: int
    terms: int = 0
    concepts: dict[int, Concept] = field(default_factory=dict)

    def concept(self, cid: int) -> Concept:
        found = self.concepts.get(cid)
        if found is None:
            preferred, category, code, system, vocab = self.rows[cid]
            found = Concept(
                preferred=preferred,
                category=category,
                code=code,
                synonyms=(),
                abbreviations=(),
                guarded=frozenset(),
                vocabulary=vocab,
                system=system if system != "ICD-10-CM" else None,
            )
            self.concepts[cid] = found
        return found


@lru_cache(maxsize=1)
def _matcher() -> _Matcher:
    from medassist.text.vocab.abbreviations import contexts

    data = vocabulary_index()
    spec = contexts()
    classes = {
        name: frozenset(token_key(w) for w in cls.words) for name, cls in spec.classes.items()
    }
    sections = {name: frozenset(cls.sections) for name, cls in spec.classes.items()}
    return _Matcher(
        root=data["trie"],
        rows=data["concepts"],
        sizes=data["sizes"],
        sources=data["sources"],
        contexts=classes,
        context_sections=sections,
        window=spec.window_tokens,
        terms=sum(data["sizes"].values()),
    )


def matcher_size() -> int:
    """Number of surface forms in the compiled matcher (builds it when needed)."""
    return _matcher().terms


def vocabulary_sizes() -> dict[str, int]:
    """Surface forms per vocabulary (core, abbreviations, icd10cm, hpo)."""
    return dict(_matcher().sizes)


class _SpanSet:
    """Spans answering "is [start, end) inside one of them" in O(log n): sorted by start, with
    the running maximum of their ends (inside some span <=> the largest end among spans that
    start at or before ``start`` reaches ``end``)."""

    __slots__ = ("_starts", "_max_ends")

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self._starts = [a for a, _ in spans]
        self._max_ends = list(accumulate((b for _, b in spans), max))

    def contains(self, start: int, end: int) -> bool:
        i = bisect_right(self._starts, start)
        return i > 0 and self._max_ends[i - 1] >= end


def _header_spans(text: str) -> tuple[_SpanSet, _SpanSet]:
    """(spans of known headers, spans of all headers): label start..colon."""
    from medassist.text.sections import find_headers

    known: list[tuple[int, int]] = []
    every: list[tuple[int, int]] = []
    for h in find_headers(text):
        span = (h.start, h.end)
        every.append(span)
        if h.canonical != "other":
            known.append(span)
    return _SpanSet(known), _SpanSet(every)


def _inside(spans: _SpanSet, start: int, end: int) -> bool:
    return spans.contains(start, end)


@dataclass(frozen=True, slots=True)
class _Aliases:
    exact: dict[str, str]  # shorthand word as written -> key of the full word
    any_case: dict[str, str]  # lower-cased shorthand word -> key of the full word
    #: shorthand written with punctuation ("d/o"): lower-cased first token -> [(tokens, key)]
    multi: dict[str, list[tuple[tuple[str, ...], str]]]
    modifiers: frozenset[str]
    heads: frozenset[str]  # words that make "<condition> <word>" a test, service, vaccine, risk


@lru_cache(maxsize=1)
def _aliases() -> _Aliases:
    from medassist.text.lexicons import term_tokens
    from medassist.text.vocab.abbreviations import token_aliases
    from medassist.text.vocab.terms import rules

    exact, any_case = token_aliases()
    single: dict[str, str] = {}
    multi: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for short, word in any_case.items():
        tokens = tuple(t.lower() for t in term_tokens(short))
        if len(tokens) > 1:
            multi.setdefault(tokens[0], []).append((tokens, token_key(word)))
        else:
            single[short] = token_key(word)
    return _Aliases(
        exact={k: token_key(v) for k, v in exact.items()},
        any_case=single,
        multi=multi,
        modifiers=frozenset(token_key(m) for m in rules().modifiers),
        heads=frozenset(token_key(h) for h in rules().not_condition_heads),
    )


def _tokenise(text: str, aliases: _Aliases) -> tuple[list[tuple[int, int]], list[str], list[str]]:
    """Token spans, tokens as written and their keys; shorthand written with punctuation and no
    spaces ("panic d/o") becomes one token keyed as its full word."""
    toks: list[tuple[int, int]] = []
    raw: list[str] = []
    keys: list[str] = []
    found = [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text)]
    i, n = 0, len(found)
    while i < n:
        start, end, tok = found[i]
        merged = False
        for tokens, key in aliases.multi.get(tok.lower(), ()):
            k = len(tokens)
            window = found[i : i + k]
            if (
                len(window) == k
                and all(w[2].lower() == t for w, t in zip(window, tokens, strict=True))
                and all(a[1] == b[0] for a, b in zip(window, window[1:], strict=False))
            ):
                toks.append((start, window[-1][1]))
                raw.append(text[start : window[-1][1]])
                keys.append(key)
                i += k
                merged = True
                break
        if not merged:
            toks.append((start, end))
            raw.append(tok)
            keys.append(token_key(tok))
            i += 1
    return toks, raw, keys


_PRIORITY = {"core": 0, "abbreviations": 1, "icd10cm": 2, "hpo": 3}


def _section_supports(
    compiled: _Matcher, sections: list[Section] | None, start: int, cls: str
) -> bool:
    if not sections:
        return False
    from medassist.text.sections import section_at

    return section_at(sections, start) in compiled.context_sections[cls]


def find_concepts(
    text: str, sections: list[Section] | None = None
) -> list[tuple[int, int, Concept]]:
    """Vocabulary matches as ``(start, end, concept)``, blocks excluded, sorted by start.

    Every token start gives its longest valid match; overlapping candidates are resolved by
    length in tokens, then vocabulary priority (core first), then position."""
    compiled = _matcher()
    root = compiled.root
    aliases = _aliases()
    toks, raw, keys = _tokenise(text, aliases)
    alts = [aliases.exact.get(t) or aliases.any_case.get(t.lower()) for t in raw]
    n = len(keys)
    headers: tuple[_SpanSet, _SpanSet] | None = None
    # (first token, last token, concept id, needs support)
    candidates: list[tuple[int, int, int, bool]] = []
    for i in range(n):
        node = root.get(keys[i])
        aliased = 0
        if node is None and alts[i] is not None:
            node = root.get(alts[i])
            aliased = 1
        if node is None:
            continue
        start = toks[i][0]
        best: tuple[int, int, int, bool] | None = None
        j = i
        while True:
            payloads = node.get(END)
            if payloads and aliased <= j - i:  # not made of aliased shorthand alone
                end = toks[j][1]
                for cid, exact, guard in payloads:
                    if exact is not None and (aliased or tuple(exact) != tuple(raw[i : j + 1])):
                        continue
                    support = False
                    if guard:
                        if before_colon(text, end) or labelled(text, start, end):
                            continue
                        core_guard = guard == 1 or (isinstance(guard, str) and guard[0] == "!")
                        if core_guard and in_abbreviation_run(text, start, end):
                            continue
                        if headers is None:
                            headers = _header_spans(text)
                        if _inside(headers[1], start, end):
                            continue
                        if isinstance(guard, str):
                            cls = guard.lstrip("!")
                            support = not (
                                _section_supports(compiled, sections, start, cls)
                                or context_support(
                                    compiled.contexts[cls], compiled.window, text, toks, keys, i, j
                                )
                            )
                    best = (i, j, cid, support)
                    break
            j += 1
            if j >= n:
                break
            nxt = node.get(keys[j])
            if nxt is None and alts[j] is not None:
                nxt = node.get(alts[j])
                aliased += nxt is not None
            if nxt is None:
                break
            node = nxt
        if best is not None:
            candidates.append(best)
    rows = compiled.rows
    candidates.sort(key=lambda c: (c[0] - c[1], _PRIORITY.get(rows[c[2]][4], 9), c[0]))
    taken = bytearray(n)
    chosen: list[tuple[int, int, int, bool]] = []
    for cand in candidates:
        first, last = cand[0], cand[1]
        if any(taken[first : last + 1]):
            continue
        taken[first : last + 1] = b"\x01" * (last - first + 1)
        chosen.append(cand)
    chosen.sort()
    out: list[tuple[int, int, Concept]] = []
    pending: list[int] = []  # indexes in ``out`` of context abbreviations without a context word
    for first, last, cid, needs_support in chosen:
        concept = compiled.concept(cid)
        if concept.category == "block":
            continue
        start, end = toks[first][0], toks[last][1]
        if headers is None:
            headers = _header_spans(text)
        if _inside(headers[0], start, end):
            continue
        if concept.category in ("condition", "symptom"):
            if names_a_service(text, toks, keys, last, aliases.heads):
                continue
            start = with_modifiers(text, toks, keys, aliases.modifiers, first, start, taken)
        if needs_support:
            pending.append(len(out))
        out.append((start, end, concept))
    if pending:
        out = supported(text, out, pending)
    return out


def _drug_mentions(text: str) -> list[Entity]:
    try:
        from medassist.text.drugs import find_drug_mentions
    except ImportError:  # the drug component is optional for this matcher
        return []
    found = list(find_drug_mentions(text))
    for e in found:
        if e.vocabulary is None:
            e.vocabulary = "drugs"
    return found


def _merge(lexical: list[Entity], drugs: list[Entity]) -> list[Entity]:
    """Drug mentions replace shorter overlapping lexical mentions; a lexical medication or an
    earlier drug mention wins an overlap. Linear-logarithmic (bisect) for non-overlapping
    lexical mentions (what :func:`find_concepts` returns); quadratic fallback otherwise."""
    if not drugs:
        return lexical
    ordered = sorted(lexical, key=lambda e: (e.start, e.end))
    if all(a.end <= b.start for a, b in zip(ordered, ordered[1:], strict=False)):
        return _merge_sorted(ordered, drugs)
    return _merge_any(lexical, drugs)


def _merge_sorted(lexical: list[Entity], drugs: list[Entity]) -> list[Entity]:
    starts = [e.start for e in lexical]
    ends = [e.end for e in lexical]  # sorted too: the mentions do not overlap
    alive = [True] * len(lexical)
    accepted: list[Entity] = []
    accepted_end = -1
    for drug in sorted(drugs, key=lambda e: (e.start, -(e.end - e.start))):
        if accepted_end > drug.start:
            continue  # overlaps an accepted drug mention (a medication)
        lo, hi = bisect_right(ends, drug.start), bisect_left(starts, drug.end)
        overlapping = [i for i in range(lo, hi) if alive[i]]
        if any(lexical[i].category == EntityCategory.medication for i in overlapping):
            continue
        length = drug.end - drug.start
        if all(length > (lexical[i].end - lexical[i].start) for i in overlapping):
            for i in overlapping:
                alive[i] = False
            accepted.append(drug)
            accepted_end = max(accepted_end, drug.end)
    result = [e for e, keep in zip(lexical, alive, strict=True) if keep] + accepted
    result.sort(key=lambda e: (e.start, e.end))
    return result


def _merge_any(lexical: list[Entity], drugs: list[Entity]) -> list[Entity]:
    result = list(lexical)
    for drug in sorted(drugs, key=lambda e: (e.start, -(e.end - e.start))):
        overlapping = [e for e in result if e.start < drug.end and drug.start < e.end]
        length = drug.end - drug.start
        if any(e.category == EntityCategory.medication for e in overlapping):
            continue  # overlapping drug mentions: the first (longest at that start) stays
        if all(length > (e.end - e.start) for e in overlapping):
            for e in overlapping:
                result.remove(e)
            result.append(drug)
    result.sort(key=lambda e: (e.start, e.end))
    return result


def _entity(text: str, start: int, end: int, concept: Concept, section: str | None) -> Entity:
    category = concept.category
    code, system, preferred = concept.code, concept.code_system, concept.preferred
    surface = text[start:end]
    descriptor = _DESCRIPTOR.fullmatch(surface) or (
        section in _EXAM_SECTIONS and _EXAM_DESCRIPTOR.fullmatch(surface)
    )
    if category == "condition" and descriptor and surface.lower() != preferred.lower():
        # "Exam: anxious", "pt anxious re results": a finding, not the condition anxiety
        category, code, system, preferred = "symptom", None, None, surface.lower()
    return Entity(
        text=surface,
        start=start,
        end=end,
        category=EntityCategory(category),
        preferred=preferred,
        code_system=system,
        code=code,
        vocabulary=concept.vocabulary,
    )


def find_entities(text: str, sections: list[Section] | None = None) -> list[Entity]:
    """Symptom, condition, procedure and medication mentions in ``text``, sorted by offset.

    ``sections`` (from :func:`medassist.text.sections.detect_sections`) enable the
    section-aware guards; without them the note's sections are detected here."""
    if not isinstance(text, str):
        from medassist.errors import InputError

        raise InputError("find_entities expects text (str)")
    from medassist.text.sections import detect_sections, section_at

    if sections is None:
        sections = detect_sections(text)
    lexical: list[Entity] = []
    quiet: list[int] = []
    for start, end, concept in find_concepts(text, sections):
        section = section_at(sections, start) if sections else None
        if concept.vocabulary != "core" and section in _QUIET_SECTIONS:
            quiet.append(len(lexical))
        lexical.append(_entity(text, start, end, concept, section))
    drugs = _drug_mentions(text)
    if quiet:
        lexical = _unquiet(text, lexical, quiet, drugs)
    return _merge(lexical, drugs)


def _unquiet(
    text: str, lexical: list[Entity], quiet: list[int], drugs: list[Entity]
) -> list[Entity]:
    """Drop the generated-vocabulary mentions of a medications or allergies section that share
    a line with a drug ("metformin for T2DM", "penicillin - rash"): an indication or a reaction
    there is not a documented condition."""
    breaks = [m.start() for m in re.finditer("\n", text)]
    drug_lines = {bisect_right(breaks, d.start) for d in drugs}
    drop = {k for k in quiet if bisect_right(breaks, lexical[k].start) in drug_lines}
    return [e for k, e in enumerate(lexical) if k not in drop]
