"""Age and sex of the patient from free clinical text.

Age: the first statement about the patient wins; a relative's age ("his
30-year-old son") is skipped; a different later age is recorded in ``conflicts``.

Sex: the letter of a compact notation ("45M", "29F", "67 yo F", "M/45", "Male, 45"), the noun
next to the age ("63-year-old man"), "Sex:/Gender:" fields, then the first sex noun or title
about the patient ("gentleman", "Mrs."): ``sex_basis="stated"``. As a last resort a weak,
labelled inference (``sex_basis="inferred"``): female-only anatomy or obstetric terms, or
pronouns (he/him/his at least twice as often as she/her/hers, or the reverse; one "He has
hypertension" is enough). This is the one age/sex reader: the report, the calculators
(:mod:`medassist.risk.facts`), FHIR and the safety layers all read ``Demographics``.

Age notations: "54 yo", "54-year-old", "a 3-month-old" (0.25), "aged 70", "Age: 45", "67 y/o M",
"76F", "Pt 45M", "M/45", "F 29", "Male, 45", GP "4/12 old" (months), "3/52 old" (weeks),
"forty-five-year-old".
"""

from __future__ import annotations

import re
from itertools import accumulate

from medassist.errors import InputError
from medassist.schemas.text import Demographics
from medassist.text.number_words import ONES, TENS, word_number

__all__ = ["extract_demographics"]

_UNITS = {
    "year": 1.0,
    "yr": 1.0,
    "y": 1.0,
    "month": 1 / 12,
    "mo": 1 / 12,
    "week": 1 / 52,
    "wk": 1 / 52,
    "day": 1 / 365,
    "d": 1 / 365,
}

#: GP age fractions: "4/12" months, "3/52" weeks, "5/7" days
_GP_FRACTIONS = {"12": 1 / 12, "52": 1 / 52, "7": 1 / 365}

_ONES, _TENS = ONES, TENS
_WORD_NUM = (
    r"(?:(?:"
    + "|".join(_TENS)
    + r")(?:[\s-](?:"
    + "|".join(list(_ONES)[:9])
    + r"))?|"
    + "|".join(sorted(_ONES, key=len, reverse=True))
    + r"|one hundred(?:[\s-]and[\s-]\w+)?)"
)
_NUM = rf"(?P<num>\d{{1,3}}(?:\.\d+)?|{_WORD_NUM})"
_AGE_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    # 1: "54-year-old", "54 years old", "a 3-month-old", "22-year old"
    (
        1,
        re.compile(
            rf"(?<![\w.]){_NUM}[\s-]*(?P<unit>years?|yrs?|y|months?|mos?|weeks?|wks?|days?|d)"
            r"\.?[\s-]*(?:of[\s-]+)?old\b",
            re.IGNORECASE,
        ),
    ),
    # 1: "54 yo", "54 y/o", "54 y.o.", "54 years of age", "54yo"
    (
        1,
        re.compile(
            rf"(?<![\w.]){_NUM}\s*(?:(?P<unit>years?|yrs?|months?)\s+of\s+age|yo\b|y/o\b|y\.o\.?|"
            r"yoa\b|yrs?\b(?=\s*(?:M|F|male|female|man|woman)\b))",
            re.IGNORECASE,
        ),
    ),
    # 2: "Age: 45", "age 45", "aged 70", "age of 45 years"
    (
        2,
        re.compile(
            rf"\b(?:age|aged|AGE|Age)\s*(?:[:=]|of|is|was)?\s*{_NUM}(?!\s*(?:%|mm|mg|kg|cm|/|\.\d))"
            r"(?:\s*(?P<unit>years?|yrs?|months?|weeks?|days?))?",
            re.IGNORECASE,
        ),
    ),
    # 2: "76F", "67 M", "45 yo M", "Pt 45M" at the start of a line, after a field colon or
    # a list comma, or after "a/pt/patient/is/this/seen"
    (
        2,
        re.compile(
            r"(?:^|(?<=[\n:;(,])|\b(?:a|an|pt|patient|is|this|seen|was|aged?)\s+)[ \t]*"
            r"(?P<num>\d{1,3})\s?(?:yo\s?|y/o\s?|y\.o\.\s?|yrs?\s?)?"
            r"(?P<sex>(?-i:[MF]))\b(?![/'\-.]\w)",
            re.MULTILINE | re.IGNORECASE,
        ),
    ),
    # 2: "M/45", "F/29", "F 29", "Male, 45" (sex first) at the start of a line or field
    (
        2,
        re.compile(
            r"(?:^|(?<=[\n:;(]))[ \t]*(?P<sex>M|F|[Mm]ale|[Ff]emale)\s?(?:/|,|\s)\s?(?P<num>\d{1,3})"
            r"\b(?!\s*(?:/|\.\d|%|mm|mg|kg|cm|bpm|x\b))(?:\s?(?:yo|y/o|years?|yrs?)\b)?",
            re.MULTILINE,
        ),
    ),
    # 1: GP notation "4/12 old" (months), "3/52 old" (weeks), "5/7 old" (days)
    (
        1,
        re.compile(
            r"(?<![\w./])(?P<num>\d{1,2})/(?P<unit>12|52|7)[\s-]*old\b",
            re.IGNORECASE,
        ),
    ),
)
#: regular expressions that must be in the text for age pattern i (>= 2) to be tried at all
_GATES: dict[int, re.Pattern[str]] = {
    2: re.compile(r"\bage", re.IGNORECASE),
    3: re.compile(r"\d\s?(?:yo\s?|y/o\s?|y\.o\.\s?|yrs?\s?)?(?-i:[MF])\b", re.IGNORECASE),
    4: re.compile(r"(?:^|[\n:;(])[ \t]*(?:M|F|[Mm]ale|[Ff]emale)\s?[/,\s]\s?\d", re.MULTILINE),
    5: re.compile(r"\d/(?:12|52|7)[\s-]*old", re.IGNORECASE),
}
_FAMILY = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:son|daughter|mother|father|brother|sister|sibling|wife|husband|"
    r"partner|grandson|granddaughter|grandmother|grandfather|"
    r"nephew|niece|cousin|aunt|uncle|twin|boyfriend|girlfriend|friend|neighbou?r|spouse)\b",
    re.IGNORECASE,
)
_POSSESSIVE_BEFORE = re.compile(
    r"\b(?:his|her|their|patient's|whose|the patient's|(?:has|had|have) an?)\s+$", re.IGNORECASE
)
_AT_AGE_BEFORE = re.compile(
    r"\b(?:at|since|from|by|before|after|until|till|under|over|when|aged?\s+of|in)\s+(?:the\s+)?"
    r"(?:age\s+(?:of\s+)?)?$",
    re.IGNORECASE,
)

_SEX_AFTER_AGE = re.compile(
    r"^[\s,-]*(?:(?:[a-z]+[\s,-]+){0,3}?)(?P<sex>man|male|gentleman|boy|woman|female|lady|girl|"
    r"primigravida|multigravida|gravida|primipara|multipara|G\d+\s*P\d+|M|F)\b(?!['/])",
)
_SEX_FIELD = re.compile(
    r"\b(?:sex|gender)\s*[:=]?\s*(?P<sex>male|female|man|woman|M|F)\b", re.IGNORECASE
)
_SEX_NOUN = re.compile(
    r"\b(?P<sex>gentleman|gentlemen|man|male|boy|woman|female|lady|girl|Mr|Mrs|Ms|Miss)\b"
    r"(?P<dot>\.)?",
)
_PRONOUN_M = re.compile(r"\b(?:he|him|his|himself)\b", re.IGNORECASE)
_PRONOUN_F = re.compile(r"\b(?:she|her|hers|herself)\b", re.IGNORECASE)
_SEX_FAMILY_BEFORE = re.compile(
    r"\b(?:his|her|their|whose)\s+(?:\w+\s+)?$|\b(?:older|younger|elder)\s+$", re.IGNORECASE
)
_FEMALE_ONLY = re.compile(
    r"\b(?:pregnant|pregnancy|gravida|G\d+P\d+|primigravida|multigravida|postpartum|"
    r"menstrual|menses|menarche|uterus|ovar(?:y|ies|ian)|cervix|vagina\w*|hysterectomy)\b",
    re.IGNORECASE,
)


_word_number = word_number


def _unit_factor(unit: str | None) -> float:
    if not unit:
        return 1.0
    u = unit.lower().rstrip("s").rstrip(".")
    if u in _GP_FRACTIONS:
        return _GP_FRACTIONS[u]
    for key in ("year", "yr", "month", "mo", "week", "wk", "day"):
        if u.startswith(key):
            return _UNITS[key]
    return _UNITS.get(u, 1.0)


#: first three letters of the number words: an age pattern that opens with a number starts a
#: word that begins with a digit or with one of these
_NUMBER_WORD_KEYS = frozenset(w[:3] for w in (*_ONES, *_TENS))
_WORD_SPLIT = re.compile(r"(\w+)")


def _number_word_starts(text: str) -> list[int]:
    parts = _WORD_SPLIT.split(text)  # [sep, word, sep, word, ..., sep]
    ends = list(accumulate(map(len, parts)))
    return [
        ends[i - 1]
        for i in range(1, len(parts), 2)
        if parts[i][0].isdigit()
        or parts[i][:3].lower() in _NUMBER_WORD_KEYS
        or not parts[i].isascii()
    ]


def _matches(index: int, regex: re.Pattern[str], text: str, starts: list[int]) -> list:
    r"""``regex.finditer(text)``, faster: the two number-first patterns are tried only where a
    number word starts (their lookbehind ``(?<![\w.])`` makes that the only place they can
    match); the others only when the text has their keyword."""
    if index >= 2:
        return list(regex.finditer(text)) if _GATES[index].search(text) else []
    found = []
    last_end = 0
    for pos in starts:
        if pos < last_end:
            continue
        m = regex.match(text, pos)
        if m is not None:
            found.append(m)
            last_end = m.end()
    return found


_Mention = tuple[int, int, int, float, str, tuple[int, int] | None]


def _age_mentions(text: str) -> list[_Mention]:
    """(priority, start, end, years, text, sex letter span) of every age statement about the
    patient; the sex span is set when the notation carries the sex ("45M", "M/45")."""
    out: list[_Mention] = []
    starts = _number_word_starts(text)
    for index, (priority, regex) in enumerate(_AGE_PATTERNS):
        for m in _matches(index, regex, text, starts):
            num = m.group("num")
            try:
                value = _word_number(num)
            except ValueError:
                continue
            unit = m.groupdict().get("unit")
            years = value * _unit_factor(unit)
            if not 0 <= years <= 125 or (value == 0 and not unit):
                continue
            after = text[m.end() : m.end() + 40]
            before = text[max(0, m.start() - 30) : m.start()]
            if re.search(
                r"\b(?:mean|median|average|gestational|bone|retirement)\s*$", before, re.I
            ):
                continue  # "mean age: 20", "gestational age 37 weeks": not the patient's age
            if _FAMILY.match(after) and _POSSESSIVE_BEFORE.search(before):
                continue  # "his 30-year-old son"
            if _FAMILY.match(after) and re.search(r"\b(?:his|her|their)\s+$", before, re.I):
                continue
            if priority == 2 and _AT_AGE_BEFORE.search(before) and "age" in m.group(0).lower()[:5]:
                continue  # "diagnosed at the age of 30": a past event, not the current age
            if priority == 1 and re.search(
                r"\b(?:at|since|until|till|by|before)\s+(?:the\s+)?(?:age\s+(?:of\s+)?)?$",
                before,
                re.I,
            ):
                continue
            groups = m.groupdict()
            sex_span = m.span("sex") if groups.get("sex") else None
            start = min(m.start("num"), sex_span[0]) if sex_span else m.start()
            if not sex_span:
                start += len(m.group(0)) - len(m.group(0).lstrip())
            end = m.end()
            out.append((priority, start, end, years, text[start:end], sex_span))
    out.sort(key=lambda t: t[1])
    # drop mentions nested in another
    kept: list[_Mention] = []
    for item in out:
        if kept and item[1] < kept[-1][2]:
            continue
        kept.append(item)
    return kept


_PATIENT_NOUN_AFTER = re.compile(
    r"^[\s,-]*(?:[a-z]+[\s,-]+){0,3}?(?:man|woman|male|female|gentleman|lady|boy|girl|patient|"
    r"pt|M|F|G\d|primigravida|multigravida|gravida|caucasian|african|asian|hispanic|white|black)\b"
)
_PAST_BEFORE = re.compile(
    r"\b(?:at|when|since|by|until|till|before|after|from|between|during|gestational|"
    r"corrected|post-?menstrual|was|were|had been|became)\b[\w\s]{0,20}$",
    re.IGNORECASE,
)


def _describes_patient(text: str, start: int, end: int, mention: str) -> bool:
    """Whether an age mention states the patient's current age (for conflicts)."""
    if re.match(r"age\s*[:=]", mention, re.IGNORECASE):
        return True
    if _PAST_BEFORE.search(text[max(0, start - 30) : start]):
        return False
    if re.search(r"weeks?|days?|months?", mention, re.IGNORECASE):
        return False
    return bool(_PATIENT_NOUN_AFTER.match(text[end : end + 40]))


def _sex_value(word: str) -> str | None:
    w = word.lower().rstrip(".")
    if w in {"man", "male", "gentleman", "gentlemen", "boy", "gent", "guy", "m", "mr"}:
        return "male"
    if w in {"woman", "female", "lady", "girl", "f", "mrs", "ms", "miss"}:
        return "female"
    if re.fullmatch(r"(?:primi|multi)?gravida|(?:primi|multi)para|g\d+\s*p\d+", w):
        return "female"
    return None


def _sex(text: str, age_end: int | None) -> tuple[str, str, tuple[int, int], str] | None:
    """(sex, text, span, basis): "stated" (a noun, title or field) or "inferred" (pronouns or
    female-only anatomy and obstetric terms: a weak inference, labelled as such)."""
    if age_end is not None:
        m = _SEX_AFTER_AGE.match(text[age_end : age_end + 40])
        if m:
            value = _sex_value(m.group("sex"))
            if value:
                s, e = age_end + m.start("sex"), age_end + m.end("sex")
                return value, text[s:e], (s, e), "stated"
    m = _SEX_FIELD.search(text)
    if m:
        value = _sex_value(m.group("sex"))
        if value:
            return value, m.group("sex"), (m.start("sex"), m.end("sex")), "stated"
    for m in _SEX_NOUN.finditer(text):
        word = m.group("sex")
        if (
            word in {"Mr", "Mrs", "Ms"}
            and not m.group("dot")
            and not re.match(r"\s+[A-Z]", text[m.end() : m.end() + 200])
        ):
            continue
        if (
            word[0].isupper()
            and word.lower() in {"man", "male", "woman", "female", "boy", "girl"}
            and len(word) > 1
        ):
            pass
        before = text[max(0, m.start() - 30) : m.start()]
        if _SEX_FAMILY_BEFORE.search(before):
            continue
        if re.match(
            r"[\s-]+(?:partner|nurse|doctor|physician|friend|relative|baby|infant|newborn|"
            r"neonate|fetus|foetus|child|twin|sibling|offspring)",
            text[m.end() : m.end() + 200],
            re.I,
        ):
            continue
        value = _sex_value(word)
        if value:
            return value, word, (m.start("sex"), m.end("sex")), "stated"
    fem = _FEMALE_ONLY.search(text)
    if fem:
        return "female", fem.group(0), (fem.start(), fem.end()), "inferred"
    males = list(_PRONOUN_M.finditer(text))
    females = list(_PRONOUN_F.finditer(text))
    # pronouns: a clear majority (at least twice the other sex's), a single "He has ..." too
    if males and len(males) >= 2 * len(females):
        m0 = males[0]
        return "male", m0.group(0), (m0.start(), m0.end()), "inferred"
    if females and len(females) >= 2 * len(males):
        f0 = females[0]
        return "female", f0.group(0), (f0.start(), f0.end()), "inferred"
    return None


def extract_demographics(text: str) -> Demographics:
    """Age (years) and sex of the patient, with the text and span that state them."""
    if not isinstance(text, str):
        raise InputError(f"text must be a string, got {type(text).__name__}")
    demo = Demographics()
    mentions = _age_mentions(text)
    age_end: int | None = None
    if mentions:
        best = min(mentions, key=lambda t: (t[0], t[1]))
        _, start, end, years, age_text, sex_span = best
        demo.age = round(years, 4)
        demo.age_text = age_text
        demo.age_span = (start, end)
        age_end = end
        for _, s, e, other, other_text, _sex_span in mentions:
            if s == start or not _describes_patient(text, s, e, other_text):
                continue
            if abs(other - years) >= 1 or (years < 2 and abs(other - years) > 0.05):
                demo.conflicts.append(
                    f"age: {years:g} years ({age_text!r}) vs {round(other, 2):g} years "
                    f"({other_text!r})"
                )
    # "67 y/o M", "76F", "M/45": the sex letter belongs to the age notation
    if mentions and sex_span is not None:
        letter = text[sex_span[0] : sex_span[1]]
        demo.sex = "male" if letter[0] in "Mm" else "female"
        demo.sex_text = letter
        demo.sex_span = sex_span
        demo.sex_basis = "stated"
        return demo
    found = _sex(text, age_end)
    if found:
        demo.sex, demo.sex_text, demo.sex_span, demo.sex_basis = found  # type: ignore[assignment]
    return demo
