"""Numbers with units in free text, and when two of them state the same quantity.

Used by grounding (is a number of a generated text in the note?) and by clinical
validation (dose arithmetic). Units are those of the one unit table
(:mod:`medassist.text.units`), normalised to a canonical symbol within a dimension, so
``38.5 °C``, ``38.5C`` and ``38.5 degrees Celsius`` compare equal, ``0.5 g`` equals ``500 mg``, and ``101.3 °F`` equals ``38.5 °C`` (to 0.1 °C).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from medassist.errors import UnitConversionError
from medassist.text.units import Unit, convert, lookup_unit

__all__ = ["Quantity", "find_quantities", "normalise_unit", "same_quantity", "to_mg"]


#: a unit token after a number: letters, symbols and "/", up to two words ("mg", "mmHg",
#: "beats per minute", "°F", "10^9/L"); which of them is a unit, the one unit table decides
_UNIT_TOKEN = r"(?:[x×]\s?10\^?\d+/\w+|[A-Za-z°º%µμ#][\w°º%µμ^/.\-²³]*|/[\w°µμ^]+)"
_UNIT_WORDS = re.compile(rf"\s{{0,2}}-?\s?(?P<unit>{_UNIT_TOKEN}(?:\s{{1,2}}{_UNIT_TOKEN}){{0,2}})")
_NUMBER = r"\d+(?:[.,]\d+)?|\.\d+"
_Q_RE = re.compile(
    rf"(?<![\w.])(?P<num>{_NUMBER})(?:\s*(?:-|–|to)\s*(?P<num2>{_NUMBER}))?", re.IGNORECASE
)
_BP_RE = re.compile(r"(?<![\w.])(\d{2,3})\s*/\s*(\d{2,3})(?:\s*(mm\s?hg))?(?![\w])", re.IGNORECASE)
_LIST_MARKER = re.compile(r"(?m)^[ \t]*(\d{1,2})[.)]\s")


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: Unit | None
    start: int
    end: int
    text: str

    @property
    def unit_symbol(self) -> str | None:
        return self.unit.symbol if self.unit else None


def normalise_unit(unit: str | None) -> Unit | None:
    """The unit a spelling names in the one unit table (None: not a unit, or unitless)."""
    if not unit:
        return None
    return _normalise_unit(unit)


@lru_cache(maxsize=4096)
def _normalise_unit(unit: str) -> Unit | None:
    found = lookup_unit(re.sub(r"\s+", " ", unit.strip()))
    return None if found is None or found.dim == "unitless" else found


_MMHG = lookup_unit("mmHg")


def _unit_after(text: str, pos: int) -> tuple[Unit, int] | None:
    """The longest run of unit words at ``pos`` that the unit table knows, and its end."""
    m = _UNIT_WORDS.match(text, pos)
    if m is None:
        return None
    words = list(re.finditer(_UNIT_TOKEN, m.group("unit")))
    base = m.start("unit")
    for n in range(len(words), 0, -1):
        end = base + words[n - 1].end()
        written = text[base:end]
        while written and written[-1] in ".-/" and len(written) > 1:
            written, end = written[:-1], end - 1
        unit = normalise_unit(written)
        if unit is not None and not (end < len(text) and text[end].isalnum()):
            return unit, end
    return None


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
        unit = _MMHG if m.group(3) or _looks_like_bp(text, m.start()) else None
        if unit is None:
            continue
        for g in (1, 2):
            out.append(Quantity(float(m.group(g)), unit, m.start(g), m.end(g), m.group(g)))
        taken.update(range(m.start(), m.end()))
    unit_end = 0  # end of the last unit read: numbers inside it ("10^9/L") are no quantities
    for m in _Q_RE.finditer(text):
        if m.start() in skip or m.start() in taken or m.start() < unit_end:
            continue
        found = _unit_after(text, m.end())
        unit = _sane_unit(
            found[0] if found else None,
            text[m.end() : found[1]] if found else None,
            _num_or_none(m.group("num")),
        )
        end = found[1] if unit and found else m.end("num2") if m.group("num2") else m.end("num")
        unit_end = end if unit else unit_end
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


def _sane_unit(unit: Unit | None, written: str | None, value: float | None) -> Unit | None:
    """Drop one-letter units that do not fit the number (``65 F`` is an age and sex)."""
    if unit is None or value is None or written is None:
        return unit
    short = len(written.strip()) == 1
    if (
        short
        and unit.dim == "temperature"
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


def same_quantity(a: Quantity, b: Quantity) -> bool | None:
    """True: same value and compatible unit; False: the value matches but the unit conflicts
    (``50 mg`` vs ``50 mcg``) or the value differs; None: cannot compare (no units and
    different values are simply False)."""
    if a.unit is None or b.unit is None:
        return abs(a.value - b.value) <= 1e-9 * max(1.0, abs(a.value)) or _rounded(a, b)
    if a.unit.symbol == b.unit.symbol and _rounded(a, b):
        return True
    if a.unit.dim != b.unit.dim:
        return False
    if a.unit.dim == "temperature":  # 101.3 °F states 38.5 °C (to 0.1 °C)
        try:
            return (
                abs(convert(a.value, a.unit.symbol, "°C") - convert(b.value, b.unit.symbol, "°C"))
                <= 0.15
            )
        except UnitConversionError:
            return False
    va, vb = a.value * a.unit.factor, b.value * b.unit.factor
    return abs(va - vb) <= 0.005 * max(abs(va), abs(vb), 1e-12)


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
    return convert(value, info.symbol, "mg")
