"""Canonical units of calculator inputs and conversion into them.

Each measurement key has one canonical unit (the unit every calculator computes in).
:func:`to_canonical` converts a value given in another unit; conversions that need an
analyte's molar mass are listed per key. Unknown pairs fall back to
``medassist.text.units.convert`` when that module is present.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from medassist.errors import UnitConversionError

__all__ = ["CANONICAL_UNITS", "normalize_unit", "to_canonical"]

#: canonical unit of each measurement key
CANONICAL_UNITS: dict[str, str] = {
    "age": "years",
    "heart_rate": "/min",
    "sbp": "mmHg",
    "dbp": "mmHg",
    "map": "mmHg",
    "respiratory_rate": "/min",
    "temperature": "°C",
    "spo2": "%",
    "weight": "kg",
    "height": "cm",
    "gcs": "points",
    "sodium": "mmol/L",
    "potassium": "mmol/L",
    "chloride": "mmol/L",
    "bicarbonate": "mmol/L",
    "bun": "mg/dL",
    "creatinine": "mg/dL",
    "glucose": "mg/dL",
    "albumin": "g/dL",
    "calcium": "mg/dL",
    "bilirubin": "mg/dL",
    "inr": "ratio",
    "platelets": "10^3/µL",
    "wbc": "10^3/µL",
    "hemoglobin": "g/dL",
    "hematocrit": "%",
    "ph": "pH",
    "pao2": "mmHg",
    "paco2": "mmHg",
    "fio2": "%",
    "a_a_gradient": "mmHg",
    "qt_interval": "ms",
    "ast": "U/L",
    "alt": "U/L",
    "total_cholesterol": "mg/dL",
    "hdl": "mg/dL",
    "ldl": "mg/dL",
    "triglycerides": "mg/dL",
    "urine_output": "mL/day",
}

# molar-mass factors: mmol/L (or µmol/L) -> mg/dL
_MG_DL_PER_MMOL_L = {
    "glucose": 18.016,
    "bun": 2.801,  # urea nitrogen: 1 mmol/L urea = 2.8 mg/dL BUN
    "calcium": 4.008,
    "total_cholesterol": 38.67,
    "hdl": 38.67,
    "ldl": 38.67,
    "triglycerides": 88.57,
}
_MG_DL_PER_UMOL_L = {"creatinine": 1 / 88.42, "bilirubin": 1 / 17.1}

_ALIASES = {
    "mm hg": "mmhg",
    "mmhg": "mmhg",
    "mm of hg": "mmhg",
    "meq/l": "mmol/l",
    "mmol/l": "mmol/l",
    "mmol": "mmol/l",
    "meq": "mmol/l",
    "mg/dl": "mg/dl",
    "mg/100ml": "mg/dl",
    "mg%": "mg/dl",
    "g/dl": "g/dl",
    "g/l": "g/l",
    "gm/dl": "g/dl",
    "umol/l": "umol/l",
    "µmol/l": "umol/l",
    "μmol/l": "umol/l",
    "micromol/l": "umol/l",
    "kpa": "kpa",
    "°c": "c",
    "c": "c",
    "degc": "c",
    "celsius": "c",
    "degrees celsius": "c",
    "°f": "f",
    "f": "f",
    "degf": "f",
    "fahrenheit": "f",
    "degrees fahrenheit": "f",
    "kg": "kg",
    "kgs": "kg",
    "g": "g",
    "lb": "lb",
    "lbs": "lb",
    "pounds": "lb",
    "pound": "lb",
    "cm": "cm",
    "m": "m",
    "in": "in",
    "inch": "in",
    "inches": "in",
    "ft": "ft",
    "mm": "mm",
    "%": "%",
    "percent": "%",
    "years": "years",
    "year": "years",
    "yr": "years",
    "yrs": "years",
    "y": "years",
    "months": "months",
    "month": "months",
    "ms": "ms",
    "msec": "ms",
    "s": "s",
    "sec": "s",
    "/min": "/min",
    "bpm": "/min",
    "beats/min": "/min",
    "beats per minute": "/min",
    "breaths/min": "/min",
    "breaths per minute": "/min",
    "per minute": "/min",
    "/µl": "/ul",
    "/ul": "/ul",
    "/mm3": "/ul",
    "/mm^3": "/ul",
    "cells/µl": "/ul",
    "cells/ul": "/ul",
    "cells/mm3": "/ul",
    "10^3/µl": "k/ul",
    "10^3/ul": "k/ul",
    "x10^3/µl": "k/ul",
    "x10^3/ul": "k/ul",
    "k/ul": "k/ul",
    "k/µl": "k/ul",
    "10^9/l": "k/ul",
    "x10^9/l": "k/ul",
    "×10^9/l": "k/ul",
    "10*9/l": "k/ul",
    "u/l": "u/l",
    "iu/l": "u/l",
    "ratio": "ratio",
    "points": "points",
    "ph": "ph",
    "ml/day": "ml/day",
    "ml/d": "ml/day",
    "l/day": "l/day",
}


def normalize_unit(unit: str | None) -> str | None:
    if unit is None:
        return None
    u = unit.strip().lower().replace(" ", " ").replace("×", "x")
    u = re.sub(r"\s*/\s*", "/", u)
    u = u.replace("³", "3").replace("μ", "µ")
    if u in _ALIASES:
        return _ALIASES[u]
    return _ALIASES.get(re.sub(r"\s+", " ", u), u)


def _identity(v: float) -> float:
    return v


def _factor(f: float) -> Callable[[float], float]:
    return lambda v: v * f


def _converter(key: str, src: str, dst: str) -> Callable[[float], float] | None:
    if src == dst:
        return _identity
    pair = (src, dst)
    if key == "temperature":
        if pair == ("f", "c"):
            return lambda v: (v - 32) * 5 / 9
        if pair == ("c", "f"):
            return lambda v: v * 9 / 5 + 32
    if key == "weight":
        return {("lb", "kg"): _factor(0.45359237), ("g", "kg"): _factor(0.001)}.get(pair)
    if key == "height":
        return {
            ("m", "cm"): _factor(100),
            ("in", "cm"): _factor(2.54),
            ("ft", "cm"): _factor(30.48),
            ("mm", "cm"): _factor(0.1),
        }.get(pair)
    if key == "age" and pair == ("months", "years"):
        return _factor(1 / 12)
    if key == "qt_interval" and pair == ("s", "ms"):
        return _factor(1000)
    if key in {"pao2", "paco2", "a_a_gradient"} and pair == ("kpa", "mmhg"):
        return _factor(7.50062)
    if key in {"albumin", "hemoglobin"} and pair == ("g/l", "g/dl"):
        return _factor(0.1)
    if key in {"platelets", "wbc"} and pair == ("/ul", "k/ul"):
        return _factor(0.001)
    if key == "urine_output" and pair == ("l/day", "ml/day"):
        return _factor(1000)
    if dst == "mg/dl":
        if src == "mmol/l" and key in _MG_DL_PER_MMOL_L:
            return _factor(_MG_DL_PER_MMOL_L[key])
        if src == "umol/l" and key in _MG_DL_PER_UMOL_L:
            return _factor(_MG_DL_PER_UMOL_L[key])
        if src == "umol/l" and key in _MG_DL_PER_MMOL_L:
            return _factor(_MG_DL_PER_MMOL_L[key] / 1000)
        if src == "mmol/l" and key in _MG_DL_PER_UMOL_L:
            return _factor(_MG_DL_PER_UMOL_L[key] * 1000)
    return None


def to_canonical(
    key: str,
    value: float,
    unit: str | None,
    field: str | None = None,
    target: str | None = None,
) -> float:
    """Convert ``value`` in ``unit`` to ``target`` (default: the canonical unit of ``key``).

    ``unit`` None means the value is already in the target unit. Raises
    :class:`UnitConversionError` naming ``field`` (default ``key``) when the unit cannot be
    converted.
    """
    field = field or key
    canonical = target or CANONICAL_UNITS.get(key)
    if unit is None:
        return float(value)
    if canonical is None:
        raise UnitConversionError(f"{field} takes no unit (got {unit!r})", field=field, unit=unit)
    src, dst = normalize_unit(unit), normalize_unit(canonical)
    analyte = _ANALYTE_ALIASES.get(key, key)
    conv = _converter(analyte, src or "", dst or "")
    if conv is not None:
        return float(conv(float(value)))
    try:  # the text engine's converter knows more analytes when present
        from medassist.text.units import convert  # type: ignore[attr-defined]

        return float(convert(float(value), unit, canonical, analyte=analyte))
    except ImportError:
        pass
    except Exception:  # noqa: BLE001 - any failure of the fallback is a conversion failure
        pass
    raise UnitConversionError(
        f"cannot convert {field} from {unit!r} to {canonical!r}", field=field, unit=unit
    )


#: input names that measure the same analyte as a canonical key
_ANALYTE_ALIASES = {
    "urine_creatinine": "creatinine",
    "urine_sodium": "sodium",
    "target_sodium": "sodium",
    "normal_albumin": "albumin",
    "pre_op_creatinine": "creatinine",
}
