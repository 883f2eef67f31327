"""Rules of the measurement reader: linking words, guards against doses, dates, ranges and
drug names, body-fluid specimens, and the helpers that apply them.

Used by :mod:`medassist.text.measurements`. Patterns written for medassist from the phrasing of
MTSamples transcriptions and MedCalc-Bench case reports.
"""

from __future__ import annotations

import re

from medassist.text.catalogue import get_spec
from medassist.text.measurement_aliases import AliasHit
from medassist.text.quantity import read_unit

__all__ = [
    "AMBIGUOUS",
    "BP_NAMES",
    "CMP_NORMAL",
    "CMP_WORDS",
    "DRUG_LIKE",
    "FILLER_WORDS",
    "FLAG_RE",
    "GIVEN_BEFORE",
    "LIST_SEP_RE",
    "LOOSE_STOP",
    "NEGATIVE_OK",
    "REFERENCE_RE",
    "REVERSE_GAP_RE",
    "SALT_AFTER",
    "SALT_BEFORE",
    "SENTENCE_END_RE",
    "TIME_SKIP_RE",
    "UNKNOWN_UNIT_RE",
    "UREA_ALIASES",
    "VALUE_SEP_RE",
    "WEIGHT_CHANGE",
    "WHOLE_NUMBER_NAMES",
    "choose_name",
    "dot_thousands",
    "lab_mg",
    "post_number_reject",
    "range_after",
    "specimen_of",
    "unit_fits",
]

FILLER_WORDS = frozenset(
    [
        "level",
        "levels",
        "concentration",
        "concentrations",
        "value",
        "values",
        "count",
        "counts",
        "was",
        "were",
        "is",
        "are",
        "of",
        "at",
        "to",
        "from",
        "measured",
        "noted",
        "found",
        "be",
        "been",
        "being",
        "reading",
        "readings",
        "initially",
        "initial",
        "on",
        "admission",
        "presentation",
        "arrival",
        "peak",
        "peaked",
        "nadir",
        "max",
        "maximum",
        "minimum",
        "markedly",
        "mildly",
        "slightly",
        "significantly",
        "severely",
        "moderately",
        "approximately",
        "about",
        "around",
        "nearly",
        "almost",
        "only",
        "as",
        "recorded",
        "reported",
        "showed",
        "shows",
        "revealed",
        "reveals",
        "demonstrated",
        "had",
        "has",
        "have",
        "with",
        "a",
        "an",
        "the",
        "elevated",
        "increased",
        "decreased",
        "reduced",
        "dropped",
        "rose",
        "risen",
        "fell",
        "raised",
        "high",
        "low",
        "normal",
        "abnormal",
        "borderline",
        "up",
        "down",
        "by",
        "repeat",
        "repeated",
        "baseline",
        "result",
        "results",
        "test",
        "documented",
        "estimated",
        "serum",
        "plasma",
        "blood",
        "venous",
        "capillary",
        "fasting",
        "random",
        "total",
        "whole",
        "check",
        "checked",
        "later",
        "then",
        "still",
        "again",
        "further",
        "remained",
        "remaining",
        "persistently",
        "persistent",
        "consistently",
        "rate",
        "measurement",
        "measurements",
        "concentration",
        "value",
        "reached",
        "reaching",
        "over",
        "under",
        "greater",
        "less",
        "than",
        "more",
        "above",
        "below",
        "within",
        "range",
        "showing",
        "significant",
        "notable",
        "mild",
        "severe",
        "marked",
        "low-normal",
        "high-normal",
        "lowest",
        "highest",
        "worst",
        "last",
        "latest",
        "first",
        "current",
        "currently",
        "now",
        "today",
        "respectively",
        "per",
        "elevation",
        "decline",
        "rise",
        "drop",
        "increase",
        "decrease",
    ]
)
CMP_NORMAL = {"<=": "<=", ">=": ">=", "≤": "<=", "≥": ">=", "<": "<", ">": ">"}
CMP_WORDS = {"less than": "<", "under": "<", "greater than": ">", "more than": ">", "over": ">"}
REFERENCE_RE = re.compile(
    r"\b(?:reference|ref\.?|vn|normal values?|normal range\s*(?:of|:|is|was|\()|uln|"
    r"upper limit|lower limit|cut-?off|threshold|target|goal|normal:|nl:?)(?!\w)|"
    r"\bnormal\s*(?:[<>≤≥]|up to|below|under|less than)",
    re.IGNORECASE,
)
TIME_SKIP_RE = re.compile(
    r"(?:on\s+|at\s+)?(?:hospital\s+|post-?operative\s+)?(?:day|HD|POD)\s*#?\s*\d{1,3}\b"
    r"|(?:at|after|within)\s+\d{1,3}\s*(?:h|hrs?|hours?|min|minutes?|days?|weeks?)\b"
    r"|\d{1,3}\s*(?:h|hrs?|hours?|days?|weeks?)\s+(?:later|after|post)\b",
    re.IGNORECASE,
)
SENTENCE_END_RE = re.compile(r"\.(?:\s|$)|;|\n\s*\n")
FLAG_RE = re.compile(r"\s*\(?\s*(?P<flag>HH|LL|H|L|high|low|critical|crit)\s*\)?(?![\w/])")
NEGATIVE_OK = frozenset({"base_excess", "anion_gap", "temperature"})
SALT_AFTER = re.compile(
    r"\s*(?:bicarbonate|chloride|citrate|phosphate|gluconate|carbonate|sulfate|sulphate|oxide|"
    r"acetate|lactate|valproate|channel|hydroxide|polystyrene|supplement|supplementation|"
    r"supplements|replacement|repletion|infusion|bolus|drip|tablets?|blocker|glargine|lispro|"
    r"aspart|detemir|degludec|regular|NPH|pump|sliding|dose|doses|therapy|binder|binders|"
    r"sparing|wasting|restriction|intake|load|loading|chelat\w*|excretion|clearance|"
    r"interval|segment|prolongation|depression|elevation|kinase|phosphokinase|gradient|"
    r"deficit\s+of\s+\d|ratio|index|fraction(?!\s+of\s+inspired)|administration|solution|"
    r"gel|drops|patch|units|to\s+creatinine|/\s*creatinine|/\s*FiO|/\s*Cr\b)",
    re.IGNORECASE,
)
SALT_BEFORE = re.compile(
    r"(?:sodium|potassium|calcium|magnesium|ringer'?s?|ammonium|vitamin|iv|intravenous|oral|"
    r"administered|dose of|mg of|g of|"
    r"units? of|dextrose|end-?tidal|et|percent|%|hypertonic|isotonic|infused|infusion of|"
    r"bolus of|/\s*(?:mg|g|mmol|µmol|umol)|packed|transfused|transfusion of|units? of|"
    r"CD4\+?(?:\s+T)?-?|CD8\+?(?:\s+T)?-?|T-|B-|iron|transferrin)\s*$",
    re.IGNORECASE,
)
_SPECIMEN_RE = re.compile(
    r"(?P<sp>spot urine|24[- ]?h(?:ou)?rs?\.? urine|urine|urinary|CSF|cerebrospinal fluid|"
    r"pleural fluid|pleural|ascitic fluid|ascitic|ascites|peritoneal fluid|peritoneal|"
    r"synovial fluid|synovial|drain fluid|dialysate|stool|sweat|vitreous|amniotic fluid|"
    r"fluid|U/A|UA|urinalysis)\s*:?\s+(?:(?:spot|random|fluid)\s+)?$",
    re.IGNORECASE,
)
_SPECIMEN_KEY = {
    "urine": "urine",
    "urinary": "urine",
    "u/a": "urine",
    "ua": "urine",
    "urinalysis": "urine",
    "spot urine": "urine",
    "csf": "csf",
    "cerebrospinal fluid": "csf",
    "pleural": "pleural",
    "pleural fluid": "pleural",
    "ascitic": "ascitic",
    "ascitic fluid": "ascitic",
    "ascites": "ascitic",
    "peritoneal": "ascitic",
    "peritoneal fluid": "ascitic",
    "synovial": "synovial",
    "synovial fluid": "synovial",
}
_FLUID_CONTEXT_RE = re.compile(
    r"\b(?:CSF|cerebrospinal|lumbar puncture|spinal tap|spinal fluid|urinalysis|U/A|"
    r"urine dipstick|dipstick|pleural fluid|thoracentesis|ascitic fluid|paracentesis|"
    r"synovial fluid|arthrocentesis|joint aspirat\w*)\b",
    re.IGNORECASE,
)
_FLUID_CONTEXT_KEY = {
    "csf": "csf",
    "cere": "csf",
    "lumb": "csf",
    "spin": "csf",
    "urin": "urine",
    "u/a": "urine",
    "dips": "urine",
    "plev": "pleural",
    "pleu": "pleural",
    "thor": "pleural",
    "asci": "ascitic",
    "para": "ascitic",
    "syno": "synovial",
    "arth": "synovial",
    "join": "synovial",
}
#: aliases whose measurement is really the urea molecule (not urea nitrogen)
UREA_ALIASES = frozenset({"urea", "blood urea", "serum urea", "plasma urea"})
DRUG_LIKE = frozenset(
    {
        "sodium",
        "potassium",
        "calcium",
        "magnesium",
        "bicarbonate",
        "insulin",
        "glucose",
        "phosphate",
        "chloride",
        "albumin",
        "ethanol",
    }
)
GIVEN_BEFORE = re.compile(
    r"\b(?:given|received|receive|receiving|started|start|starting|gave|give|oral|"
    r"replete[ds]?|supplemental|supplementation of)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)
WEIGHT_CHANGE = re.compile(
    r"[\s-]*(?:loss|gain|gained|lost|bearing|reduction|change|increase|decrease|percentile|"
    r"centile|z-score|for length|for height)\b",
    re.IGNORECASE,
)
LOOSE_STOP = frozenset(
    {"and", "or", "but", "while", "whereas", "which", "although", "whose", "however"}
)
UNKNOWN_UNIT_RE = re.compile(
    r"[ \t]?[A-Za-zµμ]+[A-Za-z0-9µμ]*/(?:kg|h|hr|hrs|min|d|day|dL|mL|L|m2|m²|24)\b"
)
WHOLE_NUMBER_NAMES = frozenset({"heart_rate", "respiratory_rate", "sbp", "dbp", "map"})
REVERSE_GAP_RE = re.compile(
    r"[ \t]+(?:(?:of|serum|plasma|blood|corrected|total|fasting|random|arterial|venous|"
    r"capillary)[ \t]+)*",
    re.IGNORECASE,
)
BP_NAMES = frozenset({"blood_pressure", "sbp", "dbp"})
LIST_SEP_RE = re.compile(
    r"\)?\s*(?:(?:levels?|concentrations?|values?|counts?)\s*)?"
    r"(?:,\s*and|,|/|\band\b|&|\bas well as\b)\s*(?:(?:serum|plasma|blood|the)\s+)?$",
    re.IGNORECASE,
)
VALUE_SEP_RE = re.compile(r"\s*(?:,\s*and|,|/|\band\b|&)\s*", re.IGNORECASE)


def post_number_reject(text: str, end: int, name: str) -> str | None:
    """Why the characters after a number show it is not this measurement's value."""
    after = text[end : end + 16]
    if re.match(r"\s*/\s*\d", after) and name not in BP_NAMES | {"gcs", "pain_score"}:
        return "slash"  # a date, a ratio or a pair handled elsewhere
    if re.match(r":\d", after) or re.match(r"\s*(?:am|pm|a\.m\.|p\.m\.)\b", after, re.IGNORECASE):
        return "time"
    if re.match(r"\+|\s*/\s*[46]\b|\s*out of [46]\b", after):
        return "grade"  # "pulse 2+", "reflexes 2/4": an examination grade
    if re.match(
        r"\s*(?:monocytes?|bands?|eos(?:inophils?)?|basos?|basophils?|lymphs?|lymphocytes?|segs?|"
        r"polys?|blasts?|atypical|myelocytes?|metamyelocytes?|neutrophils?|RBCs?|WBCs?|units?|"
        r"platelets?|cells|HPF|/HPF|per high)\b(?!\s*(?:/|per\b))",
        after,
        re.IGNORECASE,
    ):
        return "another count"  # "7 lymphocytes, 1 monocyte": a differential, a transfusion
    if re.match(r"\s*(?:calories?|kcal|cal\b|-?calorie|diet)", after, re.IGNORECASE):
        return "diet"  # "2 grams sodium, 1800 calorie ADA diet"
    if re.match(r"(?:st|nd|rd|th)\b", after):
        return "ordinal"
    if re.match(r"[-\s]*(?:years?|yrs?|yo|y/o|months?|weeks?|days?)[-\s]*old", after, re.I):
        return "age"
    if re.match(
        r"\s*(?:years?|yrs?|months?|weeks?|days?|hours?|hrs?|minutes?|mins?)\b", after, re.I
    ):
        return "duration"
    if re.match(r"\s*(?:times|fold|x\b(?!\s*10)|-fold)", after, re.IGNORECASE):
        return "multiple"
    if name == "height" and re.match(r"\s*(?:'|’|′|ft\b|feet|foot)", after, re.IGNORECASE):
        return "imperial height"  # read by medassist.text.vitals
    return None


AMBIGUOUS = frozenset({"in", "m", "s", "h", "min", "°C", "°F", "ft", "st", "g", "L", "mL"})


def unit_fits(hit: AliasHit, unit: str) -> bool:
    from medassist.errors import UnitConversionError
    from medassist.text.units import convert

    for name in hit.names:
        spec = get_spec(name)
        if spec is None or spec.unit is None:
            continue
        try:
            convert(1.0, unit, spec.unit, analyte=name)
        except UnitConversionError:
            continue
        return True
    return False


def dot_thousands(text: str, start: int, end: int, value: float, hit: AliasHit) -> float:
    """'22.000/µL' (a European thousands separator) for a cell count."""
    if not re.fullmatch(r"\d{1,3}\.\d{3}", text[start:end]):
        return value
    spec = get_spec(hit.names[0])
    if spec is None or spec.unit != "10^9/L":
        return value
    unit = read_unit(text, end)
    if unit is not None and unit.symbol in {"/µL", "/mm3"}:
        return value * 1000
    return value


def lab_mg(hit: AliasHit, text: str, end: int) -> bool:
    """'cholesterol 250 mg,': a bare "mg" after a lab whose unit is mg/dL (not a dose)."""
    spec = get_spec(hit.names[0])
    if spec is None or spec.unit != "mg/dL" or spec.kind != "lab":
        return False
    return bool(re.match(r"\s*mg(?:\s*[,;.)]|\s+and\b|\s*$)", text[end : end + 10]))


def range_after(text: str, end: int) -> re.Match[str] | None:
    # "7.1 -> 8.4" is a trend (two values), not a range
    return re.match(r"\s*(?:-(?!>)|–|—|to)\s*(?=[<>]?\s*\d)", text[end : end + 8])


def specimen_of(text: str, hit: AliasHit) -> str | None:
    before = text[max(0, hit.start - 40) : hit.start]
    m = _SPECIMEN_RE.search(before)
    if not m:
        if re.search(r"\b(?:serum|plasma|blood|venous|arterial)\s+$", before, re.IGNORECASE):
            return None
        # "CSF: protein 88, glucose 58, RBC 2800": a fluid named earlier in the sentence
        window = text[max(0, hit.start - 160) : hit.start]
        stop = max(window.rfind(". "), window.rfind(";"), window.rfind("\n"))
        sentence = window[stop + 1 :]
        fm = _FLUID_CONTEXT_RE.search(sentence)
        if fm:
            return _FLUID_CONTEXT_KEY.get(fm.group(0).lower()[:4], "fluid")
        return None
    key = re.sub(r"\s+", " ", m.group("sp").lower())
    if key.startswith("24"):
        return "urine"
    return _SPECIMEN_KEY.get(key, "fluid")


def choose_name(
    hit: AliasHit, specimen: str | None, unit: str | None, value: float
) -> tuple[str, dict[str, object]] | None:
    """Resolve the alias to one canonical name (specimen, unit compatibility)."""
    from medassist.errors import UnitConversionError
    from medassist.text.units import convert

    quals: dict[str, object] = {}
    names = list(hit.names)
    if specimen:
        quals["specimen"] = specimen
        out: list[str] = []
        for name in names:
            if name.startswith(("urine_", "csf_")):
                out.append(name)
            elif specimen == "urine" and get_spec(f"urine_{name}"):
                out.append(f"urine_{name}")
            elif get_spec(name) and get_spec(name).kind == "lab":  # type: ignore[union-attr]
                out.append(f"{specimen}_{name}")
        names = out
        if not names:
            return None
    if len(names) == 1:
        return names[0], quals
    for name in names:
        spec = get_spec(name)
        if spec is None:
            continue
        if unit is not None and spec.unit is not None:
            try:
                convert(value, unit, spec.unit, analyte=name)
            except UnitConversionError:
                continue
            return name, quals
        if spec.range and spec.range[0] <= value <= spec.range[1]:
            return name, quals
    return names[0], quals
