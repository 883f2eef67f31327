"""Unit parsing and conversion for vitals and laboratory values.

``convert(value, from_unit, to_unit, analyte=None)`` converts between units of the same
dimension (kg <-> lb, in <-> cm, °F <-> °C, g/dL <-> g/L, 10^3/µL <-> 10^9/L, ...) and, when
an ``analyte`` is named, across dimensions using its chemistry (mg/dL <-> mmol/L <-> µmol/L via
the molar mass, mEq/L <-> mmol/L via the valence, HbA1c % <-> mmol/mol, insulin µIU/mL <->
pmol/L, FiO2 % <-> fraction). Molar masses and valences come from the measurement catalogue
(``data/measurements.json``). Anything not convertible raises
:class:`medassist.errors.UnitConversionError` naming both units.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from medassist.errors import UnitConversionError

__all__ = [
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
class _Unit:
    symbol: str  # display form, e.g. "mg/dL"
    dim: str  # dimension, e.g. "mass_conc"
    factor: float  # multiply by this to reach the dimension's base unit


# dimension bases: mass_conc g/L, molar_conc mol/L, eq_conc eq/L, count 10^9/L, mass kg,
# length cm, pressure mmHg, fraction 1, time s, rate /min, enzyme U/L, iu_conc µIU/mL (= mIU/L),
# volume mL, flow L/min, volume_rate mL/day, osmol mOsm/kg, bmi kg/m2, esr mm/h, fl fL
_UNIT_TABLE: tuple[_Unit, ...] = (
    _Unit("g/L", "mass_conc", 1.0),
    _Unit("g/dL", "mass_conc", 10.0),
    _Unit("mg/dL", "mass_conc", 1e-2),
    _Unit("mg/mL", "mass_conc", 1.0),
    _Unit("mg/L", "mass_conc", 1e-3),
    _Unit("µg/mL", "mass_conc", 1e-3),
    _Unit("µg/dL", "mass_conc", 1e-5),
    _Unit("µg/L", "mass_conc", 1e-6),
    _Unit("ng/mL", "mass_conc", 1e-6),
    _Unit("ng/dL", "mass_conc", 1e-8),
    _Unit("ng/L", "mass_conc", 1e-9),
    _Unit("pg/mL", "mass_conc", 1e-9),
    _Unit("mol/L", "molar_conc", 1.0),
    _Unit("mmol/L", "molar_conc", 1e-3),
    _Unit("µmol/L", "molar_conc", 1e-6),
    _Unit("nmol/L", "molar_conc", 1e-9),
    _Unit("pmol/L", "molar_conc", 1e-12),
    _Unit("mEq/L", "eq_conc", 1e-3),
    _Unit("10^9/L", "count", 1.0),
    _Unit("10^3/µL", "count", 1.0),
    _Unit("10^12/L", "count", 1e3),
    _Unit("10^6/µL", "count", 1e3),
    _Unit("10^4/µL", "count", 10.0),
    _Unit("10^5/µL", "count", 100.0),
    _Unit("/µL", "count", 1e-3),
    _Unit("/mm3", "count", 1e-3),
    _Unit("/L", "count", 1e-9),
    _Unit("lakh/mm3", "count", 100.0),
    _Unit("kg", "mass", 1.0),
    _Unit("g", "mass", 1e-3),
    _Unit("mg", "mass", 1e-6),
    _Unit("µg", "mass", 1e-9),
    _Unit("lb", "mass", 0.45359237),
    _Unit("oz", "mass", 0.028349523125),
    _Unit("st", "mass", 6.35029318),
    _Unit("cm", "length", 1.0),
    _Unit("m", "length", 100.0),
    _Unit("mm", "length", 0.1),
    _Unit("in", "length", 2.54),
    _Unit("ft", "length", 30.48),
    _Unit("°C", "temperature", 1.0),
    _Unit("°F", "temperature", 1.0),
    _Unit("K", "temperature", 1.0),
    _Unit("mmHg", "pressure", 1.0),
    _Unit("kPa", "pressure", 7.500617),
    _Unit("cmH2O", "pressure", 0.735559),
    _Unit("%", "fraction", 1e-2),
    _Unit("fraction", "fraction", 1.0),
    _Unit("s", "time", 1.0),
    _Unit("ms", "time", 1e-3),
    _Unit("min", "time", 60.0),
    _Unit("h", "time", 3600.0),
    _Unit("day", "time", 86400.0),
    _Unit("week", "time", 7 * 86400.0),
    _Unit("month", "time", 365.25 * 86400.0 / 12),
    _Unit("year", "time", 365.25 * 86400.0),
    _Unit("/min", "rate", 1.0),
    _Unit("µg/kg/min", "dose_rate_kg", 1.0),
    _Unit("ng/kg/min", "dose_rate_kg", 1e-3),
    _Unit("mg/kg/min", "dose_rate_kg", 1e3),
    _Unit("µg/kg/h", "dose_rate_kg", 1 / 60),
    _Unit("mg/kg/h", "dose_rate_kg", 1e3 / 60),
    _Unit("units/kg/h", "unit_rate_kg", 1.0),
    _Unit("mL/min/1.73m2", "gfr", 1.0),
    _Unit("U/L", "enzyme", 1.0),
    _Unit("µkat/L", "enzyme", 60.0),
    _Unit("µIU/mL", "iu_conc", 1.0),
    _Unit("mIU/L", "iu_conc", 1.0),
    _Unit("mIU/mL", "iu_conc", 1e3),
    _Unit("mL", "volume", 1.0),
    _Unit("dL", "volume", 100.0),
    _Unit("L", "volume", 1e3),
    _Unit("L/min", "flow", 1.0),
    _Unit("mL/min", "flow", 1e-3),
    _Unit("mL/day", "volume_rate", 1.0),
    _Unit("L/day", "volume_rate", 1e3),
    _Unit("mL/h", "volume_rate", 24.0),
    _Unit("mOsm/kg", "osmol", 1.0),
    _Unit("kg/m2", "bmi", 1.0),
    _Unit("mm/h", "esr", 1.0),
    _Unit("fL", "fl", 1.0),
    _Unit("mmol/mol", "hba1c_ifcc", 1.0),
    _Unit(UNITLESS, "unitless", 1.0),
)
_BY_SYMBOL: dict[str, _Unit] = {u.symbol: u for u in _UNIT_TABLE}

# spelling (after _key normalisation) -> symbol
_ALIASES: dict[str, str] = {
    "mg%": "mg/dL",
    "mgs/dl": "mg/dL",
    "mg/deciliter": "mg/dL",
    "mg/decilitre": "mg/dL",
    "mgperdeciliter": "mg/dL",
    "mgperdecilitre": "mg/dL",
    "mg/100ml": "mg/dL",
    "g/deciliter": "g/dL",
    "gperdeciliter": "g/dL",
    "mmol/liter": "mmol/L",
    "mmolperliter": "mmol/L",
    "meq/liter": "mEq/L",
    "meqperliter": "mEq/L",
    "u/liter": "U/L",
    "iu/liter": "U/L",
    "units/liter": "U/L",
    "uperliter": "U/L",
    "g%": "g/dL",
    "gm%": "g/dL",
    "gm/dl": "g/dL",
    "gms/dl": "g/dL",
    "gr/dl": "g/dL",
    "gm/l": "g/L",
    "ug/ml": "µg/mL",
    "ug/dl": "µg/dL",
    "ug/l": "µg/L",
    "ugfeu/ml": "µg/mL",
    "ug/mlfeu": "µg/mL",
    "mg/lfeu": "mg/L",
    "mgfeu/l": "mg/L",
    "ng/mlfeu": "ng/mL",
    "ngfeu/ml": "ng/mL",
    "ng/mlddu": "ng/mL",
    "mmol/l": "mmol/L",
    "mm/l": "mmol/L",
    "mmol": "mmol/L",
    "mol/l": "mol/L",
    "umol/l": "µmol/L",
    "micromol/l": "µmol/L",
    "micromoles/l": "µmol/L",
    "nmol/l": "nmol/L",
    "pmol/l": "pmol/L",
    "meq/l": "mEq/L",
    "meq/dl": "mEq/L",  # common typo in notes; mEq/dL is not a clinical unit
    "meq": "mEq/L",
    "meql": "mEq/L",
    "meql/l": "mEq/L",
    "meg/l": "mEq/L",
    "mequiv/l": "mEq/L",
    "/ul": "/µL",
    "cells/ul": "/µL",
    "/mcl": "/µL",
    "/mm3": "/mm3",
    "/mm^3": "/mm3",
    "/cumm": "/mm3",
    "/cubicmm": "/mm3",
    "/cubicmillimeter": "/mm3",
    "/cu.mm": "/mm3",
    "/l": "/L",
    "lakh": "lakh/mm3",
    "lakhs": "lakh/mm3",
    "l/l": "fraction",
    "mmofhg": "mmHg",
    "b.p.m": "/min",
    "/cmm": "/mm3",
    "cells/mm3": "/mm3",
    "cells/mm^3": "/mm3",
    "cells/cumm": "/mm3",
    "m^3": "/mm3",  # MedCalc-Bench writes "m^3" for /mm^3
    "µl": "/µL",
    "ul": "/µL",
    "k/ul": "10^3/µL",
    "k/mm3": "10^3/µL",
    "thou/ul": "10^3/µL",
    "thousand/ul": "10^3/µL",
    "x1000/ul": "10^3/µL",
    "x1000/mm3": "10^3/µL",
    "giga/l": "10^9/L",
    "g/l(count)": "10^9/L",
    "lakh/mm3": "lakh/mm3",
    "lakhs/mm3": "lakh/mm3",
    "lakh/cumm": "lakh/mm3",
    "lakhs/cumm": "lakh/mm3",
    "lakh/ul": "lakh/mm3",
    "m/ul": "10^6/µL",
    "mill/ul": "10^6/µL",
    "million/ul": "10^6/µL",
    "kg": "kg",
    "kgs": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "g": "g",
    "gm": "g",
    "gms": "g",
    "gram": "g",
    "grams": "g",
    "mg": "mg",
    "ug": "µg",
    "lb": "lb",
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
    "#": "lb",
    "oz": "oz",
    "ounce": "oz",
    "ounces": "oz",
    "st": "st",
    "stone": "st",
    "cm": "cm",
    "cms": "cm",
    "centimeter": "cm",
    "centimeters": "cm",
    "centimetre": "cm",
    "centimetres": "cm",
    "m": "m",
    "meter": "m",
    "meters": "m",
    "metre": "m",
    "metres": "m",
    "mm": "mm",
    "in": "in",
    "inch": "in",
    "inches": "in",
    '"': "in",
    "''": "in",
    "ft": "ft",
    "feet": "ft",
    "foot": "ft",
    "'": "ft",
    "°c": "°C",
    "c": "°C",
    "degc": "°C",
    "celsius": "°C",
    "celcius": "°C",
    "celsisus": "°C",
    "centigrade": "°C",
    "°f": "°F",
    "f": "°F",
    "degf": "°F",
    "fahrenheit": "°F",
    "farenheit": "°F",
    "fahreinheit": "°F",
    "kelvin": "K",
    "mmhg": "mmHg",
    "mm/hg": "mmHg",
    "torr": "mmHg",
    "kpa": "kPa",
    "cmh2o": "cmH2O",
    "%": "%",
    "percent": "%",
    "pct": "%",
    "fraction": "fraction",
    "s": "s",
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "ms": "ms",
    "msec": "ms",
    "msecs": "ms",
    "millisecond": "ms",
    "milliseconds": "ms",
    "min": "min",
    "mins": "min",
    "minute": "min",
    "minutes": "min",
    "h": "h",
    "hr": "h",
    "hrs": "h",
    "hour": "h",
    "hours": "h",
    "d": "day",
    "day": "day",
    "days": "day",
    "wk": "week",
    "wks": "week",
    "week": "week",
    "weeks": "week",
    "mo": "month",
    "mos": "month",
    "month": "month",
    "months": "month",
    "y": "year",
    "yr": "year",
    "yrs": "year",
    "year": "year",
    "years": "year",
    "ug/kg/min": "µg/kg/min",
    "mc/kg/min": "µg/kg/min",
    "ug/kg/hr": "µg/kg/h",
    "ug/kg/h": "µg/kg/h",
    "mg/kg/hr": "mg/kg/h",
    "mg/kg/h": "mg/kg/h",
    "u/kg/h": "units/kg/h",
    "u/kg/hr": "units/kg/h",
    "units/kg/h": "units/kg/h",
    "units/kg/hr": "units/kg/h",
    "ml/min/1.73m2": "mL/min/1.73m2",
    "ml/min/1.73m^2": "mL/min/1.73m2",
    "ml/min/1.73m²": "mL/min/1.73m2",
    "ph": UNITLESS,
    "ph units": UNITLESS,
    "/min": "/min",
    "min-1": "/min",
    "/minute": "/min",
    "perminute": "/min",
    "permin": "/min",
    "bpm": "/min",
    "beats/min": "/min",
    "beats/minute": "/min",
    "beatsperminute": "/min",
    "beatsperminutes": "/min",
    "beatspermin": "/min",
    "breaths/min": "/min",
    "breaths/minute": "/min",
    "breathsperminute": "/min",
    "breathspermin": "/min",
    "breaths": "/min",
    "beats": "/min",
    "rpm": "/min",
    "u/l": "U/L",
    "iu/l": "U/L",
    "units/l": "U/L",
    "unit/l": "U/L",
    "iu/ml": "U/L",  # never right for enzymes; treated as a typo of IU/L by the extractor only
    "ukat/l": "µkat/L",
    "uiu/ml": "µIU/mL",
    "uu/ml": "µIU/mL",
    "microiu/ml": "µIU/mL",
    "microunits/ml": "µIU/mL",
    "miu/l": "mIU/L",
    "mu/l": "mIU/L",
    "miu/ml": "mIU/mL",
    "ml": "mL",
    "cc": "mL",
    "dl": "dL",
    "l": "L",
    "liters": "L",
    "liter": "L",
    "litres": "L",
    "litre": "L",
    "milliliters": "mL",
    "millilitres": "mL",
    "l/min": "L/min",
    "lpm": "L/min",
    "liters/min": "L/min",
    "litres/min": "L/min",
    "l/minute": "L/min",
    "literperminute": "L/min",
    "litersperminute": "L/min",
    "ml/min": "mL/min",
    "ml/day": "mL/day",
    "ml/d": "mL/day",
    "ml/24h": "mL/day",
    "ml/24hr": "mL/day",
    "ml/24hours": "mL/day",
    "l/day": "L/day",
    "l/d": "L/day",
    "ml/h": "mL/h",
    "ml/hr": "mL/h",
    "ml/hour": "mL/h",
    "mosm/kg": "mOsm/kg",
    "mosmol/kg": "mOsm/kg",
    "mmol/kg": "mOsm/kg",
    # osmolarity (per litre) and osmolality (per kg water) differ by < 1 % in plasma and
    # are used interchangeably in notes; treated as the same quantity here
    "mosm/l": "mOsm/kg",
    "mosmol/l": "mOsm/kg",
    "kg/m2": "kg/m2",
    "kg/m^2": "kg/m2",
    "kg/sqm": "kg/m2",
    "kg/sq.m": "kg/m2",
    "kg/m(2)": "kg/m2",
    "mm/h": "mm/h",
    "mm/hr": "mm/h",
    "mm/hour": "mm/h",
    "mm/1sthour": "mm/h",
    "mm/1sthr": "mm/h",
    "fl": "fL",
    "um3": "fL",
    "mmol/mol": "mmol/mol",
    "": UNITLESS,
    "1": UNITLESS,
    "ratio": UNITLESS,
    "unitless": UNITLESS,
    "score": UNITLESS,
    "points": UNITLESS,
}

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
def _symbol_keys() -> dict[str, _Unit]:
    return {_key(unit.symbol): unit for unit in _UNIT_TABLE}


@lru_cache(maxsize=2048)
def _lookup(text: str) -> _Unit | None:
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
            return _BY_SYMBOL.get(symbol) or _Unit(symbol, "count", factor)
        return None
    return _BY_SYMBOL[symbol]


def _unit(text: str | None) -> _Unit:
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


def _to_molar(value: float, unit: _Unit, molar_mass: float | None, valence: int | None) -> float:
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


def _from_molar(mol_l: float, unit: _Unit, molar_mass: float | None, valence: int | None) -> float:
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
