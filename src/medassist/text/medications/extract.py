"""One Medication per drug mention: windows, sig, status, allergen."""

from __future__ import annotations

import re
from bisect import bisect_right

from medassist.errors import InputError
from medassist.schemas.common import Span
from medassist.schemas.text import Entity, Medication, Section
from medassist.text.medications.dose import (
    _MAX_BACKWARD,
    _MAX_FORWARD,
    _NO_BARE_DOSE,
    _line_end,
    _line_start,
)
from medassist.text.medications.prose import (
    DoseSpan,
    forward_dose,
    linked_to_next,
    preposed_dose,
    respective_doses,
)
from medassist.text.medications.scopes import status_overrides
from medassist.text.medications.sig import Sig, item_end, parse_sig
from medassist.text.medications.status import (
    _CLAUSE_END,
    _MED_LABEL,
    _allergy_cue_before,
    _status_after,
    _status_before,
)

# --- windows and status ------------------------------------------------------------------------


class _SpanIndex:
    """Finds the span (sentence or section) holding an offset in O(log n)."""

    def __init__(self, spans: list[tuple[int, int, str | None]]) -> None:
        self._spans = sorted(spans, key=lambda span: (span[0], span[1]))
        self._starts = [start for start, _, _ in self._spans]

    def at(self, pos: int) -> tuple[int, int, str | None] | None:
        i = bisect_right(self._starts, pos) - 1
        for j in range(i, max(i - 8, -1), -1):  # the latest span that still covers pos
            start, end, _ = self._spans[j]
            if pos < max(end, start + 1):
                return self._spans[j]
        return None


def _is_medication(entity: Entity) -> bool:
    return str(entity.category) == "medication"


def extract_medications(
    text: str, sentences: list[Span], sections: list[Section], entities: list[Entity]
) -> list[Medication]:
    """One :class:`Medication` per medication entity, with its sig and status parsed."""
    if not isinstance(text, str):
        raise InputError("Medication extraction needs text (a str).", got=type(text).__name__)
    meds = sorted(
        (e for e in entities if _is_medication(e) and 0 <= e.start < e.end <= len(text)),
        key=lambda e: (e.start, -e.end),
    )
    unique: list[Entity] = []
    for entity in meds:
        if unique and entity.start < unique[-1].end:
            continue  # overlapping mention: keep the first (longest) one
        unique.append(entity)

    sentence_index = _SpanIndex([(span.start, span.end, None) for span in sentences])
    section_index = _SpanIndex([(sec.start, sec.end, sec.name) for sec in sections])
    out: list[Medication] = []
    taken: set[int] = set()  # start offsets of the doses already given to a mention
    overrides = status_overrides(text, unique)
    respectively = respective_doses(text, [(e.start, e.end) for e in unique])
    for index, entity in enumerate(unique):
        next_start = unique[index + 1].start if index + 1 < len(unique) else len(text)
        prev_end = unique[index - 1].end if index > 0 else 0

        reach = _reach(text, unique, index)
        if reach[1] == entity.end and reach[0] != next_start:
            # the same drug in brackets ("prednisolone (PSL) ... for two weeks"): one sig
            next_start = reach[0] if reach[0] is not None else len(text)
        stop = min(_line_end(text, entity.end, _MAX_FORWARD), next_start)
        after = text[entity.end : stop]
        clause = _CLAUSE_END.search(after)
        if clause is not None:
            after = after[: clause.start()]
        cut = item_end(after)  # "aspirin 75 mg od, GTN spray prn": the prn is not aspirin's
        next_is_drug = (
            clause is None and cut == len(after) and index + 1 < len(unique) and stop == next_start
        )
        after = after[:cut]

        sentence = sentence_index.at(entity.start)
        back_start = max(
            _line_start(text, entity.start, _MAX_BACKWARD), sentence[0] if sentence else 0
        )
        back = text[back_start : entity.start]
        cut = max(back.rfind(";"), _last_clause_end(back))
        if cut >= 0:
            back = back[cut + 1 :]
        # the dose/route of the previous drug is not ours
        dose_back = text[max(back_start, prev_end) : entity.start]

        sig = parse_sig(after, dose_back, entity.text)
        if sig.unit is None and entity.preferred in _NO_BARE_DOSE:
            sig.dose = sig.dose_max = None
        _attach_prose_dose(
            text,
            sig,
            entity,
            dose_lo=entity.start - len(dose_back),
            hi=sentence[1] if sentence else _line_end(text, entity.end, 200),
            reach=reach,
            respective=respectively.get(index),
            taken=taken,
        )
        status_post, strong = _status_after(after, next_is_drug)
        status_pre = _status_before(back)
        # a passive cue after the drug ("was stopped") is the latest news; else the closest
        # cue before it, else a bare cue after it ("Lasix held")
        status = status_post if strong and status_post else (status_pre or status_post)
        status = overrides.get(index, status)  # a list label, an exception, a switch
        section = entity.section
        if section is None:
            holder = section_index.at(entity.start)
            section = holder[2] if holder else None
        if status is None:
            in_list = section == "medications" or bool(
                _MED_LABEL.match(text, _line_start(text, entity.start, 600), entity.start)
            )
            status = "active" if in_list else "unknown"

        allergen = section == "allergies" or _allergy_cue_before(text, entity.start)
        if allergen and status == "active":
            status = "unknown"
        out.append(
            Medication(
                name=entity.preferred or entity.text,
                text=entity.text,
                start=entity.start,
                end=entity.end,
                drugbank_id=entity.code if entity.code_system in (None, "DrugBank") else None,
                dose=sig.dose,
                dose_max=sig.dose_max,
                unit=sig.unit,
                strength=sig.strength,
                route=sig.route,
                frequency=sig.frequency,
                as_needed=sig.as_needed,
                prn_reason=sig.prn_reason,
                duration=sig.duration,
                status=status,  # type: ignore[arg-type]
                section=section,
                allergen=allergen,
                context=entity.context.model_copy(
                    update={"triggers": dict(entity.context.triggers)}
                ),
            )
        )
    return out


_OPENS_ASIDE = re.compile(r"\s*[(\[]\s*$")
#: a mention in brackets right after one to three words: "intravenous immunoglobulin (IVIg"
_BRACKETED = re.compile(r"(?P<name>(?:[A-Za-z][\w-]*\s+){0,2}[A-Za-z][\w-]*)\s*\(\s*$")


def _reach(text: str, unique: list[Entity], index: int) -> tuple[int | None, int]:
    """(start of the next mention that bounds this one's reach, where its doses may start).
    A mention inside a bracket opened right after this name is an aside ("sunitinib (Sutent;
    Pfizer) 50 mg/day"): the reach runs past the bracket to the next mention after it, and
    only a dose after the bracket counts ("a calcium channel blocker (nifedipine 40 mg)" gives
    the class nothing)."""
    end = unique[index].end
    j = index + 1
    if j >= len(unique):
        return None, end
    if _OPENS_ASIDE.match(text[end : unique[j].start]):
        close = text.find(")", unique[j].end, unique[j].end + 80)
        if close >= 0:
            # the same drug in brackets ("alprostadil (prostaglandin E1, 10 µg/day)"): the
            # bracket's dose is this mention's too
            alias = unique[j].preferred == unique[index].preferred
            while j < len(unique) and unique[j].start < close:
                j += 1
            return (unique[j].start if j < len(unique) else None), end if alias else close
    return unique[j].start, end


def _use(sig: Sig, dose: DoseSpan, source: str) -> None:
    sig.dose, sig.dose_max, sig.unit = dose.dose, dose.dose_max, dose.unit
    sig.source, sig.span = source, (dose.start, dose.end)
    if sig.frequency is None and dose.unit and ("/hr" in dose.unit or "/min" in dose.unit):
        sig.frequency = "continuous"  # a rate: "norepinephrine at 0.05 mcg/kg/min"


def _attach_prose_dose(
    text: str,
    sig: Sig,
    entity: Entity,
    *,
    dose_lo: int,
    hi: int,
    reach: tuple[int | None, int],
    taken: set[int],
    respective: DoseSpan | None = None,
) -> None:
    """Give the mention a dose written in prose when the sig parser found none next to it (or
    only a concentration, or one reached loosely); record the dose as taken (absolute span)."""
    if sig.span is not None:  # make the span absolute
        base = dose_lo if sig.source == "before" else entity.end
        sig.span = (base + sig.span[0], base + sig.span[1])
        if sig.span[0] in taken and sig.source in ("loose", "before"):
            sig.dose = sig.dose_max = sig.unit = sig.source = sig.span = None
    bound, not_before = reach
    next_start = bound if not_before == entity.end else None
    if respective is not None and sig.source not in ("head", "combo"):
        _use(sig, respective, "respectively")
        taken.add(respective.start)
        return
    weak = sig.dose is None or sig.source in ("loose", "before", "count") or sig.unit == "%"
    if weak and sig.source != "combo":
        pre = preposed_dose(text, dose_lo, entity.start, taken)
        if pre is None and (
            bracket := _BRACKETED.search(text, max(0, entity.start - 40), entity.start)
        ):
            # "1 g/kg of intravenous immunoglobulin (IVIg)": the abbreviation stands for the
            # words before the bracket, which carry the preposed dose
            pre = preposed_dose(text, dose_lo, bracket.start("name"), taken)
        if pre is not None:
            _use(sig, pre, "preposed")
        elif (
            sig.source == "loose"
            and sig.span is not None
            and next_start is not None
            and linked_to_next(text, sig.span[1], next_start)
        ):
            # "2 mg of midazolam with 50 mcg of fentanyl": the loose dose is fentanyl's
            sig.dose = sig.dose_max = sig.unit = sig.source = sig.span = None
    if (sig.dose is None or sig.unit == "%") and sig.source != "combo":
        found = forward_dose(text, entity.end, hi, bound, taken, not_before=not_before)
        if found is not None:
            _use(sig, found, "forward")
    if sig.span is not None and sig.dose is not None:
        taken.add(sig.span[0])


def _last_clause_end(back: str) -> int:
    last = -1
    for match in _CLAUSE_END.finditer(back):
        if match.end() < len(back):
            last = match.start()
    return last
