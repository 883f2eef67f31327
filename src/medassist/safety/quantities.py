"""Numbers with units in free text, and when two of them state the same quantity.

Used by grounding (is a number of a generated text in the note?) and by clinical
validation (dose arithmetic). Units are normalised to a canonical symbol within a
dimension, so ``38.5 °C``, ``38.5C`` and ``38.5 degrees Celsius`` compare equal, ``0.5 g``
equals ``500 mg``, and ``101.3 °F`` equals ``38.5 °C`` (to 0.1 °C).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Quantity", "find_quantities", "normalise_unit", "same_quantity", "to_mg"]


@dataclass(frozen=True)
class UnitInfo:
    symbol: str  # canonical symbol
    dim: str
    factor: float  # to the dimension's base


_UNITS: dict[str, UnitInfo] = {}


def _add(dim: str, symbol: str, factor: float, *aliases: str) -> None:
    info = UnitInfo(symbol, dim, factor)
    for a in (symbol, *aliases):
        _UNITS[a.lower()] = info


_add(
    "temp_c",
    "°C",
    1,
    "c",
    "ºc",
    "° c",
    "degc",
    "deg c",
    "celsius",
    "degrees celsius",
    "degrees c",
    "degree celsius",
    "°c",
)
_add(
    "temp_f",
    "°F",
    1,
    "f",
    "ºf",
    "° f",
    "degf",
    "deg f",
    "fahrenheit",
    "degrees fahrenheit",
    "degrees f",
    "°f",
)
_add("mass", "mg", 1e-3, "milligram", "milligrams", "mgs")
_add("mass", "mcg", 1e-6, "µg", "μg", "ug", "microgram", "micrograms", "mcgs")
_add("mass", "g", 1.0, "gm", "gram", "grams", "gms", "grams")
_add("mass", "kg", 1e3, "kilogram", "kilograms", "kgs")
_add("mass", "ng", 1e-9, "nanogram", "nanograms")
_add("mass", "lb", 453.592, "lbs", "pound", "pounds")
_add("mass", "oz", 28.3495, "ounce", "ounces")
_add(
    "volume", "mL", 1.0, "ml", "cc", "millilitre", "milliliter", "millilitres", "milliliters", "mls"
)
_add("volume", "L", 1000.0, "l", "litre", "liter", "litres", "liters")
_add("pressure", "mmHg", 1.0, "mm hg", "mmhg", "mm of mercury")
_add(
    "rate",
    "/min",
    1.0,
    "bpm",
    "beats per minute",
    "beats/min",
    "/min",
    "per minute",
    "breaths/min",
    "breaths per minute",
    "b/min",
    "min-1",
    "breaths/minute",
    "beats/minute",
    "rpm",
)
_add("percent", "%", 1.0, "percent", "per cent", "pct")
_add("molar", "mmol/L", 1.0, "mmol/l", "mmol")
_add("eq", "mEq/L", 1.0, "meq/l", "meq")
_add("umolar", "µmol/L", 1.0, "umol/l", "μmol/l", "µmol/l", "micromol/l")
_add("mass_conc", "mg/dL", 1e-2, "mg/dl", "mg%")
_add("mass_conc", "g/dL", 10.0, "g/dl", "gm/dl")
_add("mass_conc", "g/L", 1.0, "g/l")
_add("mass_conc", "mg/L", 1e-3, "mg/l")
_add("mass_conc", "ng/mL", 1e-6, "ng/ml", "mcg/l", "µg/l")
_add("mass_conc", "ng/L", 1e-9, "ng/l")
_add("mass_conc", "pg/mL", 1e-9, "pg/ml")
_add("enzyme", "U/L", 1.0, "u/l", "iu/l")
_add("units", "units", 1.0, "unit", "u", "iu", "international units")
_add(
    "count",
    "10^9/L",
    1.0,
    "x10^9/l",
    "×10^9/l",
    "x 10^9/l",
    "10^9/l",
    "k/ul",
    "k/µl",
    "k/mm3",
    "x10^3/ul",
    "10^3/ul",
    "thou/ul",
    "k",
)
_add(
    "years",
    "years",
    1.0,
    "year",
    "yrs",
    "yr",
    "yo",
    "y/o",
    "y.o.",
    "year-old",
    "years-old",
    "year old",
    "years old",
    "yr-old",
    "y",
)
_add("months", "months", 1.0, "month", "mo", "mos", "month-old")
_add("weeks", "weeks", 1.0, "week", "wk", "wks", "week-old")
_add("days", "days", 1.0, "day", "d", "day-old")
_add("hours", "hours", 1.0, "hour", "hr", "hrs", "h")
_add("minutes", "minutes", 1.0, "minute", "mins")
_add("length", "cm", 1.0, "centimetre", "centimeter", "centimetres", "centimeters")
_add("length", "mm", 0.1, "millimetre", "millimeter", "millimetres", "millimeters")
_add("length", "inch", 2.54, "inches")
_add("length", "ft", 30.48, "foot", "feet")
_add("length", "metre", 100.0, "meter", "metres", "meters")
_add("form", "tablet", 1.0, "tab", "tabs", "tablets", "pill", "pills")
_add("form", "capsule", 1.0, "cap", "caps", "capsules")
_add("puff", "puff", 1.0, "puffs", "inhalation", "inhalations")
_add("drop", "drop", 1.0, "drops", "gtt", "gtts")
_add("flow", "L/min", 1.0, "l/min", "lpm", "liters/min", "litres/min", "l per min")
_add("rate_time", "mcg/kg/min", 1.0, "mcg/kg/min", "µg/kg/min")
_add("rate_time", "mg/h", 1.0, "mg/hr", "mg/h")
_add("rate_time", "units/h", 1.0, "units/hr", "u/h", "units/h")
_add("rate_time", "mL/h", 1.0, "ml/hr", "ml/h", "cc/hr")
_add("mass_per_mass", "mg/kg", 1.0, "mg/kg")
_add("bmi", "kg/m2", 1.0, "kg/m²", "kg/m^2")

_UNIT_ALT = "|".join(
    re.escape(u).replace(r"\ ", r"\s?") for u in sorted(_UNITS, key=len, reverse=True)
)
_NUMBER = r"\d+(?:[.,]\d+)?|\.\d+"
_Q_RE = re.compile(
    rf"(?<![\w.])(?P<num>{_NUMBER})(?:\s*(?:-|–|to)\s*(?P<num2>{_NUMBER}))?"
    rf"(?:\s*-?\s*(?P<unit>{_UNIT_ALT})(?![A-Za-z0-9]))?",
    re.IGNORECASE,
)
_BP_RE = re.compile(r"(?<![\w.])(\d{2,3})\s*/\s*(\d{2,3})(?:\s*(mm\s?hg))?(?![\w])", re.IGNORECASE)
_LIST_MARKER = re.compile(r"(?m)^[ \t]*(\d{1,2})[.)]\s")


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: UnitInfo | None
    start: int
    end: int
    text: str

    @property
    def unit_symbol(self) -> str | None:
        return self.unit.symbol if self.unit else None


def normalise_unit(unit: str | None) -> UnitInfo | None:
    if not unit:
        return None
    return _normalise_unit(unit)


@lru_cache(maxsize=4096)
def _normalise_unit(unit: str) -> UnitInfo | None:
    key = re.sub(r"\s+", " ", unit.strip().lower())
    return _UNITS.get(key) or _UNITS.get(key.replace(" ", ""))


def _num(s: str) -> float:
    if "," in s and "." not in s and re.fullmatch(r"\d+,\d{1,2}", s):
        s = s.replace(",", ".")  # decimal comma
    return float(s.replace(",", ""))


def find_quantities(text: str) -> list[Quantity]:
    """Every number in ``text`` with its unit (when one follows), in order.

    Blood pressures ``120/80`` give two quantities in mmHg; ranges ``1-2 tabs`` give both
    ends; enumerators at the start of a line (``1.``, ``2)``) are skipped.
    """
    out: list[Quantity] = []
    taken: set[int] = set()  # character offsets inside blood pressures already read
    skip = {m.start(1) for m in _LIST_MARKER.finditer(text)}
    for m in _BP_RE.finditer(text):
        unit = _UNITS["mmhg"] if m.group(3) or _looks_like_bp(text, m.start()) else None
        if unit is None:
            continue
        for g in (1, 2):
            out.append(Quantity(float(m.group(g)), unit, m.start(g), m.end(g), m.group(g)))
        taken.update(range(m.start(), m.end()))
    for m in _Q_RE.finditer(text):
        if m.start() in skip or m.start() in taken:
            continue
        unit = normalise_unit(m.group("unit")) if m.group("unit") else None
        unit = _sane_unit(unit, m.group("unit"), _num_or_none(m.group("num")))
        end = m.end() if unit else m.end("num2") if m.group("num2") else m.end("num")
        try:
            out.append(
                Quantity(_num(m.group("num")), unit, m.start("num"), end, text[m.start() : end])
            )
            if m.group("num2"):
                out.append(
                    Quantity(
                        _num(m.group("num2")),
                        unit,
                        m.start("num2"),
                        end,
                        text[m.start("num2") : end],
                    )
                )
        except ValueError:
            continue
    out.sort(key=lambda q: q.start)
    return out


def _num_or_none(s: str) -> float | None:
    try:
        return _num(s)
    except ValueError:
        return None


def _sane_unit(unit: UnitInfo | None, written: str | None, value: float | None) -> UnitInfo | None:
    """Drop one-letter units that do not fit the number (``65 F`` is an age and sex)."""
    if unit is None or value is None or written is None:
        return unit
    short = len(written.strip()) == 1
    if (
        short
        and unit.dim in ("temp_f", "temp_c")
        and value.is_integer()
        and not 25 <= value <= 45
        and not 86 <= value <= 113
    ):
        return None  # an integer outside any temperature range: an age with a sex letter
    return unit


_BP_CONTEXT = re.compile(
    r"(?:\bbp\b|blood pressure|\bsbp\b|pressure|\bb/p\b|mmhg|\bnibp\b)", re.IGNORECASE
)


def _looks_like_bp(text: str, pos: int) -> bool:
    return bool(_BP_CONTEXT.search(text[max(0, pos - 30) : pos + 20]))


def _to_c(value: float, unit: UnitInfo) -> float:
    return (value - 32) * 5 / 9 if unit.dim == "temp_f" else value


def same_quantity(a: Quantity, b: Quantity) -> bool | None:
    """True: same value and compatible unit; False: the value matches but the unit conflicts
    (``50 mg`` vs ``50 mcg``) or the value differs; None: cannot compare (no units and
    different values are simply False)."""
    if a.unit is None or b.unit is None:
        return abs(a.value - b.value) <= 1e-9 * max(1.0, abs(a.value)) or _rounded(a, b)
    if a.unit.symbol == b.unit.symbol and _rounded(a, b):
        return True
    if a.unit.dim == b.unit.dim:
        va, vb = a.value * a.unit.factor, b.value * b.unit.factor
        return abs(va - vb) <= 0.005 * max(abs(va), abs(vb), 1e-12)
    if {a.unit.dim, b.unit.dim} == {"temp_c", "temp_f"}:
        return abs(_to_c(a.value, a.unit) - _to_c(b.value, b.unit)) <= 0.15
    return False


def _decimals(text: str) -> int:
    m = re.search(r"\d[.,](\d+)", text)
    return len(m.group(1)) if m else 0


def _rounded(a: Quantity, b: Quantity) -> bool:
    """``a`` states ``b`` at a coarser precision of at least two decimals (0.11 for 0.112)."""
    places = _decimals(a.text)
    return places >= 2 and round(b.value, places) == a.value


def to_mg(value: float, unit: str | None) -> float | None:
    """A mass in mg, or None when ``unit`` is not a mass."""
    info = normalise_unit(unit)
    if info is None or info.dim != "mass":
        return None
    return value * info.factor * 1000.0
