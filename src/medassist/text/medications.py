"""Structured medication extraction: dose, unit, route, frequency, PRN, duration, status.

For every medication entity (found by :mod:`medassist.text.drugs` through the matcher, context
already set) the text around the mention is parsed:

* forward, up to the end of the line, of the clause, or the next medication mention
  (so comma lists such as ``lisinopril 20 daily, atorvastatin 40 qhs`` split cleanly): the
  dose right after the name (fillers such as ``XL``, ``(Toprol)``, ``tablet``, ``-`` allowed;
  a strength times a tablet count gives the dose; ``5/325`` combination strengths give no single
  dose), route, frequency, PRN and its reason, duration;
* backward, to the start of the line/sentence/clause: a dose written before the name
  (``81 mg aspirin``), a route (``IV Protonix``), and the closest status cue (``started``,
  ``stopped``, ``hold``, ``continue``, ``increase``, ``on``).

Numbers not adjacent to the name are never doses (``hold metoprolol for SBP < 100``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from medassist.errors import InputError
from medassist.schemas.common import Span
from medassist.schemas.text import Entity, Medication, Section

__all__ = ["Sig", "extract_medications", "parse_sig", "normalize_unit", "normalize_frequency"]

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
    r"(?:micrograms?|milligrams?|mcg|µg|μg|ug|mg|grams?|gm|g|international\s+units|units?|iu|u|"
    r"meq|mmol|ml|cc|liters?|litres?|l|puffs?|inhalations?|tablets?|tabs?|pills?|capsules?|caps?|"
    r"drops?|gtts?|sprays?|patch(?:es)?|scoops?|packets?|vials?|ampules?|ampoules?|"
    r"suppositor(?:y|ies)|%)"
)
_UNIT = (
    _UNIT_WORDS + r"(?:\s*/\s*(?:kg|m2))?(?:\s*/\s*(?:hr|hour|h|min|minute|day|d|dose))?(?![a-z])"
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
    "g": "g",
    "gm": "g",
    "gram": "g",
    "grams": "g",
    "unit": "units",
    "units": "units",
    "u": "units",
    "iu": "units",
    "international units": "units",
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


def normalize_unit(unit: str | None) -> str | None:
    """Canonical spelling of a dose unit: ``µg``/``ug``/``micrograms`` -> ``mcg``, ``cc`` -> ``mL``,
    ``tablets`` -> ``tabs``, ``u``/``IU`` -> ``units``; rates keep their parts (``mcg/kg/min``).
    Unknown units come back unchanged (``None`` stays ``None``)."""
    if unit is None:
        return None
    parts = [re.sub(r"\s+", " ", p.strip().lower()) for p in unit.split("/")]
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
    r"|[-:–=]))*"
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

# --- route, frequency, prn, duration -----------------------------------------------------------

_ROUTES: list[tuple[str, str]] = [
    ("PO", r"\b(?:p\.\s?o\.?|po|per\s+os|by\s+mouth|orally|oral)(?![a-z])"),
    ("IV", r"\b(?:i\.v\.?|iv|ivpb|ivp|iv\s+push|intravenous(?:ly)?)(?![a-z])"),
    ("IM", r"\b(?:i\.m\.?|im|intramuscular(?:ly)?)(?![a-z])"),
    (
        "SC",
        r"\b(?:s\.c\.?|sc|s\.q\.?|sq|sub\s*-?\s*q|subq|subcut(?:aneous(?:ly)?)?|subcu)(?![a-z])",
    ),
    ("SL", r"\b(?:s\.l\.?|sl|sublingual(?:ly)?)(?![a-z])"),
    ("PR", r"(?:(?-i:PR)\b|p\.r\.(?!\s*n)|per\s+rectum\b|rectal(?:ly)?\b|suppository\b)"),
    (
        "inhaled",
        r"\b(?:inhaled|inhalation|inh|via\s+neb(?:ulizer)?|nebs?|nebulized|nebulizer|mdi|"
        r"inhaler|hfa)(?![a-z])",
    ),
    ("NG", r"\b(?:(?:via|per)\s+(?:ngt?|og)|ng\s+tube|ngt)(?![a-z])"),
    ("per tube", r"\b(?:via|per)\s+(?:peg|g[- ]?tube|j[- ]?tube|feeding\s+tube|tube)(?![a-z])"),
    ("transdermal", r"\b(?:transdermal(?:ly)?|patch(?:es)?|td)(?![a-z])"),
    ("topical", r"\b(?:topical(?:ly)?|cream|ointment|lotion|gel)(?![a-z])"),
    ("ophthalmic", r"\b(?:ophthalmic|eye\s*drops?|(?:in|to)\s+(?:each|both)\s+eyes?)(?![a-z])"),
    ("nasal", r"\b(?:intranasal(?:ly)?|nasal(?:ly)?|each\s+nostril|per\s+nostril)(?![a-z])"),
]
_ROUTE_RE = re.compile(
    _WS + "(?:" + "|".join(f"(?P<r{i}>{p})" for i, (_, p) in enumerate(_ROUTES)) + ")",
    re.IGNORECASE,
)
_ROUTE_NAME = {f"r{i}": name for i, (name, _) in enumerate(_ROUTES)}
_ROUTE_BEFORE = re.compile(
    r"(?:^|[\s(])(?P<r>iv|i\.v\.|po|p\.o\.|sl|im|sc|sq|subq|subcu|subcutaneous|intravenous|"
    r"inhaled|nebulized|topical|oral|transdermal)\s+$",
    re.IGNORECASE,
)
_ROUTE_BEFORE_NORMAL = {
    "iv": "IV",
    "i.v.": "IV",
    "intravenous": "IV",
    "po": "PO",
    "p.o.": "PO",
    "oral": "PO",
    "sl": "SL",
    "im": "IM",
    "sc": "SC",
    "sq": "SC",
    "subq": "SC",
    "subcu": "SC",
    "subcutaneous": "SC",
    "inhaled": "inhaled",
    "nebulized": "inhaled",
    "topical": "topical",
    "transdermal": "transdermal",
}

_WN = r"(?:\d+|one|two|three|four|five|six|seven|eight|ten|twelve|twenty-four)"
_H = r"\.?\s*h(?:ours?|rs?|r)?\b\.?"
_FREQ_PATTERNS: list[tuple[str, str]] = [
    ("qrange", r"\bq\.?\s*(?P<a>\d+)\s*(?:-|–|to)\s*(?P<b>\d+)" + _H),
    (
        "qrange",
        r"\bevery\s+(?P<a>"
        + _WN
        + r")\s*(?:-|–|to|or)\s*(?P<b>"
        + _WN
        + r")\s*(?:hours?|hrs?|h)\b",
    ),
    ("qh", r"\bq\.?\s*(?P<a>\d+)" + _H),
    ("qh", r"\bevery\s+(?P<a>" + _WN + r")\s*(?:hours?|hrs?|h)\b"),
    ("qh1", r"\b(?:every\s+hour|hourly|q\.?\s*h\.?(?![a-z.]))"),
    ("qmin", r"\bq\.?\s*(?P<a>\d+)\s*min(?:utes?|s)?\b|\bevery\s+(?P<b>\d+)\s*min(?:utes?|s)?\b"),
    (
        "BID",
        r"\bb\.?\s?i\.?\s?d\.?(?![a-z])|\b(?:twice|two\s+times|2\s+times|2x)\s+(?:a\s+|per\s+|each\s+)?(?:day|daily)\b|\btwice\s+daily\b",
    ),
    (
        "TID",
        r"\bt\.?\s?i\.?\s?d\.?(?![a-z])|\b(?:three|3)\s+times\s+(?:a\s+|per\s+|each\s+)?(?:day|daily)\b",
    ),
    (
        "QID",
        r"\bq\.?\s?i\.?\s?d\.?(?![a-z])|\b(?:four|4)\s+times\s+(?:a\s+|per\s+|each\s+)?(?:day|daily)\b",
    ),
    (
        "qHS",
        r"\bq\.?\s?h\.?\s?s\.?(?![a-z])|\b(?:at\s+)?bedtime\b|\bnightly\b|\b(?:at|every|each)\s+night\b|\bat\s+h\.?\s?s\.?(?![a-z])|\bh\.s\.",
    ),
    (
        "qPM",
        r"\bqpm\b|\bq\.\s?p\.\s?m\.|\bevery\s+evening\b|\bin\s+the\s+evening\b|\beach\s+evening\b",
    ),
    (
        "qAM",
        r"\bq\.?\s?a\.?\s?m\.?(?![a-z])|\bevery\s+morning\b|\bin\s+the\s+morning\b|\beach\s+morning\b",
    ),
    ("QOD", r"\bq\.?\s?o\.?\s?d\.?(?![a-z])|\bevery\s+other\s+day\b"),
    ("weekly2", r"\btwice\s+(?:a|per|each)\s+week\b|\b(?:two|2)\s+times\s+(?:a|per)\s+week\b"),
    ("weekly3", r"\b(?:three|3)\s+times\s+(?:a|per)\s+week\b"),
    (
        "weekly",
        r"\bweekly\b|\bonce\s+(?:a|per|each)\s+week\b|\bevery\s+week\b|\bq\.?\s*(?:1\s*)?w(?:ee)?k\b\.?|\bq\.?\s*week\b|\bper\s+week\b|\ba\s+week\b",
    ),
    ("monthly", r"\bmonthly\b|\bonce\s+(?:a|per)\s+month\b|\bevery\s+month\b|\bq\.?\s*month\b"),
    (
        "every_n",
        r"\bevery\s+(?P<a>"
        + _WN
        + r")\s+(?P<u>days|weeks|months)\b|\bq\.?\s*(?P<b>\d+)\s*(?P<v>days|weeks|months|d|wks?)\b",
    ),
    (
        "daily",
        r"\bq\.?\s?d\.?(?![a-z])|\bq\.?\s*day\b|\bqday\b|\bdaily\b|\bonce\s+(?:a\s+|per\s+|each\s+)?day\b|\bevery\s+day\b|\b(?:a|per|each)\s+day\b|\bq\s*24\s*h(?:ours?|rs?|r)?\b|\bevery\s+24\s+hours\b|\bod\b",
    ),
    (
        "AC",
        r"\ba\.c\.(?![a-z])|\bbefore\s+(?:meals|each\s+meal|breakfast|dinner|supper)\b|\bac\s+(?:and\s+hs|&\s*hs)\b",
    ),
    ("PC", r"\bp\.c\.(?![a-z])|\bafter\s+meals\b"),
    ("with meals", r"\bwith\s+(?:meals|each\s+meal|food|breakfast|dinner|supper)\b"),
    (
        "once",
        r"\bonce\b(?!\s+(?:a\b|daily|per|weekly|each|every))|\bx\s*1\b(?!\s*(?:days?|weeks?|months?|d\b|wks?))|\bstat\b|\bone[- ]time\b|\bsingle\s+dose\b|\bone\s+dose\b",
    ),
    ("continuous", r"\b(?:drip|infusion|gtt|continuous(?:ly)?)\b"),
]
_FREQ = re.compile(
    _WS_LOWER
    + "(?:"
    + "|".join(
        f"(?P<f{i}>{pattern.replace('(?P<', f'(?P<x{i}_')})"
        for i, (_, pattern) in enumerate(_FREQ_PATTERNS)
    )
    + ")"
)  # searched in lower-cased text (faster than IGNORECASE)
_FREQ_KIND = {f"f{i}": kind for i, (kind, _) in enumerate(_FREQ_PATTERNS)}
_FREQ_CONST = {
    "qh1": "q1h",
    "BID": "BID",
    "TID": "TID",
    "QID": "QID",
    "qHS": "qHS",
    "qAM": "qAM",
    "qPM": "qPM",
    "QOD": "every other day",
    "weekly2": "twice weekly",
    "weekly3": "3 times weekly",
    "weekly": "weekly",
    "monthly": "monthly",
    "daily": "daily",
    "AC": "AC",
    "PC": "PC",
    "with meals": "with meals",
    "once": "once",
    "continuous": "continuous",
}
_WORD_INT = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "ten": 10,
    "twelve": 12,
    "twenty-four": 24,
}

_PRN = re.compile(
    _WS
    + r"(?:p\.\s?r\.\s?n\.?|prn|as\s+needed|as\s+necessary|when\s+needed|if\s+needed|on\s+demand)"
    r"(?![a-z])",
    re.IGNORECASE,
)
#: cheap pre-checks (substring alternations) before the larger patterns run
_PRN_HINTS = re.compile(r"prn|p\.\s?r\.\s?n|needed|necessary|demand")
_DURATION_HINTS = re.compile(r"day|week|wk|month|mo|dose|d\b")
_POST_HINTS = re.compile(
    r"start|initiat|begun|stop|discontinu|d/c|dc|held|continu|resum|increas|decreas|chang|"
    r"titrat|taper|reduc|switch|adjust|added|wean"
)
_REASON_GAP = re.compile(r"[ ]{1,2}|/")
_IV_HINT = re.compile(r"\b(?:drip|gtt|infusion|bolus)\b", re.IGNORECASE)
_PUNCT = re.compile(r"[,;.()]")
_REASON_STOP = frozenset(
    [
        "basis",
        "q",
        "every",
        "max",
        "maximum",
        "not",
        "up",
        "may",
        "then",
        "as",
        "with",
        "at",
        "in",
        "to",
        "until",
        "while",
        "on",
        "per",
        "by",
        "if",
        "from",
        "but",
        "which",
        "that",
        "he",
        "she",
        "patient",
        "take",
        "give",
        "use",
        "may",
        "x",
        "times",
        "daily",
        "nightly",
        "bid",
        "tid",
        "qid",
        "po",
        "iv",
        "dose",
        "doses",
        "and",
        "mg",
        "please",
        "also",
    ]
)
_REASON_WORD = re.compile(r"[a-z][a-z'/-]*", re.IGNORECASE)

_DURATION = re.compile(
    _WS + r"(?:(?:for|x|×)\s*(?:a\s+total\s+of\s+|another\s+|the\s+next\s+|an?\s+additional\s+|"
    r"an?\s+)?(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten|fourteen|"
    r"twenty-one|thirty)?\s*-?\s*(?P<u>days?|d|weeks?|wks?|months?|mos?|doses?)(?![a-z])"
    r"|(?P<n2>\d+|one|two|three|five|seven|ten|fourteen)[- ](?P<u2>day|week|month)\s+"
    r"(?:course|supply|trial|taper)\b)",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"\ban?\s", re.IGNORECASE)
_DURATION_UNIT = {
    "d": "days",
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "wk": "weeks",
    "wks": "weeks",
    "month": "months",
    "months": "months",
    "mo": "months",
    "mos": "months",
    "dose": "doses",
    "doses": "doses",
}
_DURATION_NUMBER = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fourteen": 14,
    "twenty-one": 21,
    "thirty": 30,
}

# --- status ------------------------------------------------------------------------------------

_PATIENT = r"(?:\s+(?:him|her|them|the\s+patient|patient|pt))?"
_STATUS_CUES: list[tuple[str, str]] = [
    (
        "stopped",
        r"\bstopped\s+taking\b|\bno\s+longer\s+(?:on|taking|takes)\b|\btaken\s+off(?:\s+of)?\b|\bcame\s+off(?:\s+of)?\b",
    ),
    (
        "started",
        r"\b(?:was\s+|were\s+|been\s+|be\s+)?(?:re)?start(?:ed|ing|s)?"
        + _PATIENT
        + r"(?:\s+back)?(?:\s+on)?\b",
    ),
    (
        "started",
        r"\binitiat(?:ed|e|ing)"
        + _PATIENT
        + r"(?:\s+on)?\b|\bbegun(?:\s+on)?\b|\bbegan\b|\bbegin(?:ning)?(?:\s+on)?\b|\bcommenc(?:ed|e)\b",
    ),
    (
        "started",
        r"\b(?:placed|put)"
        + _PATIENT
        + r"\s+on\b|\badd(?:ed)?\b|\bprescribed\b|\bnew(?:ly)?(?:\s+started)?\b|\bloaded\s+with\b|\btrial\s+of\b",
    ),
    (
        "stopped",
        r"\bstop(?:ped|ping|s)?\b|\bdiscontinu(?:ed|e|es|ing)\b|\bd/c(?:'?d|ed)?\b|\bdc(?:'?d|ed)\b|\bquit\b|\bceased?\b",
    ),
    ("held", r"\bhold(?:ing|s)?\b|\bheld\b|\bwithh(?:eld|old(?:ing)?)\b"),
    (
        "continued",
        r"\bcontinu(?:e|ed|es|ing)(?:\s+on)?\b|\bresum(?:e|ed|ing)\b|\b(?:maintained|remains?|remained|stay(?:s|ed)?|kept)\s+on\b",
    ),
    (
        "changed",
        r"\b(?:increas|decreas|titrat|reduc|chang|tapered?|wean)(?:e|ed|es|ing)?\b|\btaper(?:ing)?\b|\bswitch(?:ed|ing)?(?:\s+to)?\b|\b(?:up|down)[- ]?titrat\w*|\bdoubled?\b|\bhalved?\b",
    ),
    (
        "active",
        r"\b(?:takes|taking|take|took|uses|using)\b|\b(?:currently|still|is|was|already|been)\s+on\b",
    ),
    ("active_on", r"\bon\b"),
    ("stopped_off", r"\boff(?:\s+of)?\b"),
]
_STATUS = re.compile(
    _WS + "(?:" + "|".join(f"(?P<s{i}>{p})" for i, (_, p) in enumerate(_STATUS_CUES)) + ")",
    re.IGNORECASE,
)
#: cues that count only right before the drug ("on his aspirin", "off warfarin")
_STATUS_ALIAS = {"active_on": "active", "stopped_off": "stopped"}
_STATUS_KIND = {f"s{i}": kind for i, (kind, _) in enumerate(_STATUS_CUES)}
#: between an "on" cue and the drug only these words may stand: "on his home aspirin"
_ON_GAP = re.compile(
    r"^\s*(?:(?:his|her|their|home|a|an|the|chronic|low[- ]dose|high[- ]dose|daily|oral|po|iv|"
    r"subcutaneous|sq|sc|inhaled|prophylactic|therapeutic|full[- ]dose|baby|maintenance)\s+)*$",
    re.IGNORECASE,
)
_POST_STATUS = re.compile(
    _WS + r"(?P<aux>(?:was|were|is|are|has\s+been|have\s+been|had\s+been|been|being|be|got|get)"
    r"(?:\s+(?:then|now|also|subsequently|recently|since|later))?\s+)?"
    r"(?P<cue>started|initiated|begun|restarted|stopped|discontinued|d/c'?d|dc'?d|held|"
    r"continued|resumed|increased|decreased|changed|titrated|tapered|reduced|switched|adjusted|"
    r"added|weaned)\b",
    re.IGNORECASE,
)
_WHICH = re.compile(r",\s*(?:which|that)\s+$", re.IGNORECASE)
#: a bare participle must follow the name or its dose directly: "Lasix 40 mg held"
_BARE_PREFIX = re.compile(r"^\s*(?:" + _NUM + r"\s*[a-z%]{0,6}\s*)?[-:,]?\s*$", re.IGNORECASE)
_POST_KIND = {
    "started": "started",
    "initiated": "started",
    "begun": "started",
    "restarted": "started",
    "added": "started",
    "stopped": "stopped",
    "discontinued": "stopped",
    "held": "held",
    "continued": "continued",
    "resumed": "continued",
}

#: a clause ends at ";" or at a period that is not part of an abbreviation (p.o., b.i.d., Dr.)
_CLAUSE_END = re.compile(
    r";|\.(?<![A-Za-z]\.[A-Za-z]\.)(?<!\b[A-Za-z]\.)(?<!\bDr\.)(?<!\bmg\.)(?<!\bvs\.)"
    r"(?=\s+[A-Z(\d]|\s*$|,\s*[A-Z\d])"  # ".,Next" / ".,2." : MTSamples line joins
)


#: an inline medication-list label at the start of the line ("Meds: ...", "Home medications: ...")
_MED_LABEL = re.compile(
    r"\s*(?:(?:current|home|outpatient|admission|discharge|active|daily)\s+)?"
    r"(?:meds|medications|medicines|medication\s+list|rx)\s*:",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Sig:
    """The parsed instructions around one medication mention."""

    dose: float | None = None
    dose_max: float | None = None
    unit: str | None = None
    route: str | None = None
    frequency: str | None = None
    as_needed: bool = False
    prn_reason: str | None = None
    duration: str | None = None


def normalize_frequency(text: str) -> str | None:
    """Normalised frequency of a phrase (``b.i.d.`` -> ``BID``, ``every 6 hours`` -> ``q6h``)."""
    match = _FREQ.search(text.lower())
    return _frequency(match) if match else None


def _to_int(word: str | None) -> int | None:
    if word is None:
        return None
    word = word.lower()
    if word.isdigit():
        return int(word)
    return _WORD_INT.get(word)


def _frequency(match: re.Match[str]) -> str | None:
    name = match.lastgroup or ""
    kind = _FREQ_KIND[name]
    if kind in _FREQ_CONST:
        return _FREQ_CONST[kind]
    prefix = f"x{name[1:]}_"
    groups = {
        k[len(prefix) :]: v
        for k, v in match.groupdict().items()
        if v is not None and k.startswith(prefix)
    }
    if kind == "qrange":
        return f"q{_to_int(groups.get('a'))}-{_to_int(groups.get('b'))}h"
    if kind == "qh":
        hours = _to_int(groups.get("a"))
        return "daily" if hours == 24 else f"q{hours}h"
    if kind == "qmin":
        return f"q{groups.get('a') or groups.get('b')}min"
    if kind == "every_n":
        n = _to_int(groups.get("a") or groups.get("b"))
        unit = (groups.get("u") or groups.get("v") or "").lower()
        unit = {"d": "days", "wk": "weeks", "wks": "weeks"}.get(unit, unit)
        return f"every {n} {unit}" if n and n > 1 else unit.rstrip("s") + "ly"
    return None


def _prn_reason(after: str) -> str | None:
    text = after.lstrip(" ,:-–")
    comma = "," in after[: len(after) - len(text)]
    lowered = text.lower()
    for lead in ("for ", "of "):
        if lowered.startswith(lead):
            text = text[len(lead) :]
            break
    words: list[str] = []
    pos = 0
    while len(words) < 4:
        match = _REASON_WORD.match(text, pos)
        if match is None:
            break
        word = match.group()
        if word.lower() in _REASON_STOP and not (words and word.lower() in ("and", "or")):
            break
        words.append(word)
        pos = match.end()
        gap = _REASON_GAP.match(text, pos)
        if gap is None:
            break
        pos = gap.end()
    while words and words[-1].lower() in ("and", "or", "of", "the"):
        words.pop()
    if not words:
        return None
    if text[pos:].lstrip().startswith(":") or (comma and words[0][:1].isupper()):
        return None  # a heading follows ("p.r.n.,ALLERGIES:"), not a reason
    return " ".join(words)


def _duration(window: str) -> tuple[str, int, int] | None:
    """The normalised duration ("7 days") and its span in ``window``."""
    for match in _DURATION.finditer(window):
        number = match.group("n") or match.group("n2")
        unit = match.group("u") or match.group("u2")
        if number is None:
            # "for a week" counts as one week; "for days" has no number
            if unit is None or unit.lower() == "d" or not _ARTICLE.search(match.group(0)):
                continue
            number = "1"
        n = int(number) if number.isdigit() else _DURATION_NUMBER.get(number.lower())
        if not n:
            continue
        unit_norm = _DURATION_UNIT.get(unit.lower(), unit.lower())
        if unit_norm == "doses" and n == 1:
            continue  # "x1 dose" is a frequency (once)
        if n == 1:
            unit_norm = unit_norm.rstrip("s")
        return f"{n} {unit_norm}", match.start(), match.end()
    return None


def parse_sig(after: str, before: str = "", name: str = "") -> Sig:
    """Parse the text right after a drug name (and the text right before it).

    ``after`` starts right after the name, ``before`` ends right before it, ``name`` is the
    mention itself (a route may be part of it: "fentanyl patch"). The dose is taken only when it
    is adjacent to the name (fillers allowed), never from further away.
    """
    sig = Sig()
    strength: float | None = None
    strength_max: float | None = None
    unit: str | None = None
    rest_at = 0
    combo = False
    # "Isovue-370", "Darvocet-N 100": a number hyphenated to the name belongs to the name
    head = None if _NAME_NUMBER.match(after) else _HEAD.match(after)
    if head is not None and (head.group("n1") or head.group("combo")):
        if head.group("combo"):
            combo = True
        else:
            strength = _number(head.group("n1"))
            strength_max = _number(head.group("n2")) if head.group("n2") else None
            unit = normalize_unit(head.group("unit")) if head.group("unit") else None
        rest_at = head.end()
    else:
        loose = _LOOSE_HEAD.match(after[:60])
        if loose is not None:
            strength = _number(loose.group("n1"))
            strength_max = _number(loose.group("n2")) if loose.group("n2") else None
            unit = normalize_unit(loose.group("unit"))
            rest_at = loose.end()
        elif (bare := _BARE_COUNT.match(after)) is not None:
            # "Combivent two puffs", "multivitamin one capsule daily"
            strength = _number(bare.group("c1"))
            strength_max = _number(bare.group("c2")) if bare.group("c2") else None
            unit = normalize_unit(bare.group("cunit"))
            rest_at = len(after)  # no further count to look for
        else:
            prior = _BEFORE_DOSE.search(before[-40:])
            if prior is not None:
                strength = _number(prior.group("n1"))
                strength_max = _number(prior.group("n2")) if prior.group("n2") else None
                unit = normalize_unit(prior.group("unit"))
    if strength is not None or combo:
        count = _COUNT_AFTER.match(after[rest_at:])
        if count is not None:
            c1 = _number(count.group("c1"))
            c2 = _number(count.group("c2")) if count.group("c2") else None
            cunit = normalize_unit(count.group("cunit")) if count.group("cunit") else "tabs"
            base_unit = unit.split("/")[0] if unit else None
            if combo or strength is None:
                strength, strength_max, unit = c1, c2, cunit
            elif base_unit in _MASS_UNITS and cunit in _COUNT_UNITS:
                multiplier_max = c2 if c2 is not None else None
                strength_max = strength * multiplier_max if multiplier_max is not None else None
                strength = strength * c1
            elif unit is None and (count.group("cunit") is not None):
                # "Tylenol 650 2 tabs": keep the stated strength, unit unknown
                pass
            rest_at += count.end()
    if strength is not None and strength_max is not None and strength_max < strength:
        strength_max = None
    sig.dose, sig.dose_max, sig.unit = strength, strength_max, unit

    window = after
    route = _ROUTE_RE.search(window)
    if route is not None:
        sig.route = _ROUTE_NAME[route.lastgroup or ""]
    if sig.route is None and name:
        in_name = _ROUTE_RE.search(name)  # "fentanyl patch", "nitroglycerin sublingual"
        if in_name is not None:
            sig.route = _ROUTE_NAME[in_name.lastgroup or ""]
    if sig.route is None:
        prior_route = _ROUTE_BEFORE.search(before[-16:])
        if prior_route is not None:
            sig.route = _ROUTE_BEFORE_NORMAL.get(prior_route.group("r").lower())
    if sig.route is None and sig.unit:
        if sig.unit.startswith("puffs"):
            sig.route = "inhaled"
        elif "/hr" in sig.unit or "/min" in sig.unit:
            sig.route = "IV"
    if sig.route is None and _IV_HINT.search(window):
        sig.route = "IV"

    lowered = window.lower()
    prn = _PRN.search(window) if _PRN_HINTS.search(lowered) else None
    freq_window = window
    if prn is not None:
        sig.as_needed = True
        sig.prn_reason = _prn_reason(window[prn.end() :])
        # the reason is not a frequency ("prn pain" has none); search outside it too
        freq_window = window[: prn.start()] + " " * (prn.end() - prn.start()) + window[prn.end() :]
    duration = _duration(window) if _DURATION_HINTS.search(lowered) else None
    if duration is not None:
        sig.duration, d_start, d_end = duration
        freq_window = freq_window[:d_start] + " " * (d_end - d_start) + freq_window[d_end:]
    for match in _FREQ.finditer(freq_window.lower()):
        value = _frequency(match)
        if value is not None:
            sig.frequency = value
            break
    if sig.frequency is None and sig.unit and ("/hr" in sig.unit or "/min" in sig.unit):
        sig.frequency = "continuous"
    if sig.frequency == "continuous" and sig.route is None:
        sig.route = "IV"
    return sig


# --- windows and status ------------------------------------------------------------------------


def _line_start(text: str, pos: int, reach: int) -> int:
    """Start of the line holding ``pos``, looking back at most ``reach`` characters."""
    lower = max(0, pos - reach)
    found = text.rfind("\n", lower, pos)
    return found + 1 if found >= 0 else lower


def _line_end(text: str, pos: int, reach: int) -> int:
    upper = min(len(text), pos + reach)
    found = text.find("\n", pos, upper)
    return upper if found < 0 else found


class _SpanIndex:
    """Finds the span (sentence or section) holding an offset in O(log n)."""

    def __init__(self, spans: list[tuple[int, int, str | None]]) -> None:
        self._spans = sorted(spans, key=lambda span: (span[0], span[1]))
        self._starts = [start for start, _, _ in self._spans]

    def at(self, pos: int) -> tuple[int, int, str | None] | None:
        i = bisect_right(self._starts, pos) - 1
        for j in range(i, max(i - 8, -1), -1):  # the latest span that still covers pos
            start, end, _ = self._spans[j]
            if pos < max(end, start + 1):
                return self._spans[j]
        return None


def _status_before(back: str) -> str | None:
    best: tuple[int, str] | None = None
    for match in _STATUS.finditer(back):
        kind = _STATUS_KIND[match.lastgroup or ""]
        if kind in _STATUS_ALIAS and not _ON_GAP.match(back[match.end() :]):
            continue
        if kind == "active" and len(back) - match.end() > 25:
            continue
        best = (match.end(), _STATUS_ALIAS.get(kind, kind))
    if best is None:
        return None
    end, kind = best
    if len(back) - end > 45:
        return None
    return kind


def _status_after(after: str, next_is_drug: bool) -> tuple[str | None, bool]:
    """(status, strong): strong when written with an auxiliary ("was stopped")."""
    lowered = after.lower()
    if not _POST_HINTS.search(lowered):
        return None, False
    match = _POST_STATUS.search(after)
    if match is None:
        return None, False
    cue = match.group("cue").lower()
    kind = "stopped" if cue.startswith(("d/c", "dc")) else _POST_KIND.get(cue, "changed")
    prefix = after[: match.start()]
    if match.group("aux"):
        # "lisinopril 10 mg was stopped", "Coumadin, which was discontinued"
        if len(prefix) > 45 or ("," in prefix and not _WHICH.search(prefix)):
            return None, False
        return kind, True
    if not _BARE_PREFIX.match(prefix):
        return None, False  # "Versed 3 mg IV was given in a titrated fashion"
    tail = after[match.end() :]
    if next_is_drug and not _PUNCT.search(tail):
        return None, False  # "started aspirin, stopped metoprolol": the cue belongs to the next
    return kind, False


#: an allergy cue before a drug in the same clause: "allergic to penicillin", "Allergies: sulfa,
#: codeine" (a label at the start of the line), "penicillin allergy" is handled by context
_ALLERGY_CUE = re.compile(
    r"(?:\b(?:allergic|allergy|allergies|hypersensitivity|anaphylaxis)\s+(?:to|with)\b"
    r"|^[ \t]*(?:drug\s+)?(?:allerg(?:y|ies)|ADRs?)\s*[:\-])"
    r"[^.;\n]*$",
    re.IGNORECASE | re.MULTILINE,
)


#: a new clause between the allergy cue and the drug: "allergic to penicillin and takes aspirin"
_ALLERGY_BREAK = re.compile(
    r"\b(?:but|takes?|taking|took|on|uses?|using|started|starts?|receiv\w*|continu\w*|"
    r"prescribed|given|is|was|are|were|has|had|tolerat\w*|denies|no\s+other)\b",
    re.IGNORECASE,
)


def _allergy_cue_before(text: str, start: int) -> bool:
    cue = _ALLERGY_CUE.search(text, _line_start(text, start, 200), start)
    if cue is None:
        return False
    gap = cue.group(0)
    head = re.match(r"[^:\-]*[:\-]|\S+\s+\S+", gap)
    return not _ALLERGY_BREAK.search(gap, head.end() if head else 0)


def _is_medication(entity: Entity) -> bool:
    return str(entity.category) == "medication"


def extract_medications(
    text: str, sentences: list[Span], sections: list[Section], entities: list[Entity]
) -> list[Medication]:
    """One :class:`Medication` per medication entity, with its sig and status parsed."""
    if not isinstance(text, str):
        raise InputError("Medication extraction needs text (a str).", got=type(text).__name__)
    meds = sorted(
        (e for e in entities if _is_medication(e) and 0 <= e.start < e.end <= len(text)),
        key=lambda e: (e.start, -e.end),
    )
    unique: list[Entity] = []
    for entity in meds:
        if unique and entity.start < unique[-1].end:
            continue  # overlapping mention: keep the first (longest) one
        unique.append(entity)

    sentence_index = _SpanIndex([(span.start, span.end, None) for span in sentences])
    section_index = _SpanIndex([(sec.start, sec.end, sec.name) for sec in sections])
    out: list[Medication] = []
    for index, entity in enumerate(unique):
        next_start = unique[index + 1].start if index + 1 < len(unique) else len(text)
        prev_end = unique[index - 1].end if index > 0 else 0

        stop = min(_line_end(text, entity.end, _MAX_FORWARD), next_start)
        after = text[entity.end : stop]
        clause = _CLAUSE_END.search(after)
        if clause is not None:
            after = after[: clause.start()]
        next_is_drug = clause is None and index + 1 < len(unique) and stop == next_start

        sentence = sentence_index.at(entity.start)
        back_start = max(
            _line_start(text, entity.start, _MAX_BACKWARD), sentence[0] if sentence else 0
        )
        back = text[back_start : entity.start]
        cut = max(back.rfind(";"), _last_clause_end(back))
        if cut >= 0:
            back = back[cut + 1 :]
        # the dose/route of the previous drug is not ours
        dose_back = text[max(back_start, prev_end) : entity.start]

        sig = parse_sig(after, dose_back, entity.text)
        if sig.unit is None and entity.preferred in _NO_BARE_DOSE:
            sig.dose = sig.dose_max = None
        status_post, strong = _status_after(after, next_is_drug)
        status_pre = _status_before(back)
        # a passive cue after the drug ("was stopped") is the latest news; else the closest
        # cue before it, else a bare cue after it ("Lasix held")
        status = status_post if strong and status_post else (status_pre or status_post)
        section = entity.section
        if section is None:
            holder = section_index.at(entity.start)
            section = holder[2] if holder else None
        if status is None:
            in_list = section == "medications" or bool(
                _MED_LABEL.match(text, _line_start(text, entity.start, 600), entity.start)
            )
            status = "active" if in_list else "unknown"

        allergen = section == "allergies" or _allergy_cue_before(text, entity.start)
        if allergen and status == "active":
            status = "unknown"
        out.append(
            Medication(
                name=entity.preferred or entity.text,
                text=entity.text,
                start=entity.start,
                end=entity.end,
                drugbank_id=entity.code if entity.code_system in (None, "DrugBank") else None,
                dose=sig.dose,
                dose_max=sig.dose_max,
                unit=sig.unit,
                route=sig.route,
                frequency=sig.frequency,
                as_needed=sig.as_needed,
                prn_reason=sig.prn_reason,
                duration=sig.duration,
                status=status,  # type: ignore[arg-type]
                section=section,
                allergen=allergen,
                context=entity.context.model_copy(
                    update={"triggers": dict(entity.context.triggers)}
                ),
            )
        )
    return out


def _last_clause_end(back: str) -> int:
    last = -1
    for match in _CLAUSE_END.finditer(back):
        if match.end() < len(back):
            last = match.start()
    return last
