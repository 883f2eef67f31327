"""Fluid and drug-dose formulas: maintenance fluids (4-2-1 rule), morphine milligram
equivalents (CDC 2022 factors) and corticosteroid dose conversion."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar

from medassist.errors import CalculatorInputError
from medassist.risk.base import (
    Band,
    Calculator,
    Component,
    Evidence,
    Fact,
    InputSpec,
    ScoreResult,
    register,
)
from medassist.risk.formulas_common import fmt, make_result, measurements, require

if TYPE_CHECKING:  # pragma: no cover
    from medassist.risk.facts import NoteFacts

__all__ = [
    "MaintenanceFluids",
    "Mme",
    "SteroidConversion",
    "Opioid",
    "Steroid",
    "opioids",
    "steroids",
    "maintenance_rate",
    "find_opioid_doses",
    "find_steroid",
    "steroid_key",
]


# --- maintenance fluids ------------------------------------------------------------------


def maintenance_rate(weight: float) -> tuple[float, str]:
    """Holliday-Segar 4-2-1 rule: (mL/h, substituted formula)."""
    if weight < 10:
        value = 4 * weight
        return value, f"4 mL/kg/h × {fmt(weight)} kg = {fmt(value)} mL/h"
    if weight <= 20:
        value = 40 + 2 * (weight - 10)
        return value, f"40 mL/h + 2 mL/kg/h × ({fmt(weight)} - 10) kg = {fmt(value)} mL/h"
    value = 60 + (weight - 20)
    return value, f"60 mL/h + 1 mL/kg/h × ({fmt(weight)} - 20) kg = {fmt(value)} mL/h"


@register
class MaintenanceFluids(Calculator):
    id = "maintenance_fluids"
    name = "Maintenance fluids (4-2-1 rule)"
    reference = (
        "Holliday MA, Segar WE. The maintenance need for water in parenteral fluid therapy. "
        "Pediatrics 1957;19:823-832. PMID 13431307"
    )
    unit = "mL/h"
    relevance = 55
    inputs: ClassVar[list[InputSpec]] = [
        InputSpec(
            name="weight",
            label="Body weight",
            unit="kg",
            minimum=0.3,
            maximum=400,
            derivation="body weight stated in the note (lb/g converted to kg)",
        ),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        """Reported for children, or when fluids are discussed."""
        age = measurements(facts, {"age": "age"}).get("age")
        if age is not None and isinstance(age.value, int | float) and age.value < 18:
            return True
        return bool(facts.matches("fluids.maintenance_relevant"))

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        return measurements(facts, {"weight": "weight"})

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        (weight,) = require(values, "weight")
        value, formula = maintenance_rate(weight)
        return make_result(self, values, value, formula)


# --- data tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Opioid:
    key: str
    name: str
    unit: str  # the unit the factor applies to: mg, µg or µg/h
    factor: float
    aliases: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Steroid:
    key: str
    name: str
    equivalent_mg: float
    routes: tuple[str, ...]
    aliases: tuple[str, ...]


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("medassist.risk").joinpath("data", filename).read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@lru_cache(maxsize=1)
def opioids() -> dict[str, Opioid]:
    """The MME table (data/formulas_mme.tsv), keyed by opioid key."""
    return {
        row["key"]: Opioid(
            key=row["key"],
            name=row["name"],
            unit=row["unit"],
            factor=float(row["factor"]),
            aliases=tuple(a for a in row["aliases"].split("|") if a),
            note=row.get("note") or "",
        )
        for row in _rows("formulas_mme.tsv")
    }


@lru_cache(maxsize=1)
def steroids() -> dict[str, Steroid]:
    """The glucocorticoid equivalence table (data/formulas_steroids.tsv)."""
    return {
        row["key"]: Steroid(
            key=row["key"],
            name=row["name"],
            equivalent_mg=float(row["equivalent_mg"]),
            routes=tuple(row["routes"].split("|")),
            aliases=tuple(a for a in row["aliases"].split("|") if a),
        )
        for row in _rows("formulas_steroids.tsv")
    }


def _alias_pattern(aliases: dict[str, str]) -> re.Pattern[str]:
    ordered = sorted(aliases, key=len, reverse=True)
    body = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in ordered)
    return re.compile(rf"\b(?:{body})\b", re.I)


# --- MME -----------------------------------------------------------------------------------

#: a number, not starting inside another number, bounded (no backtracking over digit runs)
_NUMBER = r"(?<![\d.])(\d{1,7}(?:\.\d{1,6})?)(?!\d)"
_DOSE_RE = re.compile(
    _NUMBER + r"\s*(mg|mcg|µg|μg|ug|micrograms?|milligrams?)(\s*/\s*(?:h|hr|hour))?\b", re.I
)
_WORD_TIMES = {"once": 1, "twice": 2, "three": 3, "thrice": 3, "four": 4, "five": 5, "six": 6}
_FREQ_PATTERNS: list[tuple[re.Pattern[str], Any]] = [
    (
        re.compile(r"\b(\d+)\s*times?\s*(?:a|per|each|/)\s*day\b|\b(\d+)\s*times?\s*daily\b", re.I),
        lambda m: float(m.group(1) or m.group(2)),
    ),
    (
        re.compile(
            r"\b(once|twice|thrice|three|four|five|six)(?:\s*times)?\s*(?:a|per)?\s*(?:day|daily)\b",
            re.I,
        ),
        lambda m: float(_WORD_TIMES[m.group(1).lower()]),
    ),
    (
        re.compile(r"\b(?:q|every)\s*([1-9]\d{0,2})\s*(?:h|hrs?|hours?)\b", re.I),
        lambda m: 24 / float(m.group(1)),
    ),
    (re.compile(r"\b(?:bid|b\.i\.d\.?)(?!\w)", re.I), lambda m: 2.0),
    (re.compile(r"\b(?:tid|t\.i\.d\.?)(?!\w)", re.I), lambda m: 3.0),
    (re.compile(r"\b(?:qid|q\.i\.d\.?)(?!\w)", re.I), lambda m: 4.0),
    (
        re.compile(r"\b(?:qd|q\.d\.|daily|qhs|at bedtime|every day|per day|a day)\b", re.I),
        lambda m: 1.0,
    ),
]
_PARENTERAL_RE = re.compile(
    r"\b(?:iv|intravenous(?:ly)?|epidural|intrathecal|infusion|injection|im|intramuscular)\b", re.I
)
_SEGMENT_SPLIT_RE = re.compile(r"[;\n]|,(?!\d{3})|(?<=\.)\s+(?=[A-Z])")


@dataclass
class OpioidDose:
    key: str
    dose: float  # in the table unit of the opioid
    doses_per_day: float | None
    text: str
    start: int
    end: int
    note: str | None = None


def _frequency(segment: str) -> float | None:
    for pattern, value in _FREQ_PATTERNS:
        match = pattern.search(segment)
        if match is not None:
            return value(match)
    return None


def _fentanyl_key(segment: str, dose_match: re.Match[str] | None) -> str:
    if re.search(
        r"buccal|sublingual|lozenge|troche|lollipop|film|spray|fentora|actiq", segment, re.I
    ):
        return "fentanyl_buccal"
    if re.search(r"patch|transdermal|duragesic", segment, re.I):
        return "fentanyl_patch"
    if dose_match is not None and dose_match.group(3):
        return "fentanyl_patch"
    return "fentanyl_buccal"


def _to_table_unit(value: float, unit: str, opioid: Opioid) -> tuple[float, str | None]:
    unit = unit.lower()
    is_mg = unit.startswith("mg") or unit.startswith("milligram")
    if opioid.unit == "mg":
        return (value if is_mg else value / 1000), None
    # fentanyl: the factor applies to micrograms (or micrograms per hour)
    if not is_mg:
        return value, None
    if value >= 2:  # no fentanyl product is dosed in milligrams above ~1.6 mg
        return value, f"fentanyl dose written as {fmt(value)} mg: read as {fmt(value)} µg"
    return value * 1000, None


def find_opioid_doses(text: str) -> list[OpioidDose]:
    """Opioid doses and frequencies stated in ``text`` (oral/transdermal/transmucosal only)."""
    table = opioids()
    aliases = {alias: key for key, op in table.items() for alias in op.aliases}
    pattern = _alias_pattern(aliases)
    found: list[OpioidDose] = []
    position = 0
    for raw in _SEGMENT_SPLIT_RE.split(text):
        start = text.find(raw, position)
        position = start + len(raw) if start >= 0 else position
        names = list(pattern.finditer(raw))
        if not names:
            continue
        # several opioids joined by "and" in one clause: split at each name's dose
        pieces = _split_by_names(raw, names) if len(names) > 1 else [(0, raw)]
        for offset, piece in pieces:
            match = pattern.search(piece)
            if match is None or _PARENTERAL_RE.search(piece):
                continue
            dose_match = _DOSE_RE.search(piece)
            if dose_match is None:
                continue
            key = aliases[re.sub(r"\s+", " ", match.group(0).lower())]
            if table[key].key.startswith("fentanyl"):
                key = _fentanyl_key(piece, dose_match)
            opioid = table[key]
            dose, note = _to_table_unit(float(dose_match.group(1)), dose_match.group(2), opioid)
            per_day = _frequency(piece)
            if key == "fentanyl_patch" and (per_day is None or per_day < 1):
                per_day = 1.0  # a patch delivers its rate continuously; changes are not doses
            begin = (start if start >= 0 else 0) + offset
            found.append(
                OpioidDose(key, dose, per_day, piece.strip(), begin, begin + len(piece), note)
            )
    return found


def _split_by_names(segment: str, names: list[re.Match[str]]) -> list[tuple[int, str]]:
    """Cut a clause naming several opioids into one piece per name (at 'and'/'plus')."""
    cuts = [0]
    for previous, current in zip(names, names[1:], strict=False):
        between = segment[previous.end() : current.start()]
        joiner = re.search(r"\b(?:and|plus|with|as well as)\b", between, re.I)
        cuts.append(previous.end() + joiner.start() if joiner else current.start())
    cuts.append(len(segment))
    return [(cuts[i], segment[cuts[i] : cuts[i + 1]]) for i in range(len(cuts) - 1)]


def _mme_inputs() -> list[InputSpec]:
    specs: list[InputSpec] = []
    for op in opioids().values():
        specs.append(
            InputSpec(
                name=f"{op.key}_dose",
                label=f"{op.name} dose",
                unit=op.unit,
                required=False,
                minimum=0,
                maximum=100000,
                derivation=f"dose per administration of {op.name.lower()} in the note",
            )
        )
        specs.append(
            InputSpec(
                name=f"{op.key}_doses_per_day",
                label=f"{op.name} doses per day",
                type="number",
                required=False,
                minimum=0,
                maximum=48,
                derivation="'N times a day', bid/tid/qid, 'every N hours'; 1 when not stated",
            )
        )
    return specs


_MME_BANDS = [
    Band(label="below 50 MME/day", low=None, high=50),
    Band(
        label="50-89 MME/day (CDC: reassess benefits and risks before increasing)", low=50, high=90
    ),
    Band(
        label=">=90 MME/day (CDC: avoid or carefully justify increases to this level)",
        low=90,
        high=None,
    ),
]


@register
class Mme(Calculator):
    id = "mme"
    name = "Morphine milligram equivalents (MME) per day"
    reference = (
        "Dowell D, Ragan KR, Jones CM, Baldwin GT, Chou R. CDC Clinical Practice Guideline for "
        "Prescribing Opioids for Pain - United States, 2022. MMWR Recomm Rep 2022;71(RR-3):1-95. "
        "doi:10.15585/mmwr.rr7103a1. PMID 36327391"
    )
    unit = "MME/day"
    relevance = 50
    bands: ClassVar[list[Band]] = _MME_BANDS
    inputs: ClassVar[list[InputSpec]] = _mme_inputs()

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        totals: dict[str, list[OpioidDose]] = {}
        for item in find_opioid_doses(facts.text):
            totals.setdefault(item.key, []).append(item)
        for key, items in totals.items():
            evidence = [
                Evidence(source="note", text=i.text, start=i.start, end=i.end, note=i.note)
                for i in items
            ]
            if len(items) == 1:
                item = items[0]
                out[f"{key}_dose"] = Fact(value=item.dose, evidence=evidence[0])
                if item.doses_per_day is not None:
                    out[f"{key}_doses_per_day"] = Fact(
                        value=item.doses_per_day, evidence=evidence[0]
                    )
                continue
            # the same opioid several times: its daily total, as one dose a day
            total = sum(i.dose * (i.doses_per_day or 1) for i in items)
            combined = Evidence(
                source="derived",
                text=" | ".join(i.text for i in items),
                start=items[0].start,
                end=items[-1].end,
                note=f"{len(items)} regimens of the same opioid summed per day",
            )
            out[f"{key}_dose"] = Fact(value=total, evidence=combined)
            out[f"{key}_doses_per_day"] = Fact(value=1, evidence=combined)
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        terms: list[str] = []
        components: list[Component] = []
        flags: list[str] = []
        total = 0.0
        for op in opioids().values():
            dose = values.get(f"{op.key}_dose")
            if dose is None:
                continue
            per_day = values.get(f"{op.key}_doses_per_day")
            if per_day is None:
                per_day = 1
                flags.append(f"{op.name}: doses per day not stated, 1 assumed")
            mme = dose * per_day * op.factor
            total += mme
            terms.append(f"{fmt(dose)} {op.unit} × {fmt(per_day)}/day × {op.factor} ({op.name})")
            components.append(Component(name=f"{op.key}_dose", value=dose))
            components.append(Component(name=f"{op.key}_doses_per_day", value=per_day))
            if op.note and "not in the CDC" in op.note:
                flags.append(f"{op.name}: {op.note}")
        if not terms:
            raise CalculatorInputError(
                "no opioid dose given: provide <opioid>_dose (and <opioid>_doses_per_day)",
                field="morphine_dose",
            )
        formula = " + ".join(terms) + f" = {fmt(total)} MME/day"
        return make_result(
            self, values, total, formula, bands=_MME_BANDS, flags=flags, components=components
        )


# --- steroid conversion ---------------------------------------------------------------------

_ROUTE_RE = r"(?:\s+(IV|PO|IM|oral(?:ly)?|intravenous(?:ly)?|intramuscular))?"


def steroid_key(value: Any, field: str) -> str:
    """The table key of a corticosteroid named in ``value`` (route words are ignored)."""
    table = steroids()
    aliases = {alias: key for key, st in table.items() for alias in st.aliases}
    text = str(value or "")
    match = _alias_pattern(aliases).search(text)
    if match is None:
        names = ", ".join(st.name for st in table.values())
        raise CalculatorInputError(f"{field} must be one of: {names} (got {value!r})", field=field)
    return aliases[re.sub(r"\s+", " ", match.group(0).lower())]


@lru_cache(maxsize=1)
def _steroid_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(target steroid, dose + steroid) patterns, compiled once."""
    aliases = {alias: key for key, st in steroids().items() for alias in st.aliases}
    names = _alias_pattern(aliases).pattern[2:-2]  # the alternation without \b...\b
    target_re = re.compile(
        rf"(?:equivalent\s+(?:dose|dosage)[^.?\n]{{0,120}}?\bof|conver\w*\s+(?:[\w\s]{{1,60}}?\s)?(?:to|into)|"
        rf"target\s+steroid(?:\s+is|:)?)\s+(?:\w+\s+)?\b({names})\b{_ROUTE_RE}",
        re.I,
    )
    dose_re = re.compile(
        rf"{_NUMBER}\s{{0,3}}(mg|milligrams?|g|mcg|µg)\s+(?:of\s+)?(?:\w+\s+)?\b({names})\b{_ROUTE_RE}"
        rf"|\b({names})\b{_ROUTE_RE}\s{{0,3}}(?:\(\w+\)\s*)?(?:at\s+|of\s+)?{_NUMBER}\s{{0,3}}(mg|milligrams?|g)\b",
        re.I,
    )
    return target_re, dose_re


def find_steroid(text: str) -> tuple[Fact | None, Fact | None, Fact | None]:
    """(input steroid, its dose in mg, target steroid) stated in ``text``."""
    table = steroids()
    aliases = {alias: key for key, st in table.items() for alias in st.aliases}
    target_re, dose_re = _steroid_patterns()
    target = None
    target_match = target_re.search(text)
    if target_match is not None:
        target = Fact(
            value=aliases[re.sub(r"\s+", " ", target_match.group(1).lower())],
            evidence=Evidence(
                source="note",
                text=target_match.group(0),
                start=target_match.start(),
                end=target_match.end(),
            ),
        )
    for match in dose_re.finditer(text):
        if target_match is not None and target_match.start() <= match.start() < target_match.end():
            continue
        if match.group(1) is not None:
            amount, unit, name = float(match.group(1)), match.group(2), match.group(3)
        else:
            name, amount, unit = match.group(5), float(match.group(7)), match.group(8)
        unit = unit.lower()
        if unit == "g":
            amount *= 1000
        elif unit in {"mcg", "µg"}:
            amount /= 1000
        evidence = Evidence(
            source="note", text=match.group(0), start=match.start(), end=match.end()
        )
        key = aliases[re.sub(r"\s+", " ", name.lower())]
        return Fact(value=key, evidence=evidence), Fact(value=amount, evidence=evidence), target
    return None, None, target


def _steroid_choices() -> list[str]:
    """Each corticosteroid, bare and with each of its routes ('dexamethasone IV')."""
    out: list[str] = []
    for key, steroid in steroids().items():
        out.append(key)
        out.extend(f"{key} {route}" for route in steroid.routes)
    return out


@register
class SteroidConversion(Calculator):
    id = "steroid_conversion"
    name = "Corticosteroid dose conversion"
    reference = (
        "Liu D, et al. A practical guide to the monitoring and management of the complications "
        "of systemic corticosteroid therapy. Allergy Asthma Clin Immunol 2013;9:30. "
        "doi:10.1186/1710-1492-9-30. PMID 23947590 (glucocorticoid equivalent doses)"
    )
    unit = "mg"
    relevance = 60
    inputs: ClassVar[list[InputSpec]] = [
        InputSpec(
            name="steroid",
            label="Current corticosteroid",
            type="choice",
            choices=_steroid_choices(),
            derivation="the corticosteroid given with a dose in the note",
        ),
        InputSpec(
            name="steroid_dose",
            label="Current dose",
            unit="mg",
            minimum=0,
            maximum=20000,
            derivation="its dose in mg (g/µg converted)",
        ),
        InputSpec(
            name="target_steroid",
            label="Target corticosteroid",
            type="choice",
            choices=_steroid_choices(),
            derivation="the corticosteroid to convert to, named in the question/inputs",
        ),
    ]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        steroid, dose, target = find_steroid(facts.text)
        out: dict[str, Fact] = {}
        if steroid is not None and dose is not None:
            out["steroid"] = steroid
            out["steroid_dose"] = dose
        if target is not None:
            out["target_steroid"] = target
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        source, dose, target = require(values, "steroid", "steroid_dose", "target_steroid")
        table = steroids()
        src = table[steroid_key(source, "steroid")]
        dst = table[steroid_key(target, "target_steroid")]
        value = dose / src.equivalent_mg * dst.equivalent_mg
        formula = (
            f"{fmt(dose)} mg {src.name} × ({fmt(dst.equivalent_mg)} mg {dst.name} / "
            f"{fmt(src.equivalent_mg)} mg {src.name}) = {fmt(value)} mg {dst.name}"
        )
        interpretation = (
            f"{fmt(round(value, 3))} mg of {dst.name.lower()} has about the same glucocorticoid "
            f"effect as {fmt(dose)} mg of {src.name.lower()} (mineralocorticoid effects and "
            "durations of action differ)"
        )
        return make_result(self, values, value, formula, interpretation=interpretation)
