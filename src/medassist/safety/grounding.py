"""Layer 2, grounding: every fact of a generated text must be supported by the note.

:func:`check_grounding` checks, in a generated text (a summary, a model's answer):

- numbers with their units (``38.5 °C`` = ``38.5C`` = ``101.3 °F``; ``0.5 g`` = ``500 mg``;
  ``50 mg`` is *not* ``50 mcg``), against the note's numbers and the extracted facts;
- medications (generic or brand names) and their doses, which must be documented for the
  same drug;
- entities and other content words (symptoms, conditions, findings, modifiers), with
  synonyms and abbreviations (``SOB`` = ``shortness of breath``);
- claims about those entities: a negation flip (note: *denies chest pain*; summary: *chest
  pain*) and an experiencer flip (note: *mother had breast cancer*; summary: *patient has
  breast cancer*) are unsupported even though the words are in the note.

When the text engine's matcher is installed (``medassist.text.matcher.find_entities``) its
entities add preferred-name matching (``heart attack`` = ``MI``) on top of the lexicon.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from medassist.safety.lexicon import Mention, TextAnalysisView, analyse, similar_stems, stem
from medassist.safety.models import GroundingItem, GroundingReport
from medassist.safety.quantities import Quantity, find_quantities, normalise_unit, same_quantity
from medassist.schemas.common import Span
from medassist.text.number_words import word_value as word_value_of

if TYPE_CHECKING:  # pragma: no cover
    from medassist.schemas.text import TextExtraction

__all__ = ["check_grounding", "SourceIndex"]

#: dimensions of the one unit table (medassist.text.units) that a dose is written in
_DOSE_DIMS = frozenset(
    {
        "mass",
        "volume",
        "iu_amount",
        "form_tablet",
        "form_capsule",
        "form_puff",
        "form_drop",
        "dose_rate",
        "unit_rate",
        "dose_rate_kg",
        "unit_rate_kg",
        "dose_per_kg",
        "dose_per_kg_day",
        "volume_rate",
        "eq_conc",
    }
)
_DOSE_WINDOW = 40  # characters between a drug name and its dose


class SourceIndex:
    """Source-side data of grounding, computed once per note (reuse it for many texts)."""

    def __init__(self, source: str, facts: TextExtraction | None = None) -> None:
        self.source = source
        self.view = analyse(source)
        self.quantities = _source_quantities(source, facts)
        self.doses = _dose_map(_doses(self.view, list(_cached_quantities(source))))
        #: mentions the text engine extracted from the source (names, context), by concept
        self.extra: dict[str, list[Mention]] = {}
        if facts is not None:
            self._add_facts(facts)

    def _add(self, concept: str, mention: Mention) -> None:
        self.extra.setdefault(concept, []).append(mention)

    def _add_facts(self, facts: TextExtraction) -> None:
        for med in facts.medications:
            names = {med.name.lower().strip(), med.text.lower().strip()}
            for name in list(names):
                names.update(p.strip() for p in re.split(r"[,/]| and ", name) if p.strip())
            ctx = med.context
            for name in names:
                mention = Mention(
                    "drug:" + name, med.start, med.end, med.text, -1, ctx.negated, ctx.family, True
                )
                self._add("drug:" + name, mention)
                for word in re.findall(r"[a-z][a-z'-]{2,}", name):
                    self._add(stem(word), mention)
                for value in (med.dose, med.dose_max):
                    if value is not None and med.unit:
                        q = Quantity(
                            float(value),
                            normalise_unit(med.unit),
                            med.start,
                            med.end,
                            f"{value:g} {med.unit}",
                        )
                        self.doses.setdefault(name, []).append(q)
        demo = facts.demographics
        if demo.sex:
            start, end = demo.sex_span or (0, 0)
            self._add(
                "g:" + demo.sex, Mention("g:" + demo.sex, start, end, demo.sex_text or demo.sex, -1)
            )
        for e in facts.entities:
            ctx = e.context
            family = ctx.family
            for text in {e.text.lower(), e.preferred.lower()}:
                mention = Mention("", e.start, e.end, e.text, -1, ctx.negated, family, False)
                for m in analyse(text, context=False).mentions:
                    self._add(m.concept, mention)


def check_grounding(
    generated: str,
    source: str,
    *,
    facts: TextExtraction | None = None,
    index: SourceIndex | None = None,
) -> GroundingReport:
    """Check every fact of ``generated`` against ``source`` (and ``facts`` extracted from it).

    Returns a :class:`GroundingReport`: ``unsupported`` items (kind ``number``, ``dose``,
    ``medication``, ``entity`` or ``claim``) carry their span in ``generated`` and a reason;
    ``supported`` items carry the span of the supporting text in the source.
    """
    report = GroundingReport()
    if not generated.strip():
        return report
    if index is None or index.source != source:
        index = SourceIndex(source, facts)
    gen = analyse(generated)
    src_quantities = index.quantities
    src_doses = index.doses
    gen_quantities = find_quantities(generated)
    gen_doses = _doses(gen, gen_quantities)

    dose_quantities: set[int] = set()
    unsupported_drugs: set[tuple[int, int]] = set()
    unit_spans = [(q.start, q.end) for q in gen_quantities if q.unit is not None]
    _check_mentions(gen, index, report, unsupported_drugs, unit_spans)
    for (d_start, d_end, drug), q in gen_doses:
        dose_quantities.add(q.start)
        if (d_start, d_end) in unsupported_drugs:
            continue
        documented = src_doses.get(drug, [])
        hit = next((s for s in documented if same_quantity(q, s) is True), None)
        if hit is not None:
            report.supported.append(
                GroundingItem(
                    text=q.text,
                    kind="dose",
                    span=Span(start=q.start, end=q.end),
                    reason=f"dose of {drug} documented",
                    source_span=_span(hit),
                )
            )
        else:
            where = ", ".join(s.text for s in documented) if documented else "no dose"
            report.unsupported.append(
                GroundingItem(
                    text=q.text,
                    kind="dose",
                    span=Span(start=q.start, end=q.end),
                    reason=f"the note documents {where} for {drug}, not {q.text}",
                )
            )
    for q in gen_quantities:
        if q.start in dose_quantities:
            continue
        _check_number(q, src_quantities, report, source)
    _add_engine_entities(generated, source, report, facts)
    report.supported.sort(key=lambda it: it.span.start)
    report.unsupported.sort(key=lambda it: it.span.start)
    return report


def _span(q: Quantity) -> Span | None:
    return Span(start=q.start, end=q.end) if q.end > q.start else None


def _check_number(
    q: Quantity, src_quantities: list[Quantity], report: GroundingReport, source: str = ""
) -> None:
    span = Span(start=q.start, end=q.end)
    if q.unit is None and q.value in _bare_numbers(source):
        report.supported.append(
            GroundingItem(text=q.text, kind="number", span=span, reason="digits documented")
        )
        return
    exact = [s for s in src_quantities if s.value == q.value]
    for s in exact + [
        s
        for s in src_quantities
        if s.value != q.value and s.unit is not None and q.unit is not None
    ]:
        if same_quantity(q, s) is True:
            report.supported.append(
                GroundingItem(
                    text=q.text,
                    kind="number",
                    span=span,
                    reason="value documented",
                    source_span=_span(s),
                )
            )
            return
    clash = [s for s in src_quantities if abs(s.value - q.value) < 1e-9 and s.unit and q.unit]
    if clash:
        reason = f"the unit differs from the note ({clash[0].text.strip()})"
    else:
        reason = f"the value {q.text.strip()} does not appear in the note"
    report.unsupported.append(GroundingItem(text=q.text, kind="number", span=span, reason=reason))


@lru_cache(maxsize=32)  # bounded: texts (notes) are keys; do not keep many in memory
def _bare_numbers(source: str) -> frozenset[float]:
    """Every digit string of the source, also inside words (``DM2``, ``T2DM``)."""
    return frozenset(float(x) for x in re.findall(r"\d+(?:\.\d+)?", source))


def _source_quantities(source: str, facts: TextExtraction | None) -> list[Quantity]:
    out = list(_cached_quantities(source))
    if facts is None:
        return out
    for m in [*facts.vitals, *facts.labs]:
        for value, unit in ((m.value, m.unit), (m.normalized_value, m.normalized_unit)):
            if value is not None:
                out.append(
                    Quantity(float(value), normalise_unit(unit), 0, 0, f"{value:g} {unit or ''}")
                )
    for med in facts.medications:
        for value in (med.dose, med.dose_max):
            if value is not None:
                out.append(
                    Quantity(
                        float(value), normalise_unit(med.unit), 0, 0, f"{value:g} {med.unit or ''}"
                    )
                )
    out.extend(_reference_quantities([*facts.vitals, *facts.labs]))
    if facts.demographics.age is not None:
        out.append(Quantity(float(facts.demographics.age), normalise_unit("years"), 0, 0, "age"))
    return out


def _reference_quantities(measurements: list) -> list[Quantity]:  # type: ignore[type-arg]
    """The usual adult range bounds the engine's summary quotes for the measurements found."""
    try:
        from medassist.text.summary import reference_ranges

        ranges = reference_ranges()
    except Exception:  # noqa: BLE001 - no reference table: nothing to add
        return []
    out = []
    try:
        from medassist.text.catalogue import get_spec
    except ImportError:  # pragma: no cover
        get_spec = None  # type: ignore[assignment]
    for m in measurements:
        plausible = get_spec(m.name) if get_spec is not None else None
        if plausible is not None and plausible.range is not None:
            for bound in plausible.range:
                out.append(
                    Quantity(float(bound), normalise_unit(plausible.unit), 0, 0, "plausible range")
                )
        spec = ranges.get(m.name)
        if not spec:
            continue
        for key in ("low", "high"):
            value = spec.get(key)
            if isinstance(value, int | float):
                out.append(
                    Quantity(
                        float(value), normalise_unit(spec.get("unit")), 0, 0, f"reference {key}"
                    )
                )
    return out


@lru_cache(maxsize=32)  # bounded: texts (notes) are keys; do not keep many in memory
def _cached_quantities(source: str) -> tuple[Quantity, ...]:
    return tuple(find_quantities(source))


def _doses(view: TextAnalysisView, quantities: list[Quantity]) -> list:  # type: ignore[type-arg]
    """Pairs ((drug span), dose quantity) for each drug mention followed by a dose."""
    drugs = sorted(view.drug_spans)
    pairs = []
    for k, (start, end, name) in enumerate(drugs):
        limit = drugs[k + 1][0] if k + 1 < len(drugs) else len(view.text)
        sentence_end = next((b for a, b in view.sentences if a <= start < b), len(view.text))
        limit = min(limit, sentence_end, end + _DOSE_WINDOW)
        for q in quantities:
            if end <= q.start < limit and q.unit is not None and q.unit.dim in _DOSE_DIMS:
                pairs.append(((start, end, name), q))
    return pairs


def _dose_map(pairs: list) -> dict[str, list[Quantity]]:  # type: ignore[type-arg]
    out: dict[str, list[Quantity]] = {}
    for (_s, _e, name), q in pairs:
        out.setdefault(name, []).append(q)
    return out


def _find_support(m: Mention, index: SourceIndex) -> list[Mention]:
    src = index.view
    hits = src.by_concept.get(m.concept, []) + index.extra.get(m.concept, [])
    if hits or m.concept.startswith(("g:", "drug:")):
        if not hits and m.drug:  # a drug the engine named differently: try the plain word
            return index.extra.get(stem(m.text.lower()), []) + src.by_concept.get(
                stem(m.text.lower()), []
            )
        return hits
    for concept in src.by_prefix.get(m.concept[:3], ()):
        if similar_stems(m.concept, concept):
            return src.by_concept[concept] + index.extra.get(concept, [])
    return []


def _check_mentions(
    gen: TextAnalysisView,
    index: SourceIndex,
    report: GroundingReport,
    unsupported_drugs: set[tuple[int, int]],
    unit_spans: list[tuple[int, int]],
) -> None:
    pending: list[GroundingItem] = []
    in_units = {i for a, b in unit_spans for i in range(a, b)}
    for m in gen.mentions:
        if m.start in in_units and m.end - 1 in in_units:
            continue  # a unit ("°F"), checked with its number
        word_value = word_value_of(m.text)
        if word_value is not None:
            span = Span(start=m.start, end=m.end)
            known = word_value in _bare_numbers(index.source) or m.concept in index.view.by_concept
            item = GroundingItem(
                text=m.text,
                kind="number",
                span=span,
                reason="value documented"
                if known
                else f"the value {m.text} ({word_value:g}) does not appear in the note",
            )
            (report.supported if known else pending).append(item)
            continue
        kind = "medication" if m.drug else "entity"
        span = Span(start=m.start, end=m.end)
        support = _find_support(m, index)
        if not support:
            if m.drug:
                unsupported_drugs.add((m.start, m.end))
            pending.append(
                GroundingItem(
                    text=m.text,
                    kind=kind,
                    span=span,
                    reason=f"'{m.text}' is not mentioned in the note",
                )
            )
            continue
        same_context = [s for s in support if s.negated == m.negated and s.family == m.family]
        if same_context:
            s = same_context[0]
            report.supported.append(
                GroundingItem(
                    text=m.text,
                    kind=kind,
                    span=span,
                    reason="documented",
                    source_span=Span(start=s.start, end=s.end),
                )
            )
            continue
        if all(s.family != m.family for s in support):
            who = "a family member" if not m.family else "the patient"
            reason = f"experiencer flip: the note mentions '{m.text}' about {who}"
        elif m.negated:
            reason = f"negation flip: the note affirms '{m.text}'"
        else:
            reason = f"negation flip: the note negates '{m.text}'"
        pending.append(GroundingItem(text=m.text, kind="claim", span=span, reason=reason))
    report.unsupported.extend(_merge_adjacent(pending, gen.text))


def _merge_adjacent(items: list[GroundingItem], text: str) -> list[GroundingItem]:
    merged: list[GroundingItem] = []
    for it in items:
        if merged:
            last = merged[-1]
            gap = text[last.span.end : it.span.start]
            if last.kind == it.kind and len(gap) <= 2 and gap.strip(" -") == "":
                merged[-1] = GroundingItem(
                    text=text[last.span.start : it.span.end],
                    kind=last.kind,
                    span=Span(start=last.span.start, end=it.span.end),
                    reason=last.reason
                    if last.kind == "claim"
                    else f"'{text[last.span.start : it.span.end]}' is not mentioned in the note",
                )
                continue
        merged.append(it)
    return merged


def _add_engine_entities(
    generated: str, source: str, report: GroundingReport, facts: TextExtraction | None = None
) -> None:
    """The text engine's matcher, when installed, resolves synonyms the lexicon lacks.

    An ``entity`` item the lexical pass found unsupported is moved to ``supported`` when it
    lies inside an engine entity whose preferred name or code is also in the source. The
    engine never adds unsupported items: the lexical pass already covers every word.
    """
    if not any(it.kind == "entity" for it in report.unsupported):
        return
    find = _engine_matcher()
    if find is None:
        return
    try:
        gen_entities = find(generated)
        src_entities = (
            facts.entities if facts is not None and facts.entities else _engine_entities(source)
        )
    except Exception:  # noqa: BLE001 - an engine failure leaves the lexical check in force
        return
    known = {e.preferred.lower() for e in src_entities} | {e.code for e in src_entities if e.code}
    for e in gen_entities:
        if e.preferred.lower() not in known and e.code not in known:
            continue
        keep = []
        for it in report.unsupported:
            if it.kind == "entity" and e.start <= it.span.start and it.span.end <= e.end:
                report.supported.append(
                    it.model_copy(update={"reason": f"documented as '{e.preferred}'"})
                )
            else:
                keep.append(it)
        report.unsupported = keep


@lru_cache(maxsize=16)
def _engine_entities(source: str) -> tuple:  # type: ignore[type-arg]
    find = _engine_matcher()
    return tuple(find(source)) if find is not None else ()


@lru_cache(maxsize=1)
def _engine_matcher():  # type: ignore[no-untyped-def]
    try:
        from medassist.text.matcher import find_entities
    except ImportError:
        return None
    return find_entities
