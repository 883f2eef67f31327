"""Drug mention recognition with DrugBank ids.

The dictionary is the one shipped by the ``drug-named-entity-recognition`` package
(MIT, Fast Data Science; ~20,000 drugs with DrugBank ids, MeSH/MedlinePlus synonyms and brand
names). Its own ``find_drugs`` works on pre-split tokens, returns no character offsets and
builds a fuzzy n-gram index at import time, so this module reads the package's dictionary file
directly and builds its own index (``lru_cache``; built once per machine and kept in the user
cache directory, see :mod:`medassist.text.drug_cache`): normalised names (lower-case
alphanumeric tokens joined by one space), their first tokens and their token prefixes. Matching
is exact, case-insensitive (a few short abbreviations are case-sensitive), longest-match-first
over alphanumeric tokens, so ``Solu-Medrol`` matches ``solu medrol``; offsets are exact and a
name never spans a line break or ``.,;:()``. Dictionary concepts with neither a DrugBank nor a
MedlinePlus id are kept only when their MeSH tree says drug class or pharmaceutical preparation
(D26/D27): this drops proteins, enzymes and lab analytes (ferritin, transaminases).

Two data files next to this module refine the package's dictionary:

* ``data/drug_abbreviations.tsv`` adds clinical abbreviations and brand names it misses
  (ASA, NTG, KCl, tPA, Norco, Versed, NS/LR when written as fluids, ...) and overrides a few of
  its mappings;
* ``data/drug_filters.tsv`` blocks dictionary entries that are common English words or
  laboratory analytes in clinical text (``more``, ``caps``, ``ferritin``, ``alkaline
  phosphatase``) and marks names that are a drug *or* a lab (potassium, magnesium, glucose,
  vitamin D ...): those count as drugs only when not followed by a lab value.
"""

from __future__ import annotations

import bz2
import importlib.util
import pickle
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

from medassist.errors import ConfigurationError, InputError
from medassist.logs import get_logger
from medassist.schemas.text import Entity, EntityCategory
from medassist.text.defined_abbreviations import with_defined_abbreviations

__all__ = ["DrugConcept", "find_drug_mentions", "lookup_drug", "drug_lexicon_size"]

_log = get_logger(__name__)
_DATA = Path(__file__).resolve().parent / "data"
_PKG_FILE = "drug_ner_dictionary.pkl.bz2"
#: this module's own data files: part of the cache key
_DATA_FILES = ("drug_filters.tsv", "drug_abbreviations.tsv")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_KEY_TOKEN = re.compile(r"[a-z0-9]+")
#: characters a dictionary variant may contain (others: greek letters, brackets, quotes ...
#: produce junk keys once split into alphanumeric tokens, e.g. "[he]" -> "he")
_CLEAN_VARIANT = re.compile(r"^[a-z0-9][a-z0-9 \-/.,'&+]*$")
_MAX_TOKENS = 8
#: splits text into separators and tokens; running sums of the piece lengths give offsets
_SPLIT = re.compile(r"([A-Za-z0-9]+)")
_BAD_GAP = re.compile(r"[\n.,;:()]")
#: function words that never start or end a drug name (variants like "at 10", "ears and nose")
_EDGE_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "he",
        "her",
        "his",
        "in",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "she",
        "the",
        "to",
        "was",
        "were",
        "with",
    ]
)
#: MeSH tree prefixes accepted for dictionary concepts with neither a DrugBank nor a
#: MedlinePlus id: D26 pharmaceutical preparations, D27 chemical actions and uses (drug classes)
_MESH_DRUG_TREES = ("D26", "D27")


@dataclass(frozen=True, slots=True)
class DrugConcept:
    """One normalised drug: canonical (generic) name and its DrugBank id when known."""

    name: str
    drugbank_id: str | None


@dataclass(frozen=True, slots=True)
class _Special:
    """Extra rules of one abbreviation entry."""

    concept: DrugConcept
    rule: str  # "" | "fluid" | "asa"


@dataclass(frozen=True, slots=True)
class _Lexicon:
    keys: dict[str, int]  # normalised variant (tokens joined by " ") -> index in concepts
    first_tokens: frozenset[str]  # lower-cased first tokens of every name
    prefixes: frozenset[str]  # proper token prefixes of multi-token names (both key forms)
    case_sensitive: dict[str, _Special]  # exact-case key -> concept (short abbreviations)
    special: dict[str, str]  # normalised key -> rule for case-insensitive entries
    lab_ambiguous: frozenset[str]  # normalised keys that are drugs or labs
    concepts: tuple[DrugConcept, ...]  # what ``keys`` point to


def _norm_key(text: str) -> str:
    return " ".join(_KEY_TOKEN.findall(text.lower()))


def _package_file() -> Path:
    spec = importlib.util.find_spec("drug_named_entity_recognition")
    if spec is None or spec.origin is None:
        raise ConfigurationError(
            "The drug dictionary is missing: install the 'drug-named-entity-recognition' package."
        )
    path = Path(spec.origin).parent / _PKG_FILE
    if not path.is_file():
        raise ConfigurationError(
            f"The drug dictionary file {_PKG_FILE} is missing from its package."
        )
    return path


def _package_dictionary() -> dict:
    path = _package_file()
    # The file is the package's own data (a pickle it loads the same way on import).
    with bz2.open(path, "rb") as handle:
        return pickle.load(handle)  # noqa: S301


def _read_tsv(name: str) -> list[list[str]]:
    rows: list[list[str]] = []
    with (_DATA / name).open(encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            rows.append(line.split("\t"))
    return rows[1:]  # first non-comment row is the header


def _accept_concept(data: dict) -> bool:
    if data.get("drugbank_id") or data.get("medline_plus_id") or data.get("nhs_url"):
        return True
    trees = data.get("mesh_tree") or []
    if trees:
        return any(tree.startswith(_MESH_DRUG_TREES) for tree in trees)
    return True  # no ids and no MeSH tree: plain medicine entries ("packed red blood cells")


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    """The lexicon: read from the prebuilt cache when valid, else built and cached."""
    from medassist.text import drug_cache

    stamp = drug_cache.source_stamp(_package_file(), [_DATA / n for n in _DATA_FILES])
    cached = drug_cache.load(stamp)
    if cached is not None:
        try:
            return _from_compact(cached)
        except (KeyError, IndexError, TypeError, ValueError):
            _log.warning("drug lexicon cache unreadable; rebuilding")
    lex = _build_lexicon()
    drug_cache.store(stamp, _to_compact(lex))
    return lex


def _to_compact(lex: _Lexicon) -> dict:
    """Plain builtins only (str, int, tuple, dict, frozenset): marshal reads them back fast."""
    return {
        "concepts": tuple((c.name, c.drugbank_id) for c in lex.concepts),
        "keys": lex.keys,
        "first_tokens": lex.first_tokens,
        "prefixes": lex.prefixes,
        "case_sensitive": {
            k: (v.concept.name, v.concept.drugbank_id, v.rule)
            for k, v in lex.case_sensitive.items()
        },
        "special": lex.special,
        "lab_ambiguous": lex.lab_ambiguous,
    }


def _from_compact(data: dict) -> _Lexicon:
    concepts = tuple(DrugConcept(name, drugbank_id) for name, drugbank_id in data["concepts"])
    return _Lexicon(
        data["keys"],
        frozenset(data["first_tokens"]),
        frozenset(data["prefixes"]),
        {
            k: _Special(DrugConcept(name, drugbank_id), rule)
            for k, (name, drugbank_id, rule) in data["case_sensitive"].items()
        },
        dict(data["special"]),
        frozenset(data["lab_ambiguous"]),
        concepts,
    )


def _build_lexicon() -> _Lexicon:
    raw = _package_dictionary()
    variant_to_canonical: dict[str, list[str]] = raw["drug_variant_to_canonical"]
    canonical_data: dict[str, dict] = raw["drug_canonical_to_data"]

    blocked: set[str] = set()
    lab_ambiguous: set[str] = set()
    short_allowed: set[str] = set()
    for row in _read_tsv("drug_filters.tsv"):
        key, action = _norm_key(row[0]), row[1].strip()
        if action == "block":
            blocked.add(key)
        elif action == "lab":
            lab_ambiguous.add(key)
        elif action == "short_ok":
            short_allowed.add(key)
        else:  # pragma: no cover - data file error
            raise ConfigurationError(f"drug_filters.tsv: unknown action {action!r}")

    concepts: dict[str, DrugConcept] = {}
    by_id: dict[str, DrugConcept] = {}
    for canonical, data in canonical_data.items():
        if not _accept_concept(data):
            continue
        concept = DrugConcept(canonical.lower(), data.get("drugbank_id"))
        concepts[canonical] = concept
        if concept.drugbank_id:
            by_id.setdefault(concept.drugbank_id, concept)

    keys: dict[str, DrugConcept] = {}

    def add(variant: str, concept: DrugConcept, *, override: bool = False) -> None:
        if not _CLEAN_VARIANT.match(variant):
            return
        tokens = _KEY_TOKEN.findall(variant)
        if not tokens or len(tokens) > _MAX_TOKENS:
            return
        key = " ".join(tokens)
        if key in blocked and not override:
            return
        if not override:
            if tokens[0] in _EDGE_STOPWORDS or tokens[-1] in _EDGE_STOPWORDS:
                return
            if not any(sum(c.isalpha() for c in t) >= 3 for t in tokens):
                return
            if len(tokens) == 1 and len(key) <= 4 and key not in short_allowed:
                return
            # when variants collide, prefer a concept with a DrugBank id
            if key in keys and (keys[key].drugbank_id or not concept.drugbank_id):
                return
        keys[key] = concept

    # canonical names first (some, e.g. "adenosine", are not listed among the variants)
    for canonical, concept in concepts.items():
        add(canonical.lower(), concept)
    for variant, canonicals in variant_to_canonical.items():
        for canonical in canonicals:
            concept = concepts.get(canonical)
            if concept is not None:
                add(variant.lower(), concept)
                break

    case_sensitive: dict[str, _Special] = {}
    special: dict[str, str] = {}
    for row in _read_tsv("drug_abbreviations.tsv"):
        surface, generic, match = row[0].strip(), row[1].strip(), row[2].strip()
        explicit_id = row[3].strip() if len(row) > 3 else ""
        target = keys.get(_norm_key(generic))
        if explicit_id:
            concept = DrugConcept(generic.lower(), explicit_id)
        elif target is not None and target.name == generic.lower():
            concept = target
        elif target is not None:
            concept = DrugConcept(generic.lower(), target.drugbank_id)
        else:
            concept = DrugConcept(generic.lower(), None)
        rule = ""
        if "+fluid" in match:
            rule = "fluid"
        elif "+asa" in match:
            rule = "asa"
        if match.startswith("cs"):
            case_sensitive[" ".join(_TOKEN.findall(surface))] = _Special(concept, rule)
        else:
            key = _norm_key(surface)
            add(key, concept, override=True)
            if rule:
                special[key] = rule

    first_tokens: set[str] = set()
    prefixes: set[str] = set()
    for key in [*keys, *case_sensitive]:
        tokens = key.split(" ")
        first_tokens.add(tokens[0].lower())
        for j in range(1, len(tokens)):
            prefixes.add(" ".join(tokens[:j]))
    _log.debug("drug lexicon built: %d keys", len(keys))
    index: dict[DrugConcept, int] = {}
    for concept in keys.values():
        index.setdefault(concept, len(index))
    return _Lexicon(
        {key: index[concept] for key, concept in keys.items()},
        frozenset(first_tokens),
        frozenset(prefixes),
        case_sensitive,
        special,
        frozenset(lab_ambiguous),
        tuple(index),
    )


def drug_lexicon_size() -> int:
    """Number of distinct normalised drug names the matcher knows."""
    lex = _lexicon()
    return len(lex.keys) + len(lex.case_sensitive)


def lookup_drug(name: str) -> DrugConcept | None:
    """The concept for one drug name as written (generic, brand or abbreviation), or None."""
    lex = _lexicon()
    cs = lex.case_sensitive.get(" ".join(_TOKEN.findall(name)))
    if cs is not None:
        return cs.concept
    index = lex.keys.get(_norm_key(name))
    return None if index is None else lex.concepts[index]


# --- context guards -------------------------------------------------------------------------

_DOSE_UNIT = (
    r"(?:mg|mcg|µg|ug|g|gm|grams?|milligrams?|micrograms?|units?|u|iu|meq|mmol|ml|cc|l|"
    r"tabs?|tablets?|caps?|capsules?|puffs?|drops?|gtts?|%|pills?|patch)"
)
#: after a lab-or-drug name: a lab value (a number without a dose unit) or lab wording
_LAB_ANALYTES = (
    r"(?:sodium|potassium|chloride|bicarbonate|bicarb|co2|bun|creatinine|glucose|calcium|"
    r"magnesium|mag|phosphorus|phos|albumin|ferritin|bilirubin|protein|uric\s+acid|ast|alt|"
    r"alkaline\s+phosphatase|cbc|bmp|cmp|electrolytes|hemoglobin|hematocrit|platelets|inr|ptt|"
    r"pt|tsh|lipid\w*|cholesterol|triglycerides|iron|tibc|b12|folate|esr|crp|troponin)"
)
_LAB_AFTER = re.compile(
    r"^\s*(?:"
    r",?\s*(?:level|levels|lab|labs|value|values|concentration|count|panel|studies|study|"
    r"was|were|is|are|of|at|remains?|normal|low|high|elevated|decreased|increased|"
    r"abnormal|within|wnl|unremarkable|pending|repleted|came|went|which|that|has|had|"
    r"score|scoring|deposits?|deposition|calcifications?|channels?|stones?|diet|"
    r"restriction|deficiency|metabolism|intake|monitoring|tolerance|meter|checks?|readings?|"
    r"control|excretion|clearance|gradient|balance|homeostasis)\b"
    # a concentration is a lab value: "105 mg/dL", "4.1 mmol/L"
    r"|[:=]?\s*[<>≤≥]?\s*\d+(?:[.,]\d+)*\s*(?:mg|g|mmol|meq|ng|pg|mcg|µg|ug|umol|µmol|iu|u|mu)"
    r"\s*/\s*(?:dl|l|ml|deciliter|liter)\b"
    r"|[:=]?\s*[<>≤≥]?\s*\d+(?:[.,]\d+)*(?!\s*" + _DOSE_UNIT + r"\b)(?![.,]?\d)"
    r"|[,;/\s]+(?:and\s+)?" + _LAB_ANALYTES + r"\b"
    r")",
    re.IGNORECASE,
)
_LAB_BEFORE = re.compile(
    r"(?:serum|plasma|urine|urinary|blood|ionized|corrected|low|high|elevated|decreased|"
    r"normal|check|checked|repeat|follow|monitor|trend|trace|fasting|random|coronary|home|"
    r"total|free)[\s-]+$"
    r"|(?:labs?|bmp|cmp|chem\w*|electrolytes|lytes|panel)\s*[:=-]?\s*$"
    r"|\b" + _LAB_ANALYTES + r"(?:\s+(?:of\s+)?[<>]?\d+(?:\.\d+)?)?\s*[,;/]\s*(?:and\s+)?$",
    re.IGNORECASE,
)
#: ASA physical-status classification (anaesthesia), not aspirin
_ASA_CLASS_AFTER = re.compile(
    r"^\s*(?:class|classification|score|grade|status|physical|standard|monitor|ps\b|p[1-6]\b|"
    r"(?:I{1,3}|IV|V|VI)(?:E)?\b|[1-6](?:E)?\b(?!\s*" + _DOSE_UNIT + r"))",
    re.IGNORECASE,
)
_FLUID_CUE = re.compile(
    r"\b(?:\d+(?:\.\d+)?\s*(?:ml|cc|l|liters?|litres?)\b|bolus|boluses|ivf|iv fluids?|"
    r"fluids?|infusion|at\s+\d+|kvo|flush|hydration|resuscitat\w*|@\s*\d+|/\s*h(?:r|our)?\b)",
    re.IGNORECASE,
)


#: after any drug name: a concentration per litre/decilitre ("plasma glycine (415 µmol/L)") or
#: "level": a lab analyte or a drug level, not a medication taken ("concentration" is not:
#: "epinephrine concentration 1:100,000" is a preparation)
_ANALYTE_AFTER = re.compile(
    r"\s*(?:"
    r"levels?\b"
    r"|[(:=]?\s*(?:(?:of|was|were|is|at)\s+)?[<>≤≥]?\s*\d+(?:[.,]\d+)?\s*"
    r"(?:mg|g|mmol|meq|ng|pg|mcg|µg|μg|ug|umol|µmol|μmol|nmol|pmol|iu|u|mu|miu)"
    r"\s*/\s*(?:dl|l|deciliter|decilitre|liter|litre)\b"
    r")",
    re.IGNORECASE,
)
#: after a lab-or-drug name: "Potassium - none", "Magnesium: not done" (a lab result list)
_LAB_RESULT_WORD = re.compile(
    r"^\s*[-–:=]\s*(?:none|nil|n/?a|not\s+(?:done|available|measured|checked|sent|obtained)|"
    r"pending|normal|wnl|unremarkable)\b",
    re.IGNORECASE,
)


#: a dose follows the name: "lithium at a dose of 900 mg/day", "magnesium was given at 2 g",
#: "potassium (40 mEq)": a drug given, whatever lab wording ("at", "was") precedes the number
_DOSE_FOLLOWS = re.compile(
    r"^\s*[(,]?\s*(?:(?:was|were|is|being|been)\s+)?(?:(?:given|started|administered|"
    r"increased|decreased|titrated|continued|infused|replaced|repleted|supplemented)\s+)?"
    # a linking word is required: a bare number after the name ("potassium 4.2 mmol") is read
    # by the lab reader (_measured_lab_at), which tells a lab value from a dose
    r"(?:(?:at|with|to|in)\s+(?:an?\s+)?(?:(?:daily|total|starting|initial|maintenance|"
    r"loading)\s+)?(?:(?:dose|doses|dosage|rate)\s+of\s+)?|(?:dose|doses|dosage)\s+of\s+)"
    r"\d+(?:\.\d+)?\s*(?:mg|mcg|µg|g|grams?|meq|mmol|units?)\b(?!\s*/\s*(?:dl|l|ml)\b)",
    re.IGNORECASE,
)


def _lab_context(text: str, start: int, end: int) -> bool:
    after = text[end : end + 40]
    if _DOSE_FOLLOWS.match(after):
        return False
    if _LAB_AFTER.match(after) or _LAB_RESULT_WORD.match(after):
        return True
    if _LAB_BEFORE.search(text[max(0, start - 20) : start]):
        return True
    return _measured_lab_at(text, start)


def _measured_lab_at(text: str, start: int) -> bool:
    """The measurement reader reads a lab value with a unit at ``start`` ("potassium 4.2 mmol",
    "glucose 188 mg"): its dose guards already tell "potassium 20 mEq PO" apart."""
    from medassist.text.measurements import lab_value_starts

    return start in lab_value_starts(text)


def _rule_ok(rule: str, text: str, start: int, end: int) -> bool:
    if rule == "fluid":
        window = text[max(0, start - 30) : end + 30]
        return bool(_FLUID_CUE.search(window))
    if rule == "asa":
        return not _ASA_CLASS_AFTER.match(text[end : end + 30])
    return True


def _entity(text: str, start: int, end: int, concept: DrugConcept) -> Entity:
    return Entity(
        text=text[start:end],
        start=start,
        end=end,
        category=EntityCategory.medication,
        preferred=concept.name,
        code_system="DrugBank" if concept.drugbank_id else None,
        code=concept.drugbank_id,
    )


def find_drug_mentions(text: str) -> list[Entity]:
    """Drug mentions in ``text``: exact spans, canonical generic name and DrugBank id.

    Longest match wins; matches never overlap and never cross a line break or sentence/list
    punctuation. Raises :class:`InputError` when ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise InputError("Drug recognition needs text (a str).", got=type(text).__name__)
    if not text:
        return []
    lex = _lexicon()
    keys, prefixes, first_tokens, concepts = lex.keys, lex.prefixes, lex.first_tokens, lex.concepts
    case_sensitive, special_rules = lex.case_sensitive, lex.special
    parts = _SPLIT.split(text)  # [sep, token, sep, token, ..., sep]
    words = parts[1::2]
    lowered = [w.lower() for w in words]
    candidates = [i for i, w in enumerate(lowered) if w in first_tokens]
    if not candidates:
        return []
    offsets: list[int] | None = None  # offsets[2*i+1] = end of token i
    found: list[Entity] = []
    n_tokens = len(words)
    next_free = 0
    for i in candidates:
        if i < next_free:
            continue
        best: tuple[int, DrugConcept, str] | None = None  # (tokens, concept, rule)
        key, exact, j = lowered[i], words[i], 1
        while True:
            cs = case_sensitive.get(exact)
            if cs is not None:
                best = (j, cs.concept, cs.rule or "cs")
            else:
                index = keys.get(key)
                if index is not None:
                    best = (j, concepts[index], special_rules.get(key, ""))
            if i + j >= n_tokens or (key not in prefixes and exact not in prefixes):
                break
            next_key = key + " " + lowered[i + j]
            next_exact = exact + " " + words[i + j]
            if (
                next_key not in keys
                and next_key not in prefixes
                and next_exact not in case_sensitive
                and next_exact not in prefixes
            ):
                break
            gap = parts[2 * (i + j)]
            if len(gap) > 3 or _BAD_GAP.search(gap):
                break
            key, exact, j = next_key, next_exact, j + 1
        if best is None:
            continue
        if offsets is None:
            offsets = list(accumulate(map(len, parts)))
        k, concept, rule = best
        if (
            concept.name.startswith("insulin")
            and i + k < n_tokens
            and lowered[i + k] == "insulin"
            and parts[2 * (i + k)] in (" ", "  ")
        ):
            k += 1  # "Lantus insulin": one mention
        start, end = offsets[2 * i], offsets[2 * (i + k) - 1]
        if rule not in ("", "cs") and not _rule_ok(rule, text, start, end):
            continue
        lab_name = rule != "cs" and " ".join(lowered[i : i + k]) in lex.lab_ambiguous
        if lab_name and _lab_context(text, start, end):
            continue
        if _ANALYTE_AFTER.match(text, end, min(len(text), end + 40)):
            continue
        found.append(_entity(text, start, end, concept))
        next_free = i + k
    return with_defined_abbreviations(text, found)
