"""Numbers, dose units and the dose grammar shared by the sig parser and prose attachment."""

from __future__ import annotations

import re

_MAX_FORWARD = 100
_MAX_BACKWARD = 80

# --- numbers and units ------------------------------------------------------------------------

#: a cheap guard placed before large alternations: only try them where a word starts
_WS = r"(?<![A-Za-z0-9])(?=[A-Za-z0-9×])"
_WS_LOWER = r"(?<![a-z0-9])(?=[a-z0-9×])"
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_WORD_NUMBERS: dict[str, float] = {
    "one-half": 0.5,
    "one half": 0.5,
    "half": 0.5,
    "1/2": 0.5,
    "one-quarter": 0.25,
    "1/4": 0.25,
    "a": 1.0,
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "seven": 7.0,
    "eight": 8.0,
    "nine": 9.0,
    "ten": 10.0,
    "one and a half": 1.5,
    "one and one-half": 1.5,
}
_COUNT = (
    r"(?:one and (?:a |one-)half|one[- ]half|one[- ]quarter|1/2|1/4|one|two|three|four|five|"
    r"six|seven|eight|nine|ten|" + _NUM + r")"
)
_UNIT_WORDS = (
    r"(?:micrograms?|microg|milligrams?|mcg|µg|μg|ug|mg|nanograms?|ng|grams?|gm|g|"
    r"million\s+(?:international\s+)?units|miu|international\s+units|units?|iu|u|"
    r"meq|mmol|ml|cc|liters?|litres?|l|puffs?|inhalations?|tablets?|tabs?|pills?|capsules?|caps?|"
    r"drops?|gtts?|sprays?|patch(?:es)?|scoops?|packets?|vials?|ampules?|ampoules?|"
    r"suppositor(?:y|ies)|sachets?|%)"
)
#: "/kg", " per kg", "kg−1" (SI style), then "/h", " per day", "/dose", "/week"
_PER = r"(?:\s*/\s*|\s+per\s+)"
_UNIT = (
    _UNIT_WORDS + r"(?:" + _PER + r"(?:kg|kilograms?|m2|m²|m\(2\)|square\s+met(?:er|re)s?)"
    r"|\s*kg\s*[−⁻-]\s*1(?!\d))?"
    r"(?:" + _PER + r"(?:hr|hours?|h|min|minutes?|day|d|dose|week|wk))?"
    r"(?!(?!x\d)[a-z])"  # a letter ends no unit, except a count of courses: "80 mg/m2x3"
)
_COUNT_UNIT = (
    r"(?:tablets?|tabs?|pills?|capsules?|caps?|puffs?|inhalations?|drops?|gtts?|sprays?|"
    r"patch(?:es)?|scoops?|packets?|vials?|ampules?|ampoules?|suppositor(?:y|ies))"
)

_UNIT_NORMAL: dict[str, str] = {
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "mcg": "mcg",
    "µg": "mcg",
    "μg": "mcg",
    "ug": "mcg",
    "microgram": "mcg",
    "micrograms": "mcg",
    "microg": "mcg",  # PubMed abstracts write µ as "micro"
    "g": "g",
    "gm": "g",
    "gram": "g",
    "grams": "g",
    "unit": "units",
    "units": "units",
    "u": "units",
    "iu": "units",
    "international units": "units",
    "million units": "million units",
    "million international units": "million units",
    "miu": "million units",
    "ng": "ng",
    "nanogram": "ng",
    "nanograms": "ng",
    "sachet": "sachets",
    "sachets": "sachets",
    "kilogram": "kg",
    "kilograms": "kg",
    "square meter": "m2",
    "square meters": "m2",
    "square metre": "m2",
    "square metres": "m2",
    "meq": "mEq",
    "mmol": "mmol",
    "ml": "mL",
    "cc": "mL",
    "l": "L",
    "liter": "L",
    "liters": "L",
    "litre": "L",
    "litres": "L",
    "puff": "puffs",
    "puffs": "puffs",
    "inhalation": "puffs",
    "inhalations": "puffs",
    "tab": "tabs",
    "tabs": "tabs",
    "tablet": "tabs",
    "tablets": "tabs",
    "pill": "tabs",
    "pills": "tabs",
    "cap": "caps",
    "caps": "caps",
    "capsule": "caps",
    "capsules": "caps",
    "drop": "drops",
    "drops": "drops",
    "gtt": "drops",
    "gtts": "drops",
    "spray": "sprays",
    "sprays": "sprays",
    "patch": "patch",
    "patches": "patch",
    "scoop": "scoops",
    "scoops": "scoops",
    "packet": "packets",
    "packets": "packets",
    "vial": "vials",
    "vials": "vials",
    "ampule": "ampules",
    "ampules": "ampules",
    "ampoule": "ampules",
    "ampoules": "ampules",
    "suppository": "suppositories",
    "suppositories": "suppositories",
    "%": "%",
    "kg": "kg",
    "m2": "m2",
    "hr": "hr",
    "hour": "hr",
    "h": "hr",
    "min": "min",
    "minute": "min",
    "minutes": "min",
    "hours": "hr",
    "week": "week",
    "wk": "week",
    "day": "day",
    "d": "day",
    "dose": "dose",
}
_MASS_UNITS = frozenset({"mg", "mcg", "g", "units", "mEq", "mmol", "mL"})
_COUNT_UNITS = frozenset(
    {
        "tabs",
        "caps",
        "puffs",
        "drops",
        "sprays",
        "patch",
        "scoops",
        "packets",
        "vials",
        "ampules",
        "suppositories",
    }
)
#: products whose number is part of the name or a concentration ("Isovue 300", "Optiray 350")
_NO_BARE_DOSE = frozenset(
    {
        "iopamidol",
        "iohexol",
        "ioversol",
        "iodixanol",
        "iopromide",
        "iothalamic acid",
        "ioxaglate",
        "ioxilan",
        "diatrizoate",
        "gadolinium",
        "iodine",
    }
)


_PER_WORD = re.compile(r"\s+per\s+")
_SI_PER_KG = re.compile(r"\s*kg\s*[−⁻-]\s*1")


def normalize_unit(unit: str | None) -> str | None:
    """Canonical spelling of a dose unit: ``µg``/``ug``/``micrograms`` -> ``mcg``, ``cc`` -> ``mL``,
    ``tablets`` -> ``tabs``, ``u``/``IU`` -> ``units``; rates keep their parts (``mcg/kg/min``).
    Unknown units come back unchanged (``None`` stays ``None``)."""
    if unit is None:
        return None
    unit = _PER_WORD.sub("/", unit.lower())
    unit = _SI_PER_KG.sub("/kg", unit).replace("m²", "m2").replace("m(2)", "m2")
    parts = [re.sub(r"\s+", " ", p.strip()) for p in unit.split("/")]
    out = [_UNIT_NORMAL.get(p, p) for p in parts if p]
    return "/".join(out) if out else None


def _number(text: str) -> float:
    key = text.strip().lower()
    if key in _WORD_NUMBERS:
        return _WORD_NUMBERS[key]
    return float(key.replace(",", ""))


# --- the dose right after the name -------------------------------------------------------------

_FILLER = (
    r"(?:\s*(?:\([^()\n]{0,40}\)"
    r"|(?:xl|xr|er|sr|cr|la|dr|ec|odt|ir|cd|ds|hcl|sodium|potassium|tartrate|succinate|"
    r"besylate|maleate|hydrochloride|sulfate|extended[- ]release|immediate[- ]release|"
    r"tablets?|tabs?|capsules?|caps?|oral|solution|suspension|elixir|liquid|syrup|drip|"
    r"infusion|gtt|inhaler|mdi|nebs?|nebulizers?|hfa|patch|cream|ointment|gel|injection|inj|"
    r"pen|flexpen|kwikpen|insulin|dose|dosed|iv|po|p\.o\.|sl|im|sc|sq|subq)(?![a-z])"
    r"|[-:–=)]))*"
)
#: after a number: a time, a length, a count of times: not a dose ("30 minutes", "3-4 times")
_NOT_A_DOSE_AFTER = (
    r"(?!\s*(?:(?:-|–|to)\s*" + _NUM + r")?\s*-?\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|"
    r"days?|weeks?|wks?|months?|years?|yrs?|times|x\b|cm|mm|inch(?:es)?|fingerbreadths?|"
    r"beats|bpm|mmhg|percent)(?![a-z]))"
)
_HEAD = re.compile(
    _FILLER + r"\s*(?:"
    # combination strength 5/325 (no single dose), optionally followed by a count
    r"(?P<combo>" + _NUM + r"(?:\s*/\s*" + _NUM + r")+)(?:\s*(?:mg|mcg))?"
    r"|(?P<n1>"
    + _NUM
    + r")(?!\d)(?!\s*:\s*\d)"
    + _NOT_A_DOSE_AFTER
    + r"(?:\s*(?:-|–|to)\s*(?P<n2>"
    + _NUM
    + r")(?!\d))?"
    r"(?:\s*-?\s*(?P<unit>" + _UNIT + r"))?"
    r")",
    re.IGNORECASE,
)
#: "was increased to 20 mg", "drip at 1,000 units/hr", "a dose of 2 g": a unit is required
_NAME_NUMBER = re.compile(r"-(?:[A-Za-z]{1,2}\s*)?\d")
_LOOSE_HEAD = re.compile(
    r"^(?:\s*(?:\([^()\n]{0,40}\)|was|were|is|has|have|been|being|be|increased|decreased|"
    r"changed|titrated|reduced|adjusted|weaned|up|down|to|at|of|a|an|the|dose|doses|dosed|"
    r"drip|infusion|rate|total|given|started|run(?:ning)?|with|xl|sr|er|[-:–=])(?![a-z]))+"
    r"\s*(?P<n1>" + _NUM + r")(?:\s*(?:-|–|to)\s*(?P<n2>" + _NUM + r"))?"
    r"\s*(?P<unit>" + _UNIT + r")",
    re.IGNORECASE,
)
_COUNT_AFTER = re.compile(
    r"^\s*(?:,\s*)?(?:#\s*\d+\s*)?(?:take\s+)?(?P<c1>" + _COUNT + r")"
    r"(?:\s*(?:-|–|to|or)\s*(?P<c2>" + _COUNT + r"))?"
    r"(?:\s*(?P<cunit>" + _COUNT_UNIT + r")(?![a-z])"
    r"|(?=\s+(?:p\.?\s?o\.?|by\s+mouth|orally|sl|pr|q\.?\s*\d|q\.?\s*(?:d|day|hs|am|pm)\b|"
    r"b\.?i\.?d|t\.?i\.?d|q\.?i\.?d|daily|nightly|at\s+bedtime|twice|three|four|once)(?![a-z])))",
    re.IGNORECASE,
)
_BARE_COUNT = re.compile(
    _FILLER
    + r"\s*(?:with\s+\w+\s+)?(?P<c1>"
    + _COUNT
    + r")(?:\s*(?:-|–|to|or)\s*(?P<c2>"
    + _COUNT
    + r"))?\s*(?P<cunit>"
    + _COUNT_UNIT
    + r")(?![a-z])",
    re.IGNORECASE,
)
_BEFORE_DOSE = re.compile(
    r"(?P<n1>" + _NUM + r")(?:\s*(?:-|–|to)\s*(?P<n2>" + _NUM + r"))?\s*(?P<unit>" + _UNIT + r")"
    r"\s*(?:of\s+)?(?:(?:iv|po|p\.o\.|sl|im|sc|oral|subcutaneous|intravenous|inhaled|"
    r"nebulized|topical)\s+)?(?:of\s+)?$",
    re.IGNORECASE,
)


# --- windows -----------------------------------------------------------------------------------


def _line_start(text: str, pos: int, reach: int) -> int:
    """Start of the line holding ``pos``, looking back at most ``reach`` characters."""
    lower = max(0, pos - reach)
    found = text.rfind("\n", lower, pos)
    return found + 1 if found >= 0 else lower


def _line_end(text: str, pos: int, reach: int) -> int:
    upper = min(len(text), pos + reach)
    found = text.find("\n", pos, upper)
    return upper if found < 0 else found
