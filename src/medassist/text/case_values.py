"""Case-report value readings the formula calculators need, read once during extraction.

The measurement readers answer most questions; this module adds unit-anchored readings they
miss in case reports: body height and weight written together
("168.0 cm tall and weighed 59.0 kg", "(180 cm, 60 kg)", "weight and height were 90 kg and
189 cm, respectively"), laboratory values written before their name ("569 mg/dL glucose",
"hyponatremia of 128 mEq/L"), lists closed by "respectively", and ages written in words.
Every value comes back as a :class:`~medassist.schemas.text.Finding` of a ``value.<key>``
rule with its source span; laboratory values keep the unit as written (``data["unit"]``) and
are converted by the calculators. :func:`read_case_values` runs every reader once per note.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from medassist.schemas.text import Finding
from medassist.text.findings import finditer_literal as _finditer_literal
from medassist.text.findings import may_match as _may_match
from medassist.text.number_words import word_number

__all__ = [
    "body_weight",
    "body_height",
    "lab_value",
    "word_age",
    "read_case_values",
    "LAB_LABELS",
    "NOT_SERUM_BEFORE",
]

_DIGIT = re.compile(r"\d")


def has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


def may_match(pattern: str, text: str) -> bool:
    return _may_match(pattern, text.lower())


def finditer_literal(compiled: re.Pattern[str], source: str, text: str) -> Iterator[re.Match[str]]:
    return _finditer_literal(compiled, source, text, text.lower())


@lru_cache(maxsize=256)
def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


#: a number (not starting inside another number; bounded so a digit run cannot backtrack)
_NUM = r"(?<![\d.])(\d{1,7}(?:\.\d{1,6})?)(?![\d])"


class Fact:
    """One reading: value (and the unit as written) with its span."""

    __slots__ = ("value", "unit", "text", "start", "end")

    def __init__(self, value: float, unit: str | None, text: str, start: int, end: int) -> None:
        self.value, self.unit, self.text, self.start, self.end = value, unit, text, start, end

    def finding(self, rule: str) -> Finding:
        data = {"unit": self.unit} if self.unit else {}
        return Finding(
            rule=rule, text=self.text, start=self.start, end=self.end, value=self.value, data=data
        )


def _fact(text: str, start: int, end: int, value: float, unit: str | None = None) -> Fact:
    return Fact(round(value, 6), unit, text[start:end], start, end)


# --- weight and height --------------------------------------------------------------------

_WEIGHT_RE = re.compile(_NUM + r"\s*(kg|kgs|kilograms?|lbs?|pounds?)\b(?!\s*/|\s*per\b)", re.I)
_WEIGHT_GOOD = re.compile(
    r"weigh\w*|body\s*weight|\bweight\b|\bBW\b|\bwt\b|tall|height|\bcm\b", re.I
)
_WEIGHT_NOW = re.compile(
    r"on (?:admission|presentation|arrival)|at (?:admission|presentation)|current(?:ly)?|"
    r"upon admission|present(?:ed)?\b",
    re.I,
)
_WEIGHT_BAD_BEFORE = re.compile(
    r"los[st]|lose|losing|gain\w*|decreas\w*|increas\w*|reduc\w*|drop\w*|birth\s*weight|"
    r"\blift\w*|\bdose|\bper\b|over\s+(?:the\s+)?(?:past|last)|from\s*$|previous\w*|prior\b|"
    r"ago\b|before\b|\bby\s*$|\bmg\b|dumbbell|\bbag\b",
    re.I,
)
_WEIGHT_BAD_AFTER = re.compile(
    r"^\s*(?:of\s+(?:weight|body)|weight\s+(?:loss|gain)|preoperative\w*|before|ago|previous\w*|"
    r"lost|loss|\(\s*\d+(?:\.\d+)?\s*lbs?\)\s*weight\s+off)",
    re.I,
)


def body_weight(text: str) -> Fact | None:
    """The patient's body weight (kg): the best-scored unit-anchored mention."""
    best: tuple[float, int, Fact] | None = None
    for m in _WEIGHT_RE.finditer(text):
        value = float(m.group(1))
        unit = m.group(2).lower()
        kg = value if unit.startswith("k") else value * 0.45359237
        if not 0.3 <= kg <= 400:
            continue
        before = re.split(r"[.;]\s", text[max(0, m.start() - 40) : m.start()])[-1]
        after = re.split(r"[.;]\s", text[m.end() : m.end() + 40])[0]
        score = 0.0
        if _WEIGHT_GOOD.search(before[-30:]) or _WEIGHT_GOOD.search(after[:25]):
            score += 2
        if _WEIGHT_NOW.search(before[-30:]) or _WEIGHT_NOW.search(after[:25]):
            score += 1.5
        if _WEIGHT_BAD_BEFORE.search(before[-30:]):
            score -= 5
        if _WEIGHT_BAD_AFTER.search(after):
            score -= 5
        if re.match(r"\s*(?:-|–|to)\s*\d", after):  # a range "60-70 kg" or "from 80 to 70 kg"
            score -= 1
        fact = _fact(text, m.start(), m.end(), kg)
        if best is None or score > best[0]:
            best = (score, m.start(), fact)
    if best is None or best[0] < 0:
        return None
    return best[2]


_HEIGHT_CM_RE = re.compile(_NUM + r"\s*(cm|centimet(?:er|re)s?)\b(?!\s*[/²2])", re.I)
_HEIGHT_M_RE = re.compile(r"(\d)(?:[.,]\s?(\d{1,2}))?\s*(m|meters?|metres?)\b(?!\s*[/²2])", re.I)
_HEIGHT_FT_RE = re.compile(
    r"(\d)\s*(?:ft|feet|foot|')\s*(?:and\s*)?(\d{1,2}(?:\.\d+)?)?\s*(?:in(?:ches)?\b|\"|'')?",
    re.I,
)
_HEIGHT_IN_RE = re.compile(_NUM + r"\s*(?:in|inches)\b", re.I)
_HEIGHT_CONTEXT = re.compile(r"tall|height|stature|\bHt\b|weigh|\bkg\b|\bBMI\b|body mass", re.I)
_SIZE_CONTEXT = re.compile(
    r"[×x*]\s*$|^\s*[×x*]|diameter|mass\b|lesion|tumou?r|cyst|nodule|segment|proximal|distal|"
    r"\bfrom\b|length|long\b|wide|span|circumference|waist|incision|away",
    re.I,
)


def body_height(text: str) -> Fact | None:
    """The patient's height (cm) from a unit-anchored mention in a height context."""
    candidates: list[tuple[float, int, Fact]] = []
    for m in _HEIGHT_CM_RE.finditer(text):
        cm = float(m.group(1))
        before = text[max(0, m.start() - 40) : m.start()]
        after = text[m.end() : m.end() + 40]
        context = _HEIGHT_CONTEXT.search(before[-35:]) or _HEIGHT_CONTEXT.search(after[:30])
        size_before = _SIZE_CONTEXT.search(before[-15:])
        size_after = _SIZE_CONTEXT.search(after[:25])
        if size_before or (size_after and not context):
            continue
        if not (40 <= cm <= 250) or (cm < 120 and not context):
            continue
        score = 2.0 if context else 0.0
        candidates.append((score, m.start(), _fact(text, m.start(), m.end(), cm)))
    for m in _HEIGHT_M_RE.finditer(text):
        whole, frac = m.group(1), m.group(2) or "0"
        metres = float(f"{whole}.{frac}")
        before = text[max(0, m.start() - 40) : m.start()]
        after = text[m.end() : m.end() + 30]
        if not (0.4 <= metres <= 2.5):
            continue
        if not (_HEIGHT_CONTEXT.search(before[-35:]) or _HEIGHT_CONTEXT.search(after[:25])):
            continue
        candidates.append((2.0, m.start(), _fact(text, m.start(), m.end(), metres * 100)))
    for m in _HEIGHT_FT_RE.finditer(text):
        if m.group(2) is None and not re.search(r"ft|feet|foot", m.group(0), re.I):
            continue
        feet, inches = float(m.group(1)), float(m.group(2) or 0)
        if not (1 <= feet <= 8 and inches < 12):
            continue
        cm = (feet * 12 + inches) * 2.54
        candidates.append((2.0, m.start(), _fact(text, m.start(), m.end(), cm)))
    for m in _HEIGHT_IN_RE.finditer(text):
        inches = float(m.group(1))
        before = text[max(0, m.start() - 40) : m.start()]
        if 20 <= inches <= 96 and re.search(
            r"tall|height|stature", before + text[m.end() : m.end() + 15], re.I
        ):
            candidates.append((2.0, m.start(), _fact(text, m.start(), m.end(), inches * 2.54)))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (-c[0], c[1]))
    return candidates[0][2]


# --- laboratory values --------------------------------------------------------------------

#: key -> (label regex, unit regex, words that state the value as a disorder "X-emia of N")
LAB_LABELS: dict[str, tuple[str, str, str | None]] = {
    "sodium": (
        r"sodium|\[?Na\+?\]?(?![a-z])",
        r"mmol/l|meq/l|mEql/L",
        r"hyponatr[a]?emia|hypernatr[a]?emia",
    ),
    "chloride": (
        r"chloride|choride|\[?Cl[-−]?\]?(?![a-z])",
        r"mmol/l|meq/l",
        r"hypochlor[a]?emia|hyperchlor[a]?emia",
    ),
    "bicarbonate": (
        r"bicarbonates?|HCO32[-−]|\[?HCO3?(?!\d)\s?[-−]?\]?|t\s?CO2|total\s+(?:CO2|carbon\s+dioxide)|"
        r"carbon\s+dioxide|(?<!p)(?<!Pa)(?<!PaO)\bCO2(?!\s*(?:retention|narcosis))",
        r"mmol/l|meq/l",
        None,
    ),
    "glucose": (
        r"glucose|blood\s+sugar|\bFG\b|\bFBG\b|\bFPG\b",
        r"mg/dl|mmol/l",
        r"hyperglyc[a]?emia|hypoglyc[a]?emia|euglyc[a]?emia|normoglyc[a]?emia",
    ),
    "albumin": (r"albumin", r"g/dl|g/l", r"hypoalbumin[a]?emia"),
    "bun": (r"blood\s+urea\s+nitrogen|\bBUN\b|urea\s+nitrogen|\burea\b", r"mg/dl|mmol/l", None),
    "creatinine": (r"creatinine|\bCr\b|\bSCr\b", r"mg/dl|µmol/l|umol/l|μmol/l", None),
    "calcium": (r"calcium|\bCa\b", r"mg/dl|mmol/l", r"hypercalc[a]?emia|hypocalc[a]?emia"),
    "insulin": (r"insulin", r"µIU/ml|uIU/ml|μIU/ml|mIU/l|mU/l|µU/ml|uU/ml|μU/ml", None),
    "urine_sodium": (
        r"urin(?:e|ary)\s+(?:sodium|Na)|U[-\s]?Na|urine\s+electrolytes\s+were\s+sodium",
        r"mmol/l|meq/l",
        None,
    ),
    "urine_creatinine": (
        r"urin(?:e|ary)\s+creatinine|U[-\s]?Cr",
        r"mg/dl|µmol/l|umol/l|mmol/l",
        None,
    ),
    "total_cholesterol": (
        r"total\s+cholesterol|\bTC\b|(?<!-)(?<!lipoprotein\s)cholesterol",
        r"mg/dl|mmol/l",
        None,
    ),
    "hdl": (
        r"high[-\s]density\s+lipoprotein(?:[-\s]cholesterol)?|\bHDL(?:[-\s]?C)?\b(?:[-\s]cholesterol)?",
        r"mg/dl|mmol/l",
        None,
    ),
    "triglycerides": (
        r"triglycerides?|\bTG\b|\bTAG\b",
        r"mg/dl|mmol/l",
        r"hypertriglycerid[a]?emia",
    ),
}


@lru_cache(maxsize=64)
def _lab_patterns(
    key: str,
) -> tuple[list[tuple[re.Pattern[str], int, int]], re.Pattern[str]]:
    """The compiled readings of one laboratory key (label -> value, value -> label, ...)."""
    label, unit, disorder = LAB_LABELS[key]
    gap = (
        r"[\s:=,(\[\]]{0,6}(?:(?:level|levels|concentration|value|was|were|is|of|at|on|admission|"
        r"presentation|initial|initially|baseline|serum|plasma|measured|elevated|low|high|"
        r"decreased|increased|to)\b[\s:=,]{0,4}){0,4}"
    )
    abbreviation = r"(?:\s?\([A-Za-z0-9\s-]{1,12}\))?"
    forward = re.compile(
        rf"(?<![\w])(?:{label}){abbreviation}{gap}[-–]?\s{{0,3}}{_NUM}\s{{0,3}}({unit})?", re.I
    )
    # "...; 7.5, bicarbonate; ..." (a value then its name, in a semicolon list)
    listed = re.compile(
        rf"(?:^|[;:]\s{{0,3}}){_NUM}(\s{{0,3}}{unit})?,\s{{0,3}}(?:{label})\s{{0,3}}(?=[;.]|,?\s*and\b)",
        re.I,
    )
    backward = re.compile(
        rf"{_NUM}\s{{0,3}}({unit})\s{{1,3}}(?:of\s+)?(?:serum\s+|plasma\s+|corrected\s+)?(?:{label})\b",
        re.I,
    )
    patterns: list[tuple[re.Pattern[str], int, int]] = [
        (forward, 1, 2),
        (backward, 1, 2),
        (listed, 1, 2),
    ]
    if disorder:
        patterns.append(
            (
                re.compile(
                    rf"(?:{disorder})\s{{0,3}}(?:of|at|with|\(|,)?\s{{0,3}}{_NUM}\s{{0,3}}({unit})",
                    re.I,
                ),
                1,
                2,
            )
        )
    return patterns, listed


_URINE_BEFORE = re.compile(r"urin(?:e|ary)\s*(?:\w+\s*){0,3}$", re.I)


def lab_value(text: str, key: str) -> Fact | None:
    """A laboratory value by label -> value, value unit -> label, or 'hyper-X-emia of N'."""
    if not has_digit(text):
        return None
    patterns, listed = _lab_patterns(key)
    label, _, disorder = LAB_LABELS[key]
    label_here = may_match(label, text)
    disorder_here = disorder is not None and may_match(disorder, text)
    readings: list[tuple[int, Fact]] = []
    unit_here = may_match(LAB_LABELS[key][1], text)
    for n, (pattern, vg, ug) in enumerate(patterns):
        if not (disorder_here if n == 3 else label_here):
            continue  # its label (or disorder word) is nowhere in the note
        if n in (1, 3) and not unit_here:
            continue  # "569 mg/dL glucose", "hyponatremia of 128 mEq/L" need a unit
        found = (
            finditer_literal(pattern, label, text)
            if n == 0
            else finditer_literal(pattern, disorder or "", text)
            if n == 3
            else pattern.finditer(text)
        )
        for m in found:
            value, unit = float(m.group(vg)), m.group(ug)
            if key.startswith("urine") is False and _URINE_BEFORE.search(
                text[max(0, m.start() - 30) : m.start()]
            ):
                continue  # a urine value is not the serum value
            begin = m.start(vg) if pattern is listed else m.start()
            readings.append((begin, _fact(text, begin, m.end(), value, unit)))
            break
    if key.startswith("urine_"):
        analyte = "sodium|Na" if key == "urine_sodium" else "creatinine|Cr"
        unit = LAB_LABELS[key][1]
        panel = _rx(
            rf"urin(?:e|ary)\s+(?:electrolytes|chemistr\w*|studies|indices|values|analysis|tests?)"
            rf"[^.]{{0,300}}?\b(?:{analyte})\b[\s:=,]{{0,4}}(?:was\s+|of\s+)?{_NUM}\s{{0,3}}({unit})?",
            re.I,
        )
        m = panel.search(text)
        if m is not None:
            readings.append(
                (m.start(), _fact(text, m.start(), m.end(), float(m.group(1)), m.group(2)))
            )
    respectively = _respectively(text, key)
    if respectively is not None:
        readings.append(respectively)
    if not readings:
        return None
    readings.sort(key=lambda r: r[0])
    return readings[0][1]


_LABEL_PART = r"[A-Za-z][\w\s\-\[\]+−]{1,40}?"
_VALUE_PART = (
    r"(?<![\d.])\d{1,7}(?:\.\d{1,6})?\s?[^\s,;\d][^\s,;]{0,15}|(?<![\d.])\d{1,7}(?:\.\d{1,6})?"
)
_RESPECTIVELY_RE = re.compile(
    rf"(?P<labels>(?:{_LABEL_PART},\s{{0,3}}){{1,6}}{_LABEL_PART}\s+and\s+{_LABEL_PART})"
    r"\s+(?:were|was|of|are)\s+(?:recorded\s+to\s+be\s+|measured\s+at\s+)?"
    rf"(?P<values>(?:(?:{_VALUE_PART})\s{{0,3}},\s{{0,3}}){{1,6}}(?:{_VALUE_PART})\s{{0,3}}(?:,\s{{0,3}})?"
    rf"and\s+(?:{_VALUE_PART}))"
    r"(?:,)?\s{0,3}respectively\Z",
    re.I,
)
_PAIR_RESPECTIVELY_RE = re.compile(
    r"(?P<labels>[A-Za-z][\w\s\-]{1,40}?\s+and\s+[A-Za-z][\w\s\-]{1,40}?)(?:\s+|,\s*)"
    r"(?:(?:were|was|of|are)\s+)?(?:recorded\s+to\s+be\s+|measured\s+at\s+|recorded\s+at\s+)?"
    rf"(?P<values>(?:{_VALUE_PART})\s{{1,3}}and\s+(?:{_VALUE_PART}))(?:,)?\s{{0,3}}respectively\Z",
    re.I,
)
_RESPECTIVELY_WORD = re.compile(r"\brespectively\b", re.I)
_VALUE_SPLIT = re.compile(r"(\d+(?:\.\d+)?)\s*([^\s,;]*)")
#: characters before "respectively" a list can span; lists read per note (at most)
_RESPECTIVELY_WINDOW = 420
_RESPECTIVELY_MAX = 64


@lru_cache(maxsize=8)
def _respectively_lists(
    text: str,
) -> tuple[tuple[int, int, tuple[str, ...], tuple[tuple[str, str], ...]], ...]:
    """Every "A, B and C were 1, 2 and 3, respectively" list of a note, read once per note.

    Only the text just before each "respectively" is searched (a bounded window), so the
    cost is linear in the note whatever its content."""
    out = []
    for n, word in enumerate(_RESPECTIVELY_WORD.finditer(text)):
        if n >= _RESPECTIVELY_MAX:
            break
        lo = max(0, word.start() - _RESPECTIVELY_WINDOW)
        window = text[lo : word.end()]
        for pattern in (_RESPECTIVELY_RE, _PAIR_RESPECTIVELY_RE):
            m = pattern.search(window)
            if m is None:
                continue
            labels = tuple(
                s.strip() for s in re.split(r",\s*|\s+and\s+", m.group("labels")) if s.strip()
            )
            values = tuple(_VALUE_SPLIT.findall(m.group("values")))
            if len(labels) != len(values):
                continue
            out.append((lo + m.start(), lo + m.end(), labels, values))
    return tuple(out)


def _respectively(text: str, key: str) -> tuple[int, Fact] | None:
    label = LAB_LABELS[key][0] if key in LAB_LABELS else key
    name_re = _rx(rf"(?:serum\s+|plasma\s+)?(?:{label})", re.I)
    for start, end, labels, values in _respectively_lists(text):
        for name, (number, written_unit) in zip(labels, values, strict=True):
            if name_re.fullmatch(name):
                unit = written_unit.rstrip(".") or None
                return start, _fact(text, start, end, float(number), unit)
    return None


_WORD_AGE_RE = re.compile(
    r"\b(?P<tens>twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)?[-\s]?"
    r"(?P<units>one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)?[-\s]years?[-\s]old\b",
    re.I,
)


def word_age(text: str) -> Fact | None:
    """An age written in words ('a fifty-year-old man', 'two-year-old')."""
    low = text.lower()
    if "old" not in low:
        return None
    i = low.find("year")
    while i != -1:
        m = _WORD_AGE_RE.search(text, max(0, i - 24), i + 12)
        i = low.find("year", i + 4)
        if m is None:
            continue
        tens, units = m.group("tens"), m.group("units")
        if not tens and not units:
            continue
        value = word_number(f"{tens or ''} {units or ''}")
        return _fact(text, m.start(), m.end(), value)
    return None


# --- every reading of a note ---------------------------------------------------------------

_WEIGHT_ANY = _WEIGHT_RE

#: words before a measurement that show it is not the patient's serum value, and words that
#: show it is a target, a deficit or a reference range rather than a measured value
NOT_SERUM_BEFORE = re.compile(
    r"ratio|urin|clearance|glycine|alanine\s*\(|gradient|excretion|CSF|fluid", re.I
)
_TARGET_WORDS = re.compile(r"desired|target|goal|deficit|normal range|reference", re.I)
_BASE_DEFICIT = re.compile(r"\bbase (?:deficit|excess)\b", re.I)


def _prefix_findings(text: str, spans: list[tuple[int, int]]) -> list[Finding]:
    """For each measurement span, a ``value.measurement_prefix`` finding (same span) when
    the words just before it show a non-serum value (qualifier ``not_serum``) or a target,
    deficit or reference range (``target``)."""
    out = []
    for start, end in spans:
        before = _BASE_DEFICIT.sub("", text[max(0, start - 40) : start])[-25:]
        quals = []
        if NOT_SERUM_BEFORE.search(before):
            quals.append("not_serum")
        if _TARGET_WORDS.search(before):
            quals.append("target")
        if quals:
            out.append(
                Finding(
                    rule="value.measurement_prefix",
                    text=text[start:end],
                    start=start,
                    end=end,
                    qualifiers=quals,
                )
            )
    return out


def read_case_values(text: str, measurement_spans: list[tuple[int, int]]) -> list[Finding]:
    """Every reading of this module for ``text`` (weight, height, each laboratory key, an age
    in words), plus the prefix qualifiers of the engine's measurement spans."""
    out: list[Finding] = []
    weight = body_weight(text)
    if weight is not None:
        out.append(weight.finding("value.weight"))
    if (m := _WEIGHT_ANY.search(text)) is not None:
        out.append(
            Finding(rule="value.weight_mention", text=m.group(0), start=m.start(), end=m.end())
        )
    height = body_height(text)
    if height is not None:
        out.append(height.finding("value.height"))
    for key in LAB_LABELS:
        lab = lab_value(text, key)
        if lab is not None:
            out.append(lab.finding(f"value.{key}"))
    age = word_age(text)
    if age is not None:
        out.append(age.finding("value.age_words"))
    out.extend(_prefix_findings(text, measurement_spans))
    return out
