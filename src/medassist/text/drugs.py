"""Drug mention recognition with DrugBank ids.

The dictionary is the one shipped by the ``drug-named-entity-recognition`` package
(MIT, Fast Data Science; ~20,000 drugs with DrugBank ids, MeSH/MedlinePlus synonyms and brand
names). Its own ``find_drugs`` works on pre-split tokens, returns no character offsets and
builds a fuzzy n-gram index at import time, so this module reads the package's dictionary file
directly and builds its own index once per process (``lru_cache``): normalised names (lower-case
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

__all__ = ["DrugConcept", "find_drug_mentions", "lookup_drug", "drug_lexicon_size"]

_log = get_logger(__name__)
_DATA = Path(__file__).resolve().parent / "data"
_PKG_FILE = "drug_ner_dictionary.pkl.bz2"
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
    keys: dict[str, DrugConcept]  # normalised variant (tokens joined by " ") -> concept
    first_tokens: frozenset[str]  # lower-cased first tokens of every name
    prefixes: frozenset[str]  # proper token prefixes of multi-token names (both key forms)
    case_sensitive: dict[str, _Special]  # exact-case key -> concept (short abbreviations)
    special: dict[str, str]  # normalised key -> rule for case-insensitive entries
    lab_ambiguous: frozenset[str]  # normalised keys that are drugs or labs


def _norm_key(text: str) -> str:
    return " ".join(_KEY_TOKEN.findall(text.lower()))


def _package_dictionary() -> dict:
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
    return _Lexicon(
        keys,
        frozenset(first_tokens),
        frozenset(prefixes),
        case_sensitive,
        special,
        frozenset(lab_ambiguous),
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
    return lex.keys.get(_norm_key(name))


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


def _lab_context(text: str, start: int, end: int) -> bool:
    after = text[end : end + 40]
    if _LAB_AFTER.match(after):
        return True
    return bool(_LAB_BEFORE.search(text[max(0, start - 20) : start]))


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
    keys, prefixes, first_tokens = lex.keys, lex.prefixes, lex.first_tokens
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
                concept = keys.get(key)
                if concept is not None:
                    best = (j, concept, special_rules.get(key, ""))
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
        found.append(_entity(text, start, end, concept))
        next_free = i + k
    return found
