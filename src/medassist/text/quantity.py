"""Reading numbers and units in clinical text, and building checked Measurements.

Shared by :mod:`medassist.text.measurements` (labelled values) and
:mod:`medassist.text.vitals` (blood pressure, GCS, consciousness, unlabelled vitals).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from medassist.errors import UnitConversionError
from medassist.schemas.text import Measurement
from medassist.text.catalogue import MeasurementSpec, get_spec
from medassist.text.units import convert, parse_unit

__all__ = [
    "NUMBER_RE",
    "LIST_NUMBER_RE",
    "UnitRead",
    "read_unit",
    "parse_number",
    "build_measurement",
    "Candidate",
]

#: a number: "138", "1.2", ".5", "103,000"; never part of a longer number, date or version
LIST_NUMBER_RE = re.compile(r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?![\d])|\.\d+")
NUMBER_RE = re.compile(
    r"(?<![\d.,/])(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?![\d])|(?<![\d.])\.\d+"
)

_TOKEN_RE = re.compile(r"[^\s,;]+")
_STRIP_TRAIL = ").]:;"
#: short words that parse as units but are usually ordinary English after a number
_AMBIGUOUS_UNITS = frozenset({"in", "m", "s", "h", "c", "f", "l", "st", "min", "ft", "g"})
_DOSE_WORDS = re.compile(
    r"^\s*(?:units?|u|iu|tabs?|tablets?|caps?|capsules?|puffs?|drops?|mg|mcg|µg|ug|grams?)"
    r"(?![\w%])(?!\s*(?:/\s*(?![\d.])|%|per\b|in\s+\d))",
    re.IGNORECASE,
)


def parse_number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-"))


@dataclass
class UnitRead:
    symbol: str  # canonical spelling
    written: str  # as written
    end: int


#: matched in place (``regex.match(text, pos)``): slicing ``text[pos:]`` per call would copy
#: the rest of the text each time, quadratic on long notes
_LEAD_SPACES = re.compile(r"[ \t]{0,3}")
_GAP_SPACES = re.compile(r"[ \t]{1,2}")


def read_unit(text: str, pos: int, max_tokens: int = 4) -> UnitRead | None:
    """The unit starting at ``pos`` (after optional spaces), longest first; None if none."""
    m = _LEAD_SPACES.match(text, pos)
    start = m.end() if m else pos
    tokens: list[tuple[int, int]] = []
    cursor = start
    for _ in range(max_tokens):
        tm = _TOKEN_RE.match(text, cursor)
        if not tm:
            break
        tokens.append((tm.start(), tm.end()))
        gap = _GAP_SPACES.match(text, tm.end())
        if not gap:
            break
        cursor = gap.end()
    for n in range(len(tokens), 0, -1):
        end = tokens[n - 1][1]
        written = text[start:end]
        paren = written.find("(")
        if n == 1 and paren > 0 and not re.match(r"\(\d{1,2}\)", written[paren:]):
            # "mg/dL(0.6-1.2mg/dL)": a reference range glued to the unit
            end = start + paren
            written = written[:paren]
        # strip trailing punctuation that is not part of a unit ("mg/dL)." -> "mg/dL")
        while written and written[-1] in _STRIP_TRAIL + "." and not written.endswith("(2)"):
            written = written[:-1]
            end -= 1
        if not written or written[0] in "(-":
            continue
        try:
            symbol = parse_unit(written)
        except UnitConversionError:
            continue
        if symbol == "1":
            continue
        # a unit must not run straight into letters or digits ("5 Lasix", "2 mg3")
        return UnitRead(symbol=symbol, written=written, end=end)
    return None


def is_dose_context(text: str, pos: int) -> bool:
    return bool(_DOSE_WORDS.match(text[pos : pos + 12]))


@dataclass
class Candidate:
    """A value found for a measurement, before conversion and checks."""

    name: str
    start: int
    end: int
    value: float
    unit: str | None = None  # canonical spelling of the written unit
    unit_written: str | None = None
    weak: bool = False  # needs a plausible value to be kept
    qualifiers: dict[str, Any] = field(default_factory=dict)
    value_text: str | None = None


def _infer_unit(spec: MeasurementSpec, value: float) -> str | None:
    if spec.infer:
        for bound, unit in spec.infer:
            if bound is None or value < bound:
                return unit
    return spec.unit


def _sig(x: float) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.6g}")


_HINT_UNITS = (
    "mg/dL",
    "mmol/L",
    "µmol/L",
    "g/L",
    "g/dL",
    "/µL",
    "10^9/L",
    "°C",
    "°F",
    "kg",
    "lb",
    "g",
    "cm",
    "m",
    "in",
    "%",
    "fraction",
    "ng/L",
    "ng/mL",
    "pg/mL",
    "ms",
    "s",
    "kPa",
    "mmHg",
)


def _unit_hints(spec: MeasurementSpec, value: float, written: str | None) -> list[str]:
    if spec.range is None or spec.unit is None:
        return []
    lo, hi = spec.range
    hints: list[str] = []
    for unit in _HINT_UNITS:
        if written is not None and unit == written:
            continue
        try:
            v = convert(value, unit, spec.unit, analyte=spec.name)
        except UnitConversionError:
            continue
        if lo <= v <= hi:
            hints.append(unit)
    return hints


def _fmt(x: float) -> str:
    return f"{x:g}"


def build_measurement(cand: Candidate, text: str) -> Measurement | None:
    """Convert, check plausibility and build the Measurement; None when the value is rejected.

    Rejected: an incompatible unit (a dose, a time), or a weak mention with an implausible value.
    """
    spec = get_spec(cand.name)
    qualifiers = dict(cand.qualifiers)
    unit = cand.unit
    if spec is None:  # a body-fluid variant ("csf_glucose"): unit of the blood analyte, no range
        base = get_spec(cand.name.split("_", 1)[-1])
        normalized_value: float | None = None
        normalized_unit: str | None = None
        if base is not None:
            try:
                src = unit or _infer_unit(base, cand.value)
                normalized_value = (
                    cand.value
                    if base.unit is None
                    else _sig(convert(cand.value, src, base.unit, analyte=base.name))
                )
                normalized_unit = base.unit
            except UnitConversionError:
                if unit is not None:
                    return None
        return Measurement(
            kind="lab",
            name=cand.name,
            text=text[cand.start : cand.end],
            start=cand.start,
            end=cand.end,
            value=cand.value,
            unit=cand.unit_written,
            normalized_value=normalized_value,
            normalized_unit=normalized_unit,
            qualifiers=qualifiers,
        )
    written = cand.unit_written
    conv_value = cand.value
    if spec.name == "height" and unit == "mm":
        return None  # "11 mm height": a size, never a body height
    if spec.name == "urine_output" and unit in {"mL", "L", "dL"}:
        after = text[cand.end : cand.end + 40]
        if re.match(r"\s*(?:/|per|an?|each|every)\s*(?:h|hr|hour)\b", after, re.IGNORECASE):
            conv_value = convert(cand.value, unit, "mL")
            unit = "mL/h"
        elif re.search(r"24\s*-?\s*h|/\s*24|per day|a day|daily|/\s*day|\bday\b", after, re.I):
            conv_value = convert(cand.value, unit, "mL")
            unit = "mL/day"
        else:
            return None
        qualifiers["volume_as_rate"] = True
    if unit == "mg" and spec.unit == "mg/dL" and spec.kind == "lab":
        # "total cholesterol was 250 mg": a lab concentration with "/dL" left out
        unit = "mg/dL"
        qualifiers["unit_corrected"] = f"{written} read as mg/dL"
    if unit is not None and spec.unit is not None:
        try:
            convert(1.0, unit, spec.unit, analyte=_chem_name(spec, qualifiers))
        except UnitConversionError:
            if spec.unit == "10^9/L" and unit == "g/L":  # "G/L" = giga per litre
                unit = "10^9/L"
            elif unit in _AMBIGUOUS_UNITS and not cand.qualifiers.get("value_before_name"):
                unit, written = None, None
            else:
                return None
    elif unit is not None and spec.unit is None:
        if unit in _AMBIGUOUS_UNITS or unit in {"%"} and spec.name in {"gcs", "pain_score"}:
            unit, written = None, None
        elif unit != "1":
            return None
    if (
        unit == "mg/dL"
        and spec.unit == "g/dL"
        and spec.range
        and spec.range[0] <= cand.value <= spec.range[1]
    ):
        # "serum albumin was 3.2 mg/dl": a g/dL value with the wrong prefix
        unit = "g/dL"
        qualifiers["unit_corrected"] = f"{written} read as g/dL"
    if (
        unit == "mg/dL"
        and spec.unit == "mmol/L"
        and spec.valence == 1
        and spec.range
        and spec.range[0] <= cand.value <= spec.range[1]
    ):
        # "sodium 132 mg/dl": electrolytes are never reported in mg/dL; a unit slip
        unit = "mmol/L"
        qualifiers["unit_corrected"] = f"{written} read as mmol/L"
    if unit is None and spec.unit is not None:
        unit = _infer_unit(spec, cand.value)
        qualifiers["unit_inferred"] = True
    normalized: float | None
    try:
        if spec.unit is None:
            normalized = cand.value
        elif qualifiers.get("reported_as") == "urea" and unit in {"mg/dL", "g/L", "mg/L"}:
            mmol = convert(cand.value, unit, "mmol/L", analyte="urea")
            normalized = convert(mmol, "mmol/L", spec.unit, analyte="bun")
        else:
            normalized = convert(conv_value, unit, spec.unit, analyte=spec.name)
    except UnitConversionError:
        return None
    if qualifiers.get("base_deficit") and normalized is not None:
        normalized = -abs(normalized)
    plausible = True
    note: str | None = None
    if spec.range is not None and normalized is not None:
        lo, hi = spec.range
        slip = _prefix_slip(spec, cand.value, unit, normalized, qualifiers)
        if slip is not None:
            normalized = slip
            qualifiers["unit_corrected"] = f"{written} read as {spec.unit}"
        if not lo <= normalized <= hi:
            if cand.weak or (written or "").strip().lower() in {
                "meq",
                "mmol",
                "mg",
                "g",
                "mg/ml",
            }:
                return None  # a weak mention, or an amount ("potassium 20 mEq"): a dose
            plausible = False
            shown = f"{_fmt(cand.value)} {written or unit or ''}".strip()
            canon = f" {spec.unit}" if spec.unit else ""
            note = (
                f"{spec.label} {shown} is outside the plausible range {_fmt(lo)}–{_fmt(hi)}{canon}"
            )
            hints = _unit_hints(spec, cand.value, unit)
            if hints:
                note += f"; it looks like a value in {' or '.join(hints[:2])}"
    return Measurement(
        kind=spec.kind,
        name=spec.name,
        text=text[cand.start : cand.end],
        start=cand.start,
        end=cand.end,
        value=cand.value,
        unit=written,
        normalized_value=_sig(normalized) if normalized is not None else None,
        normalized_unit=spec.unit,
        value_text=cand.value_text,
        loinc=spec.loinc,
        plausible=plausible,
        plausibility_note=note,
        qualifiers=qualifiers,
    )


def _prefix_slip(
    spec: MeasurementSpec,
    value: float,
    unit: str | None,
    normalized: float,
    qualifiers: dict[str, Any],
) -> float | None:
    """The value in the canonical unit when the written unit is off by a decimal prefix only
    ("creatinine 1.05 g/dL", "WBC 5.8 x 10^6/µL", "cholesterol 202 gr/dL"): implausible as
    written, plausible with the canonical prefix, the two units a power of 1000 apart. None
    otherwise (a real unit such as µmol/L is never second-guessed: its factor is no power
    of ten)."""
    assert spec.range is not None
    lo, hi = spec.range
    if unit is None or spec.unit is None or qualifiers.get("unit_inferred"):
        return None
    if lo <= normalized <= hi or not lo <= value <= hi:
        return None
    try:
        factor = convert(1.0, unit, spec.unit, analyte=_chem_name(spec, qualifiers))
    except UnitConversionError:
        return None
    if factor <= 0:
        return None
    exponent = math.log10(factor)
    if abs(exponent - round(exponent)) > 1e-6 or round(exponent) % 3 or not round(exponent):
        return None
    return value


def _chem_name(spec: MeasurementSpec, qualifiers: dict[str, Any]) -> str:
    return "urea" if qualifiers.get("reported_as") == "urea" else spec.name
