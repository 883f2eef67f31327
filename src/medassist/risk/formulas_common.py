"""Shared helpers of the formula calculators (``formulas_*`` modules).

Small, pure helpers: number rendering for the substituted formula, band lookup, sex and date
normalisation, component construction and the lookup of note measurements by derive().
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from medassist.errors import CalculatorInputError
from medassist.risk.base import Band, Calculator, Component, Evidence, Fact, InputSpec, ScoreResult

if TYPE_CHECKING:  # pragma: no cover
    from medassist.risk.facts import NoteFacts

__all__ = [
    "SEX_INPUT",
    "SODIUM_INPUT",
    "fmt",
    "band_label",
    "norm_sex",
    "parse_date",
    "render_date",
    "require",
    "make_result",
    "components_for",
    "measurements",
    "nearest_mention",
    "same_panel",
    "sex_fact",
    "finding_value",
    "KDIGO_GFR_BANDS",
    "question_inputs",
]


def fmt(x: float | int) -> str:
    """Render a number for a substituted formula: up to 5 decimals, no trailing zeros."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int) or float(x).is_integer():
        return str(int(x)) if abs(x) < 1e15 else f"{x:g}"
    text = f"{x:.5f}".rstrip("0").rstrip(".")
    return text if text not in {"-0", ""} else "0"


def band_label(value: float, bands: Iterable[Band]) -> str | None:
    """The label of the first band with ``low <= value < high`` (open ends where None)."""
    for band in bands:
        if (band.low is None or value >= band.low) and (band.high is None or value < band.high):
            return band.label
    return None


#: serum sodium, shared by the electrolyte, acid-base and renal formulas
SODIUM_INPUT = InputSpec(
    name="sodium",
    label="Serum sodium",
    unit="mmol/L",
    minimum=80,
    maximum=220,
    derivation="serum sodium (mEq/L = mmol/L)",
)
#: the sex input shared by the formula calculators
SEX_INPUT = InputSpec(
    name="sex",
    label="Sex",
    type="choice",
    choices=["male", "female"],
    derivation="sex stated in the note (man/woman, male/female, he/she)",
)

_MALE = {"m", "male", "man", "boy", "men", "masculine"}
_FEMALE = {"f", "female", "woman", "girl", "women", "feminine"}


def norm_sex(value: Any, field: str = "sex") -> str:
    """'male' or 'female' from common spellings; CalculatorInputError otherwise."""
    text = str(value).strip().lower() if value is not None else ""
    if text in _MALE:
        return "male"
    if text in _FEMALE:
        return "female"
    raise CalculatorInputError(f"{field} must be 'male' or 'female' (got {value!r})", field=field)


_DATE_FORMATS = (
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%m-%d-%Y",
    "%Y/%m/%d",
    "%d %B %Y",
    "%B %d, %Y",
    "%B %d %Y",
)


def parse_date(value: Any, field: str) -> date:
    """A date from a ``date``/``datetime``, an ISO string or a US ``MM/DD/YYYY`` string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for form in _DATE_FORMATS:
            try:
                return datetime.strptime(text, form).date()
            except ValueError:
                continue
    raise CalculatorInputError(
        f"{field} must be a date (YYYY-MM-DD or MM/DD/YYYY), got {value!r}", field=field
    )


def render_date(value: date) -> str:
    """US rendering (MM/DD/YYYY) used in formulas and interpretations."""
    return value.strftime("%m/%d/%Y")


def require(values: Mapping[str, Any], *names: str) -> list[Any]:
    """The values of ``names``; CalculatorInputError naming the first one missing."""
    out = []
    for name in names:
        value = values.get(name)
        if value is None:
            raise CalculatorInputError(f"input {name!r} is required", field=name)
        out.append(value)
    return out


def components_for(calc: Calculator, values: Mapping[str, Any]) -> list[Component]:
    """One component per declared input that has a value (evidence is attached by the API)."""
    return [
        Component(name=spec.name, value=values[spec.name])
        for spec in calc.inputs
        if values.get(spec.name) is not None
    ]


def make_result(
    calc: Calculator,
    values: Mapping[str, Any],
    value: float | int | str | None,
    formula: str,
    *,
    bands: Iterable[Band] | None = None,
    interpretation: str | None = None,
    flags: list[str] | None = None,
    components: list[Component] | None = None,
    digits: int = 5,
) -> ScoreResult:
    """A ScoreResult for a formula: value rounded to ``digits``, band from ``bands``."""
    band = None
    if bands is None:
        bands = calc.bands or None
    if isinstance(value, float):
        value = round(value, digits)
        if value == 0:
            value = 0.0
    if bands is not None and isinstance(value, int | float):
        band = band_label(float(value), bands)
    return ScoreResult(
        calculator_id=calc.id,
        name=calc.name,
        value=value,
        unit=calc.unit,
        band=band,
        interpretation=interpretation if interpretation is not None else band,
        components=components if components is not None else components_for(calc, values),
        formula=formula,
        reference=calc.reference,
        flags=flags or [],
    )


# --- derive() helpers -------------------------------------------------------------------


def measurements(facts: NoteFacts, mapping: Mapping[str, str]) -> dict[str, Fact]:
    """``{input name: Fact}`` for each ``input name -> NoteFacts measurement key`` found."""
    from medassist.risk.readings import measure

    out: dict[str, Fact] = {}
    for input_name, key in mapping.items():
        fact = measure(facts, key)
        if fact is not None and fact.value is not None:
            out[input_name] = fact
    return out


def nearest_mention(facts: NoteFacts, key: str, anchor: int) -> Fact | None:
    """The mention of measurement ``key`` closest (in characters) to note offset ``anchor``.

    Case reports often give several panels (admission, the next day, follow-up); a formula
    whose inputs must come from one sample takes each input from the panel of an anchor
    input. Mentions whose wording shows they are not the patient's serum value (urine, ratio,
    target, reference range) are skipped; an earlier mention wins a tie."""
    from medassist.risk.readings import suspicious

    mentions = [
        f
        for f in facts.measurements(key)
        if isinstance(f.value, int | float)
        and not isinstance(f.value, bool)
        and f.evidence.start is not None
        and not suspicious(key, f, facts)
    ]
    if not mentions:
        return None
    return min(mentions, key=lambda f: (abs((f.evidence.start or 0) - anchor), f.evidence.start))


def _sentence_bounds(facts: NoteFacts, offset: int) -> tuple[int, int]:
    """The (start, end) of the note's sentence holding offset ``offset``."""
    sentences = facts.sentences
    i = bisect_right([s.start for s in sentences], offset) - 1
    if i >= 0 and offset < sentences[i].end:
        return sentences[i].start, sentences[i].end
    return offset, offset + 1


def same_panel(
    facts: NoteFacts, found: Mapping[str, Fact], anchor: str, keys: Iterable[str]
) -> dict[str, Fact]:
    """``found`` with ``keys`` taken from the laboratory panel of input ``anchor``.

    When the anchor (e.g. the albumin of an albumin-corrected anion gap) was measured with a
    later panel than the first mentions of ``keys`` ("labs were repeated: sodium 129, chloride
    95 and albumin 2.6"), the formula needs one sample: every key comes from the anchor's
    sentence when it is there, otherwise from the mention nearest the anchor (a blood gas of
    the same time). When the anchor's sentence re-states none of ``keys`` (an albumin in a
    separate liver panel of the same draw), ``found`` is returned unchanged."""
    out = dict(found)
    fact = found.get(anchor)
    if fact is None or fact.evidence.start is None:
        return out
    lo, hi = _sentence_bounds(facts, fact.evidence.start)

    def inside(f: Fact) -> bool:
        return f.evidence.start is not None and lo <= f.evidence.start < hi

    keys = [k for k in keys if out.get(k) is not None]
    local = {k: [f for f in facts.measurements(k) if inside(f)] for k in keys}
    if not any(local.values()):
        return out
    for k in keys:
        near = nearest_mention(facts, k, fact.evidence.start)
        if near is not None:
            out[k] = near
    return out


def sex_fact(facts: NoteFacts) -> Fact | None:
    """The patient's sex as 'male'/'female', from the note's demographics or wording (read
    once per note)."""
    key = ("formula_sex",)
    if key not in facts._memo:
        facts._memo[key] = _sex_fact(facts)
    return facts._memo[key]


def _sex_fact(facts: NoteFacts) -> Fact | None:
    """Sex only from the text engine's one age/sex reader (never from a pronoun here)."""
    fact = facts.measurement("sex")
    if fact is None:
        return None
    try:
        return Fact(value=norm_sex(fact.value), evidence=fact.evidence)
    except CalculatorInputError:
        return None


def finding_value(facts: NoteFacts, rule: str, group: int = 1, convert: Any = float) -> Fact | None:
    """A Fact from the first finding of a match rule (value: ``convert`` of capture group
    ``group``, 1-based as in :mod:`re`)."""
    found = facts.matches(rule)
    if not found:
        return None
    f = found[0]
    raw = f.groups[group - 1] if len(f.groups) >= group else None
    try:
        value = convert(raw)
    except (TypeError, ValueError):
        return None
    return Fact(
        value=value, evidence=Evidence(source="note", text=f.text, start=f.start, end=f.end)
    )


#: KDIGO 2012 GFR categories (mL/min/1.73 m²), worded without a diagnosis.
KDIGO_GFR_BANDS: list[Band] = [
    Band(label="G5 range (<15 mL/min/1.73 m²)", low=None, high=15),
    Band(label="G4 range (15-29 mL/min/1.73 m²)", low=15, high=30),
    Band(label="G3b range (30-44 mL/min/1.73 m²)", low=30, high=45),
    Band(label="G3a range (45-59 mL/min/1.73 m²)", low=45, high=60),
    Band(label="G2 range (60-89 mL/min/1.73 m²)", low=60, high=90),
    Band(label="G1 range (>=90 mL/min/1.73 m²)", low=90, high=None),
]


# --- inputs stated in a question rather than in the note -----------------------------------

_QUESTION_NUMBERS: dict[str, tuple[str, str]] = {
    # input name: (calculator ids joined by "|", pattern whose group 1 is the value)
    "target_sodium": (
        "free_water_deficit",
        r"(?:ideal|desired|target)\s+(?:serum\s+)?sodium(?:\s+concentration)?\s+"
        r"(?:is|of|to be|=)?\s*(?:to be\s+)?(\d+(?:\.\d+)?)",
    ),
    "normal_albumin": (
        "calcium_correction",
        r"normal albumin(?:\s+concentration)?\s+(?:is|of|to be|=)?\s*(?:to be\s+)?(\d+(?:\.\d+)?)\s*g/dL",
    ),
    "target_bmi": (
        "target_weight",
        r"target (?:body mass index|BMI)(?: \(BMI\))?(?: is| of|:|=)?\s*(\d+(?:\.\d+)?)",
    ),
}


def question_inputs(calculator_id: str, question: str) -> dict[str, Any]:
    """Explicit inputs stated in a question (e.g. the steroid to convert to, the desired
    sodium), for calculators whose question carries part of the task."""
    out: dict[str, Any] = {}
    if not question:
        return out
    for name, (ids, pattern) in _QUESTION_NUMBERS.items():
        if calculator_id in ids.split("|"):
            match = re.search(pattern, question, re.I)
            if match is not None:
                out[name] = float(match.group(1))
    if calculator_id == "steroid_conversion":
        from medassist.risk.formulas_fluids_drugs import find_steroid

        _, _, target = find_steroid(question)
        if target is not None:
            out["target_steroid"] = target.value
    return out
