"""Route, frequency, PRN and duration patterns of a medication sig."""

from __future__ import annotations

import re

from medassist.text.medications.dose import _WS, _WS_LOWER
from medassist.text.medications.shorthand import (
    duration_pattern,
    frequency_patterns,
    load_routes,
)

# --- route, frequency, prn, duration -----------------------------------------------------------

_ROUTES: list[tuple[str, str]] = [(r.route, r.after) for r in load_routes()]
_ROUTE_RE = re.compile(
    _WS + "(?:" + "|".join(f"(?P<r{i}>{p})" for i, (_, p) in enumerate(_ROUTES)) + ")",
    re.IGNORECASE,
)
_ROUTE_NAME = {f"r{i}": name for i, (name, _) in enumerate(_ROUTES)}
_ROUTE_BEFORE_NORMAL = {form: r.route for r in load_routes() for form in r.before}
_ROUTE_BEFORE = re.compile(
    r"(?:^|[\s(])(?P<r>"
    + "|".join(re.escape(f) for f in sorted(_ROUTE_BEFORE_NORMAL, key=len, reverse=True))
    + r")\)?\s+$",  # "intravenous (IV) ceftriaxone"
    re.IGNORECASE,
)

_WN = r"(?:\d+|one|two|three|four|five|six|seven|eight|ten|twelve|twenty-four)"
_H = r"\.?\s*h(?:ours?|rs?|r)?\b\.?"
_FREQ_PATTERNS: list[tuple[str, str]] = [
    # shorthand tokens from data/sig_shorthand.tsv ("=BID": the value itself)
    *frequency_patterns(),
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
    ("weekly2", r"\b(?:twice|two\s+times|2\s+times)\s+weekly\b"),
    ("weekly3", r"\b(?:three|3)\s+times\s+(?:(?:a|per)\s+week|weekly)\b"),
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
        r"\bq\.?\s?d\.?(?![a-z])|\bq\.?\s*day\b|\bqday\b|\bdaily\b|\bonce\s+(?:a\s+|per\s+|each\s+)?day\b|\bevery\s+day\b|\b(?:a|per|each)\s+day\b|\bq\s*24\s*h(?:ours?|rs?|r)?\b|\bevery\s+24\s+hours\b",
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
_DURATION_HINTS = re.compile(r"day|week|wk|month|mo|dose|d\b|\d\s*/\s*(?:7|52|12)(?![\d/])")
_POST_HINTS = re.compile(
    r"start|initiat|begun|stop|discontinu|d/c|dc|held|hold|cease|continu|resum|increas|decreas|chang|"
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
    r"(?:course|supply|trial|taper)\b"
    # shorthand: "3/7" days, "6/52" weeks, "for 3/12" months (data/sig_shorthand.tsv)
    r"|" + duration_pattern()[0] + r")",
    re.IGNORECASE,
)
_DURATION_DENOMINATOR = duration_pattern()[1]
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
