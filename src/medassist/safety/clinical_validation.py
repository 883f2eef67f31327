"""Layer 4, clinical validation: plausibility, unit confusion, dose sanity, contradictions, red flags.

:func:`validate_extraction` re-checks what the text engine extracted:

- every vital/lab value against its plausible range (the measurement catalogue's ranges);
- unit confusion: a temperature in °F labelled °C (and the reverse); mg written for a drug
  dosed in mcg (levothyroxine, digoxin, fentanyl) and the reverse;
- each medication's daily dose (dose x doses per day) against a maximum-daily-dose table
  (``data/max_daily_doses.tsv``), and methotrexate given daily;
- contradictions inside the note: two different ages, two different sexes, a drug listed as
  both stopped and active, a sex-specific condition for the other sex;
- red flags (``data/red_flags.tsv``: SpO2 < 90 %, SBP < 90 mmHg, HR > 130/min, RR >= 30/min,
  GCS <= 8, K > 6.0 mmol/L, glucose < 54 mg/dL, temperature >= 40 or < 35 °C, Na < 120 ...),
  each giving an *urgent clinician review* notice (Severity.urgent), urgent notices first.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from medassist.safety.models import ValidationReport
from medassist.safety.quantities import to_mg
from medassist.schemas.common import Notice, Severity, Span
from medassist.schemas.safety import Finding
from medassist.schemas.text import Measurement, Medication, TextExtraction

__all__ = [
    "validate_extraction",
    "check_measurement",
    "check_medication",
    "find_contradictions",
    "red_flags",
    "doses_per_day",
    "DoseLimit",
    "dose_table",
]

_LAYER = "clinical_validation"


def _read_tsv(name: str) -> list[dict[str, str]]:
    raw = resources.files("medassist.safety").joinpath(f"data/{name}").read_text("utf-8")
    lines = [ln for ln in raw.splitlines() if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@dataclass(frozen=True)
class DoseLimit:
    drug: str
    max_daily_mg: float
    single_min_mg: float
    single_max_mg: float
    mcg_drug: bool
    note: str


@lru_cache(maxsize=1)
def dose_table() -> dict[str, DoseLimit]:
    """Drug name or alias (lower case) -> its limits."""
    out: dict[str, DoseLimit] = {}
    for row in _read_tsv("max_daily_doses.tsv"):
        limit = DoseLimit(
            drug=row["drug"],
            max_daily_mg=float(row["max_daily_mg"]),
            single_min_mg=float(row["single_min_mg"]),
            single_max_mg=float(row["single_max_mg"]),
            mcg_drug=row["mcg_drug"].strip() == "yes",
            note=(row.get("note") or "").strip(),
        )
        for name in [row["drug"], *(a for a in (row.get("aliases") or "").split("|") if a)]:
            out[name.strip().lower()] = limit
    return out


@dataclass(frozen=True)
class _RedFlag:
    name: str
    op: str
    threshold: float
    unit: str | None
    label: str


@lru_cache(maxsize=1)
def _red_flag_table() -> tuple[_RedFlag, ...]:
    return tuple(
        _RedFlag(r["name"], r["op"], float(r["threshold"]), r["unit"] or None, r["label"])
        for r in _read_tsv("red_flags.tsv")
    )


@lru_cache(maxsize=1)
def _sex_terms() -> tuple[re.Pattern[str], dict[str, str]]:
    rows = _read_tsv("sex_specific_terms.tsv")
    sexes = {r["term"].lower(): r["sex"] for r in rows}
    alternation = "|".join(re.escape(t) for t in sorted(sexes, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternation})\b", re.IGNORECASE), sexes


# --- measurements -------------------------------------------------------------------------

_FALLBACK_RANGES: dict[str, tuple[float, float, str | None]] = {
    "heart_rate": (20, 300, "/min"), "sbp": (40, 300, "mmHg"), "dbp": (15, 200, "mmHg"),
    "respiratory_rate": (2, 80, "/min"), "temperature": (25, 45, "°C"), "spo2": (40, 100, "%"),
    "gcs": (3, 15, None), "sodium": (90, 200, "mmol/L"), "potassium": (1.0, 10.0, "mmol/L"),
    "glucose": (10, 3000, "mg/dL"), "hemoglobin": (1, 25, "g/dL"),
}  # fmt: skip


def _range(name: str) -> tuple[float, float, str | None] | None:
    try:
        from medassist.text.catalogue import get_spec
    except ImportError:  # pragma: no cover - the engine ships with the package
        return _FALLBACK_RANGES.get(name)
    spec = get_spec(name)
    if spec is None or spec.range is None:
        return _FALLBACK_RANGES.get(name)
    return spec.range[0], spec.range[1], spec.unit


def _canonical_value(m: Measurement) -> tuple[float | None, str | None]:
    """The value in the catalogue's canonical unit, converting when needed."""
    rng = _range(m.name)
    target = rng[2] if rng else None
    if m.normalized_value is not None and (target is None or _same_unit(m.normalized_unit, target)):
        return m.normalized_value, m.normalized_unit or target
    if m.value is None:
        return None, None
    if target is None or m.unit is None or _same_unit(m.unit, target):
        return m.value, m.unit or target
    try:
        from medassist.text.units import convert

        return convert(m.value, m.unit, target, analyte=m.name), target
    except Exception:  # noqa: BLE001 - unknown unit: compare as written
        return m.value, m.unit


def _same_unit(a: str | None, b: str | None) -> bool:
    if a == b:
        return True
    if a is None or b is None:
        return False
    try:
        from medassist.text.units import same_unit

        return bool(same_unit(a, b))
    except Exception:  # noqa: BLE001
        return a.lower().replace("°", "") == b.lower().replace("°", "")


def _fmt(v: float) -> str:
    return f"{v:g}"


def check_measurement(m: Measurement, item_id: str) -> list[Finding]:
    """Plausibility and unit-confusion findings for one vital or lab."""
    findings: list[Finding] = []
    span = Span(start=m.start, end=m.end)
    unit = (m.unit or "").lower().replace("°", "").replace("º", "").strip()
    if m.name == "temperature" and m.value is not None:
        if unit in ("c", "degc", "celsius") and 90 <= m.value <= 113:
            findings.append(
                _finding(
                    "unit_confusion",
                    f"{item_id}: temperature {_fmt(m.value)} labelled °C looks like °F ({(m.value - 32) * 5 / 9:.1f} °C)",
                    Severity.warning,
                    span,
                )
            )
        elif unit in ("f", "degf", "fahrenheit") and 30 <= m.value <= 45:
            findings.append(
                _finding(
                    "unit_confusion",
                    f"{item_id}: temperature {_fmt(m.value)} labelled °F looks like °C",
                    Severity.warning,
                    span,
                )
            )
    value, canon_unit = _canonical_value(m)
    rng = _range(m.name)
    if value is None or rng is None:
        return findings
    lo, hi, _u = rng
    if not lo <= value <= hi:
        findings.append(
            _finding(
                "implausible_value",
                f"{item_id}: {m.name} {_fmt(value)} {canon_unit or ''}".rstrip()
                + f" is outside the plausible range {_fmt(lo)}-{_fmt(hi)}; check the value and its unit",
                Severity.warning,
                span,
            )
        )
    return findings


def red_flags(extraction: TextExtraction) -> list[tuple[Measurement, _RedFlag, float]]:
    """(measurement, rule, value) for every plausible value past a red-flag threshold."""
    out = []
    for m in [*extraction.vitals, *extraction.labs]:
        if not m.plausible:
            continue
        value, _unit = _canonical_value(m)
        if value is None:
            continue
        rng = _range(m.name)
        if rng is not None and not rng[0] <= value <= rng[1]:
            continue
        for rule in _red_flag_table():
            if rule.name != m.name:
                continue
            hit = {
                "<": value < rule.threshold,
                "<=": value <= rule.threshold,
                ">": value > rule.threshold,
                ">=": value >= rule.threshold,
            }[rule.op]
            if hit:
                out.append((m, rule, value))
    return out


# --- medications --------------------------------------------------------------------------

_PER_DAY = {
    "daily": 1, "qd": 1, "od": 1, "once daily": 1, "qam": 1, "qpm": 1, "qhs": 1, "hs": 1,
    "nightly": 1, "bid": 2, "twice daily": 2, "tid": 3, "three times daily": 3, "qid": 4,
    "four times daily": 4, "5x daily": 5, "once": 1, "stat": 1, "weekly": 1 / 7,
    "once weekly": 1 / 7, "qweek": 1 / 7, "every other day": 0.5, "qod": 0.5, "monthly": 1 / 30,
}  # fmt: skip
_QH = re.compile(r"^q\s*(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?\s*h(?:r|rs|ours?)?$")


def doses_per_day(frequency: str | None) -> float | None:
    """Administrations per day for a normalised frequency (``BID`` -> 2, ``q4-6h`` -> 6)."""
    if not frequency:
        return None
    f = frequency.strip().lower().replace(".", "")
    if f in _PER_DAY:
        return _PER_DAY[f]
    m = _QH.match(f)
    if m:
        hours = float(m.group(1))  # the shortest interval gives the most doses
        return 24.0 / hours if hours > 0 else None
    m = re.match(r"^(\d+)\s*(?:x|times)\s*(?:daily|a day|per day|/day)$", f)
    if m:
        return float(m.group(1))
    return None


@lru_cache(maxsize=1)
def _name_regex() -> re.Pattern[str]:
    names = sorted(dose_table(), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)


def _limit_for(med: Medication) -> DoseLimit | None:
    table = dose_table()
    for key in (med.name, med.text):
        if key and key.strip().lower() in table:
            return table[key.strip().lower()]
    m = _name_regex().search(med.name or "")
    return table[m.group(0).lower()] if m else None


def check_medication(med: Medication, item_id: str) -> list[Finding]:
    """mg/mcg confusion and maximum-daily-dose findings for one medication."""
    limit = _limit_for(med)
    if limit is None or med.dose is None:
        return []
    span = Span(start=med.start, end=med.end)
    findings: list[Finding] = []
    single = med.dose_max if med.dose_max is not None else med.dose
    single_mg = to_mg(single, med.unit)
    if single_mg is None:
        return []
    unit = (med.unit or "").lower()
    if (
        limit.mcg_drug
        and unit in ("mg", "milligram", "milligrams")
        and single_mg > limit.single_max_mg * 10
    ):
        as_mcg = single_mg / 1000.0
        if limit.single_min_mg * 0.5 <= as_mcg <= limit.single_max_mg * 2:
            findings.append(
                _finding(
                    "unit_confusion",
                    f"{item_id}: {med.name} {_fmt(single)} mg is 1000x its usual dose; {_fmt(single)} mcg was probably meant",
                    Severity.urgent,
                    span,
                )
            )
            return findings
    if (
        unit in ("mcg", "µg", "ug", "microgram", "micrograms")
        and single_mg * 1000 <= limit.single_max_mg * 2
        and single_mg < limit.single_min_mg / 10
    ):
        findings.append(
            _finding(
                "unit_confusion",
                f"{item_id}: {med.name} {_fmt(single)} mcg is 1/1000 of its usual dose; {_fmt(single)} mg may have been meant",
                Severity.warning,
                span,
            )
        )
        return findings
    if single_mg > limit.single_max_mg * 10 and not limit.mcg_drug:
        findings.append(
            _finding(
                "dose_unit_suspect",
                f"{item_id}: {med.name} {_fmt(single)} {med.unit} is over 10x the usual single dose ({_fmt(limit.single_max_mg)} mg); check the unit",
                Severity.urgent,
                span,
            )
        )
        return findings
    per_day = doses_per_day(med.frequency)
    if limit.drug == "methotrexate" and per_day is not None and per_day >= 1:
        findings.append(
            _finding(
                "dose_frequency",
                f"{item_id}: methotrexate {med.frequency} — it is usually dosed once weekly; check the frequency",
                Severity.urgent,
                span,
            )
        )
    if per_day is None:
        if single_mg > limit.max_daily_mg:
            findings.append(
                _finding(
                    "dose_exceeds_max",
                    f"{item_id}: a single dose of {med.name} {_fmt(single)} {med.unit} exceeds the maximum daily dose of {_fmt(limit.max_daily_mg)} mg",
                    Severity.urgent,
                    span,
                )
            )
        return findings
    daily = single_mg * per_day
    if daily > limit.max_daily_mg * 1.0001:
        note = f" ({limit.note})" if limit.note else ""
        findings.append(
            _finding(
                "dose_exceeds_max",
                f"{item_id}: {med.name} {_fmt(single)} {med.unit} {med.frequency} is {_fmt(round(daily, 3))} mg/day, over the usual maximum of {_fmt(limit.max_daily_mg)} mg/day{note}",
                Severity.urgent,
                span,
            )
        )
    return findings


# --- contradictions -----------------------------------------------------------------------

_AGE = re.compile(
    r"(?<![\d.])(\d{1,3})\s*(?:-|\s)?\s*(?:years?|yrs?|y)(?:\s*|-)(?:old|o\b|/o)|(?<![\d.])(\d{1,3})\s*(?:yo|y/o|y\.o\.)\b|\bage[d:]?\s*(\d{1,3})\b",
    re.IGNORECASE,
)
_SEX_WORDS = {
    "female": re.compile(
        r"\b(?:\d{1,3}\s*(?:-|\s)?\s*(?:years?|yrs?|y)(?:\s*|-)old\s+|\d{1,3}\s*(?:yo|y/o)\s+)(?:woman|female|lady|girl)\b|\bsex:\s*(?:f|female)\b|\b\d{1,3}\s*(?:yo|y/o)?\s*F\b",
        re.IGNORECASE,
    ),
    "male": re.compile(
        r"\b(?:\d{1,3}\s*(?:-|\s)?\s*(?:years?|yrs?|y)(?:\s*|-)old\s+|\d{1,3}\s*(?:yo|y/o)\s+)(?:man|male|gentleman|boy)\b|\bsex:\s*(?:m|male)\b|\b\d{1,3}\s*(?:yo|y/o)?\s*M\b",
        re.IGNORECASE,
    ),
}
_ACTIVE = {"active", "started", "continued", "changed"}
_NEG_BEFORE = re.compile(
    r"\b(?:no|not|denies|negative\s+for|without|never|rule\s+out|r/o|history\s+of\s+no)\b[^.;\n]{0,30}$",
    re.IGNORECASE,
)
_FAMILY_BEFORE = re.compile(
    r"\b(?:mother|father|sister|brother|aunt|uncle|grandmother|grandfather|family|fh|wife|husband|daughter|son)\b[^.;\n]{0,40}$",
    re.IGNORECASE,
)


def find_contradictions(text: str, extraction: TextExtraction) -> list[Finding]:
    """Facts of the note that cannot all be true of one patient."""
    findings: list[Finding] = []
    ages: dict[int, int] = {}
    for m in _AGE.finditer(text):
        raw = next(g for g in m.groups() if g)
        value = int(raw)
        if 0 < value < 130 and not _FAMILY_BEFORE.search(text[max(0, m.start() - 60) : m.start()]):
            ages.setdefault(value, m.start())
    if len(ages) > 1:
        values = sorted(ages)
        if values[-1] - values[0] > 1:
            first, second = sorted(ages.items(), key=lambda kv: kv[1])[:2]
            findings.append(
                _finding(
                    "contradictory_age",
                    f"the note states different ages: {', '.join(str(v) for v in values)} years",
                    Severity.warning,
                    Span(start=second[1], end=second[1] + len(str(second[0]))),
                )
            )
    sexes = {sex for sex, pat in _SEX_WORDS.items() if pat.search(text)}
    if extraction.demographics.sex:
        sexes.add(extraction.demographics.sex)
    if len(sexes) > 1:
        findings.append(
            _finding(
                "contradictory_sex",
                "the note describes the patient both as female and as male",
                Severity.warning,
                None,
            )
        )
    by_name: dict[str, set[str]] = {}
    spans: dict[str, Span] = {}
    for med in extraction.medications:
        key = (med.name or med.text).lower()
        by_name.setdefault(key, set()).add(med.status)
        spans.setdefault(key, Span(start=med.start, end=med.end))
    for name, statuses in by_name.items():
        if "stopped" in statuses and statuses & _ACTIVE:
            findings.append(
                _finding(
                    "contradictory_medication_status",
                    f"{name} is listed both as stopped and as active ({', '.join(sorted(statuses))})",
                    Severity.warning,
                    spans[name],
                )
            )
    sex = extraction.demographics.sex or (next(iter(sexes)) if len(sexes) == 1 else None)
    if sex:
        pattern, sexes = _sex_terms()
        reported: set[str] = set()
        for m in pattern.finditer(text):
            term = m.group(0).lower()
            term_sex = sexes[term]
            if term_sex == sex or term in reported:
                continue
            before = text[max(0, m.start() - 60) : m.start()]
            if _NEG_BEFORE.search(before) or _FAMILY_BEFORE.search(before):
                continue
            reported.add(term)
            findings.append(
                _finding(
                    "sex_specific_condition",
                    f"'{m.group(0)}' is {term_sex}-specific but the patient is documented as {sex}",
                    Severity.warning,
                    Span(start=m.start(), end=m.end()),
                )
            )
    return findings


# --- layer entry point --------------------------------------------------------------------


def _finding(code: str, message: str, severity: Severity, span: Span | None) -> Finding:
    return Finding(
        layer=_LAYER,
        code=code,
        message=message,
        severity=severity,
        span=span,
        target="note",
        action="flagged",
    )


def validate_extraction(text: str, extraction: TextExtraction) -> ValidationReport:
    """Run every clinical check over an extraction of ``text``.

    Measurements found implausible here get ``plausible=False`` and a ``plausibility_note``
    (the extraction is updated in place). Red flags produce urgent notices, first in
    ``notices``; each is also a finding.
    """
    report = ValidationReport()
    for kind, items in (("vital", extraction.vitals), ("lab", extraction.labs)):
        for i, m in enumerate(items):
            item_id = f"{kind}:{i}"
            found = check_measurement(m, item_id)
            if any(f.code == "implausible_value" for f in found):
                if m.plausible:
                    m.plausible = False
                    m.plausibility_note = next(
                        f.message for f in found if f.code == "implausible_value"
                    )
                report.implausible.append(item_id)
            elif not m.plausible:
                report.implausible.append(item_id)
            report.findings.extend(found)
    for i, med in enumerate(extraction.medications):
        if med.context.negated or med.context.hypothetical or med.context.family:
            continue
        found = check_medication(med, f"medication:{i}")
        if found:
            report.flagged_medications.append(i)
        report.findings.extend(found)
    report.findings.extend(find_contradictions(text, extraction))
    urgent: list[Notice] = []
    for m, rule, value in red_flags(extraction):
        unit = f" {rule.unit}" if rule.unit else ""
        message = f"Urgent clinician review: {rule.label} ({m.text.strip()} -> {_fmt(round(value, 2))}{unit})"
        urgent.append(
            Notice(code=f"red_flag_{rule.name}", message=message, severity=Severity.urgent)
        )
        report.findings.append(
            _finding("red_flag", message, Severity.urgent, Span(start=m.start, end=m.end))
        )
    for f in report.findings:
        if f.severity == Severity.urgent and f.code != "red_flag":
            urgent.append(
                Notice(
                    code=f.code,
                    message=f"Urgent clinician review: {f.message}",
                    severity=Severity.urgent,
                )
            )
    warnings = [
        Notice(code=f.code, message=f.message, severity=Severity.warning)
        for f in report.findings
        if f.severity == Severity.warning
    ]
    report.notices = urgent + warnings
    return report
