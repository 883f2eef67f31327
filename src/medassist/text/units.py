"""Unit parsing and conversion for vitals and laboratory values.

``convert(value, from_unit, to_unit, analyte=None)`` converts between units of the same
dimension (kg <-> lb, in <-> cm, °F <-> °C, g/dL <-> g/L, 10^3/µL <-> 10^9/L, ...) and, when
an ``analyte`` is named, across dimensions using its chemistry (mg/dL <-> mmol/L <-> µmol/L via
the molar mass, mEq/L <-> mmol/L via the valence, HbA1c % <-> mmol/mol, insulin µIU/mL <->
pmol/L, FiO2 % <-> fraction). Molar masses and valences come from the measurement catalogue
(``data/measurements.json``); the units, their dimensions, factors and spellings from the one
unit table, ``data/units.json``. Anything not convertible raises
:class:`medassist.errors.UnitConversionError` naming both units.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from medassist.errors import ConfigurationError, UnitConversionError

__all__ = [
    "Unit",
    "lookup_unit",
    "input_unit",
    "input_to_canonical",
    "convert",
    "parse_unit",
    "same_unit",
    "to_canonical",
    "canonical_unit",
    "UNITLESS",
]

#: returned by :func:`parse_unit` for unitless quantities (INR, pH, scores)
UNITLESS = "1"


@dataclass(frozen=True)
class Unit:
    """A unit of the table: symbol, dimension, factor to the dimension's base unit."""

    symbol: str  # display form, e.g. "mg/dL"
    dim: str  # dimension, e.g. "mass_conc"
    factor: float  # multiply by this to reach the dimension's base unit


class _UnitRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    symbol: str
    dim: str
    factor: float = Field(gt=0)


class _Meta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str
    source: str
    licence: str


class _UnitFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meta: _Meta = Field(alias="_meta")
    units: list[_UnitRow]
    aliases: dict[str, str]


def _load_table() -> tuple[tuple[Unit, ...], dict[str, str]]:
    """The unit table (``data/units.json``): strictly validated, every alias naming a unit."""
    raw = resources.files("medassist.text").joinpath("data/units.json").read_text("utf-8")
    try:
        data = _UnitFile.model_validate(json.loads(raw))
    except ValueError as exc:
        raise ConfigurationError(f"units.json is invalid: {exc}") from exc
    table = tuple(Unit(r.symbol, r.dim, r.factor) for r in data.units)
    symbols = {u.symbol for u in table}
    unknown = sorted({s for s in data.aliases.values() if s not in symbols})
    if unknown or len(symbols) != len(table):
        raise ConfigurationError(f"units.json: aliases name unknown or duplicate units {unknown}")
    return table, data.aliases


_UNIT_TABLE, _ALIASES = _load_table()
_BY_SYMBOL: dict[str, Unit] = {u.symbol: u for u in _UNIT_TABLE}

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_COUNT_RE = re.compile(
    r"^(?:x|\*)?10(?:\^|\*\*|\*|e)?\(?(?P<exp>\d{1,2})\)?(?:cells)?/(?P<den>l|ul|mm3|mm\^3|cumm|nl)$"
)
_COUNT_VOLUME_L = {"l": 1.0, "ul": 1e-6, "mm3": 1e-6, "mm^3": 1e-6, "cumm": 1e-6, "nl": 1e-9}

# analytes outside the catalogue that conversions may name (molar mass g/mol)
_EXTRA_MOLAR_MASS = {"urea": 60.06}

# HbA1c master equation (NGSP % -> IFCC mmol/mol)
_IFCC_SLOPE = 10.929
_IFCC_OFFSET = 2.15
# insulin: 1 µIU/mL = 6.00 pmol/L
_INSULIN_PMOL_PER_UIU = 6.0


def _key(text: str) -> str:
    s = text.strip().translate(_SUPERSCRIPTS)
    s = s.replace("µ", "u").replace("μ", "u").replace("×", "x").replace("−", "-")
    s = s.replace("º", "°").replace("˚", "°").replace("℃", "°c").replace("℉", "°f")
    s = s.lower()
    s = re.sub(r"\s+", "", s).rstrip(".")
    s = re.sub(r"^mc(?=g|mol|l\b|iu)", "u", s)
    s = s.replace("/mcl", "/ul").replace("/mcg", "/ug")
    s = re.sub(r"^(?:degrees?|deg)(?=[cf]|celsius|fahrenheit|cel|fah|far)", "°", s)
    s = re.sub(r"^°(?=celsius|celcius|celsisus|centigrade|fahrenheit|farenheit|fahreinheit)", "", s)
    return s


@lru_cache(maxsize=1)
def _symbol_keys() -> dict[str, Unit]:
    return {_key(unit.symbol): unit for unit in _UNIT_TABLE}


@lru_cache(maxsize=2048)
def _lookup(text: str) -> Unit | None:
    key = _key(text)
    symbol = _ALIASES.get(key)
    if symbol is None and key.startswith("per") and len(key) > 3:
        symbol = _ALIASES.get("/" + key[3:])
        if symbol is not None and _BY_SYMBOL[symbol].dim not in {"count", "rate"}:
            symbol = None
        if symbol is None and key[3:] in {
            "mm3",
            "mm^3",
            "cumm",
            "ul",
            "cubicmm",
            "cubicmillimeter",
        }:
            symbol = "/mm3" if key[3:] != "ul" else "/µL"
    if symbol is None:
        unit = _symbol_keys().get(key)
        if unit is not None:
            return unit
        m = _COUNT_RE.match(key)
        if m:
            exp = int(m.group("exp"))
            volume = _COUNT_VOLUME_L[m.group("den")]
            factor = 10.0**exp / volume / 1e9
            den = {"l": "L", "nl": "nL"}.get(m.group("den"), "µL")
            if m.group("den") in ("mm3", "mm^3", "cumm"):
                den = "mm3"
            symbol = f"10^{exp}/{den}"
            return _BY_SYMBOL.get(symbol) or Unit(symbol, "count", factor)
        return None
    return _BY_SYMBOL[symbol]


def _unit(text: str | None) -> Unit:
    if text is None:
        return _BY_SYMBOL[UNITLESS]
    if not isinstance(text, str):
        raise UnitConversionError(f"unit must be text, got {type(text).__name__}")
    unit = _lookup(text)
    if unit is None:
        raise UnitConversionError(f"unknown unit {text!r}", unit=text)
    return unit


def parse_unit(text: str | None) -> str:
    """The canonical spelling of a unit (``"mg/dl"`` -> ``"mg/dL"``, ``"lbs"`` -> ``"lb"``).

    Unitless input (None, "", "ratio") gives :data:`UNITLESS`. Unknown units raise
    :class:`UnitConversionError`.
    """
    return _unit(text).symbol


def same_unit(a: str | None, b: str | None) -> bool:
    """True when both spellings denote the same unit (unknown units are never the same)."""
    try:
        return _unit(a).symbol == _unit(b).symbol
    except UnitConversionError:
        return False


def _chemistry(analyte: str | None) -> tuple[float | None, int | None]:
    if analyte is None:
        return None, None
    if analyte in _EXTRA_MOLAR_MASS:
        return _EXTRA_MOLAR_MASS[analyte], None
    from medassist.text.catalogue import get_spec

    spec = get_spec(analyte)
    if spec is None:
        return None, None
    return spec.molar_mass, spec.valence


def _temperature(value: float, src: str, dst: str) -> float:
    celsius = {"°C": value, "°F": (value - 32.0) * 5.0 / 9.0, "K": value - 273.15}[src]
    return {"°C": celsius, "°F": celsius * 9.0 / 5.0 + 32.0, "K": celsius + 273.15}[dst]


def _to_molar(value: float, unit: Unit, molar_mass: float | None, valence: int | None) -> float:
    """value in ``unit`` -> mol/L, or raise KeyError when the chemistry is missing."""
    if unit.dim == "molar_conc":
        return value * unit.factor
    if unit.dim == "eq_conc":
        if valence is None:
            raise KeyError("valence")
        return value * unit.factor / valence
    if unit.dim == "mass_conc":
        if molar_mass is None:
            raise KeyError("molar_mass")
        return value * unit.factor / molar_mass
    raise KeyError(unit.dim)


def _from_molar(mol_l: float, unit: Unit, molar_mass: float | None, valence: int | None) -> float:
    if unit.dim == "molar_conc":
        return mol_l / unit.factor
    if unit.dim == "eq_conc":
        if valence is None:
            raise KeyError("valence")
        return mol_l * valence / unit.factor
    if unit.dim == "mass_conc":
        if molar_mass is None:
            raise KeyError("molar_mass")
        return mol_l * molar_mass / unit.factor
    raise KeyError(unit.dim)


_AMOUNT_DIMS = frozenset({"molar_conc", "eq_conc", "mass_conc"})


def convert(
    value: float, from_unit: str | None, to_unit: str | None, analyte: str | None = None
) -> float:
    """Convert ``value`` from ``from_unit`` to ``to_unit``.

    ``analyte`` (a canonical measurement name such as ``"creatinine"``, ``"glucose"``,
    ``"bun"``, ``"calcium"``, ``"hba1c"``, ``"insulin"``; or ``"urea"`` for urea mass) enables
    conversions that need chemistry (mg/dL <-> mmol/L <-> µmol/L, mEq/L <-> mmol/L).

    Raises :class:`medassist.errors.UnitConversionError` naming both units when the units
    are unknown or not convertible, or when ``value`` is not a finite number.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UnitConversionError(
            f"cannot convert a non-numeric value from {from_unit!r} to {to_unit!r}",
            field=analyte,
        )
    if not math.isfinite(value):
        raise UnitConversionError(
            f"cannot convert a non-finite value from {from_unit!r} to {to_unit!r}", field=analyte
        )
    src, dst = _unit(from_unit), _unit(to_unit)
    label = f"{analyte} " if analyte else ""
    if src.symbol == dst.symbol:
        return float(value)
    if src.dim == dst.dim:
        if src.dim == "temperature":
            return _temperature(float(value), src.symbol, dst.symbol)
        return float(value) * src.factor / dst.factor
    # cross-dimension conversions that need an analyte
    if analyte == "hba1c" and {src.dim, dst.dim} == {"fraction", "hba1c_ifcc"}:
        if src.dim == "fraction":
            return _IFCC_SLOPE * (value * src.factor * 100.0 - _IFCC_OFFSET)
        return (value / _IFCC_SLOPE + _IFCC_OFFSET) / 100.0 / dst.factor
    if analyte == "insulin" and {src.dim, dst.dim} == {"iu_conc", "molar_conc"}:
        if src.dim == "iu_conc":
            pmol = value * src.factor * _INSULIN_PMOL_PER_UIU
            return pmol * 1e-12 / dst.factor
        uiu = value * src.factor / 1e-12 / _INSULIN_PMOL_PER_UIU
        return uiu / dst.factor
    if src.dim in _AMOUNT_DIMS and dst.dim in _AMOUNT_DIMS:
        molar_mass, valence = _chemistry(analyte)
        try:
            return _from_molar(_to_molar(value, src, molar_mass, valence), dst, molar_mass, valence)
        except KeyError as missing:
            need = {"molar_mass": "its molar mass", "valence": "its valence"}.get(
                str(missing.args[0]), "its chemistry"
            )
            what = f"for {analyte!r} ({need} is not known)" if analyte else "without an analyte"
            raise UnitConversionError(
                f"cannot convert {label}from {src.symbol} to {dst.symbol} {what}; "
                "pass analyte= (e.g. 'creatinine', 'glucose')",
                field=analyte,
                from_unit=src.symbol,
                to_unit=dst.symbol,
            ) from None
    raise UnitConversionError(
        f"cannot convert {label}from {src.symbol} ({src.dim}) to {dst.symbol} ({dst.dim})",
        field=analyte,
        from_unit=src.symbol,
        to_unit=dst.symbol,
    )


def canonical_unit(name: str) -> str | None:
    """The canonical unit of a catalogue measurement (None for unitless ones)."""
    from medassist.text.catalogue import get_spec

    spec = get_spec(name)
    if spec is None:
        raise UnitConversionError(f"unknown measurement {name!r}", field=name)
    return spec.unit


def to_canonical(value: float, unit: str | None, name: str) -> tuple[float, str | None]:
    """Convert a value of measurement ``name`` to its canonical unit: (value, unit)."""
    target = canonical_unit(name)
    if target is None:
        if unit is not None and _unit(unit).dim != "unitless":
            raise UnitConversionError(
                f"{name} is unitless; cannot convert from {unit!r}", field=name
            )
        return float(value), None
    if unit is None:
        return float(value), target
    return convert(value, unit, target, analyte=name), target


def lookup_unit(text: str | None) -> Unit | None:
    """The unit a spelling names (``"mgs"`` -> mg, ``"beats/min"`` -> /min), or None."""
    if not text or not isinstance(text, str):
        return None
    return _lookup(text)


#: calculator inputs that are no catalogue measurement, and their unit
_INPUT_UNITS = {"age": "year"}


def input_unit(key: str) -> str | None:
    """The unit a calculator computes input ``key`` in: the catalogue's canonical unit
    (UNITLESS for INR, pH, GCS...), ``year`` for age; None for a key the catalogue lacks."""
    if key in _INPUT_UNITS:
        return _INPUT_UNITS[key]
    from medassist.text.catalogue import get_spec

    spec = get_spec(key)
    if spec is None:
        return None
    return spec.unit or UNITLESS


def input_to_canonical(
    key: str,
    value: float,
    unit: str | None,
    field: str | None = None,
    target: str | None = None,
    analyte: str | None = None,
) -> float:
    """``value`` in ``unit`` converted to ``target`` (default: :func:`input_unit` of ``key``;
    ``analyte`` names the chemistry when it differs from ``key``). ``unit`` None: already in
    the target unit. Raises :class:`UnitConversionError` naming ``field`` (default ``key``)."""
    field = field or key
    analyte = analyte or key
    canonical = target or input_unit(key) or input_unit(analyte)
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
