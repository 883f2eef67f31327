"""Canonical units of calculator inputs and conversion into them.

Each measurement key has one canonical unit (the unit every calculator computes in).
:func:`to_canonical` converts a value given in another unit through the text engine's one
unit converter (:func:`medassist.text.units.convert`), naming the analyte so conversions
that need chemistry (mg/dL <-> mmol/L <-> µmol/L via molar mass, mEq/L via valence) work.
"""

from __future__ import annotations

from medassist.errors import UnitConversionError
from medassist.text.units import convert, parse_unit

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


def normalize_unit(unit: str | None) -> str | None:
    """The canonical spelling of a unit (``"mg/dl"`` -> ``"mg/dL"``); unknown spellings are
    returned stripped, unchanged, so the caller's conversion names them in its error."""
    if unit is None:
        return None
    try:
        return parse_unit(unit)
    except UnitConversionError:
        return unit.strip()


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
    analyte = _ANALYTE_ALIASES.get(key, key)
    canonical = target or CANONICAL_UNITS.get(key) or CANONICAL_UNITS.get(analyte)
    if unit is None:
        return float(value)
    if canonical is None:
        raise UnitConversionError(f"{field} takes no unit (got {unit!r})", field=field, unit=unit)
    try:
        return float(convert(float(value), unit, canonical, analyte=analyte))
    except UnitConversionError as exc:
        raise UnitConversionError(
            f"cannot convert {field} from {unit!r} to {canonical!r}: {exc.message}",
            field=field,
            unit=unit,
        ) from None


#: input names that measure the same analyte as a canonical key
_ANALYTE_ALIASES = {
    "urine_creatinine": "creatinine",
    "urine_sodium": "sodium",
    "target_sodium": "sodium",
    "normal_albumin": "albumin",
    "pre_op_creatinine": "creatinine",
}
