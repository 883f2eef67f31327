"""Units of calculator inputs: the text engine's one unit table and converter.

Each input key is computed in the canonical unit of its measurement in the catalogue
(:func:`medassist.text.units.input_unit`); :func:`to_canonical` converts into it through
:func:`medassist.text.units.input_to_canonical`, naming the analyte so that conversions that
need chemistry (mg/dL <-> mmol/L <-> µmol/L via molar mass, mEq/L via valence) work. No unit
table lives here.
"""

from __future__ import annotations

from medassist.errors import UnitConversionError
from medassist.text.units import input_to_canonical, input_unit, parse_unit

__all__ = ["canonical_unit", "normalize_unit", "to_canonical"]

#: input names that measure the same analyte as a catalogue measurement (names, not units)
_ANALYTE_ALIASES = {
    "urine_creatinine": "creatinine",
    "urine_sodium": "sodium",
    "target_sodium": "sodium",
    "normal_albumin": "albumin",
    "pre_op_creatinine": "creatinine",
}


def canonical_unit(key: str) -> str | None:
    """The unit calculators compute input ``key`` in (None: a key with no measurement)."""
    return input_unit(key) or input_unit(_ANALYTE_ALIASES.get(key, key))


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
    analyte = _ANALYTE_ALIASES.get(key, key)
    return input_to_canonical(
        key, value, unit, field=field, target=target or canonical_unit(key), analyte=analyte
    )
