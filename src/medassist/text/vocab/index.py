"""The compiled vocabulary index: every vocabulary's surface forms in one token trie.

Vocabularies, in priority order on equal spans: ``core`` (the hand lexicon,
:mod:`medassist.text.lexicons`), ``abbreviations`` (curated table, exact case), ``icd10cm``
(:mod:`.icd10cm`) and ``hpo`` (:mod:`.hpo`). Tokens are keyed lower-cased and spelling-normalised
(:func:`.spelling.spelling_key`); case-sensitive forms also keep their exact tokens.

The index is plain builtins so that it is stored with :mod:`marshal` in the user cache directory
(as :mod:`medassist.text.drug_cache` does for drugs) and read back in a fraction of a second; the
file name carries a hash of every input (source package versions and data files, this
package's code and data, the hand lexicon, the Python version). Building it from the sources
takes a few seconds, once per machine and version.

Layout::

    {"concepts": [(preferred, category, code, code_system, vocabulary), ...],
     "trie": {token_key: {token_key: {..., "": [(concept, exact_tokens|None, guard), ...]}}},
     "sizes": {vocabulary: number of surface forms}, "sources": {vocabulary: version}}

``guard`` is 0 (none), 1 (an ambiguous core abbreviation: never in a header, before a colon or
in a run of capitals), the name of an abbreviation context class (see :mod:`.abbreviations`),
or ``"!"`` + a class name (an ambiguous core abbreviation that also needs that context).
"""

from __future__ import annotations

import hashlib
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from medassist.logs import get_logger
from medassist.text.vocab.spelling import spelling_key

__all__ = ["VOCABULARIES", "vocabulary_index", "token_key", "build_index", "index_stamp"]

_log = get_logger(__name__)
VOCABULARIES = ("core", "abbreviations", "icd10cm", "hpo")
_FORMAT = 1
_MAGIC = b"MEDASSIST-VOCAB\n"
END = ""  # payload key of a trie node (no token is empty)


@lru_cache(maxsize=131072)
def token_key(token: str) -> str:
    return spelling_key(token.lower())


def _tokens(text: str) -> tuple[str, ...]:
    from medassist.text.lexicons import term_tokens

    return term_tokens(text)


def build_index() -> dict[str, Any]:
    """Build the index from the sources (seconds; :func:`vocabulary_index` caches it)."""
    from medassist.text.lexicons import lexicon_terms
    from medassist.text.vocab import hpo, icd10cm
    from medassist.text.vocab.abbreviations import abbreviations

    concepts: list[tuple[str, str, str | None, str | None, str]] = []
    concept_ids: dict[tuple, int] = {}
    trie: dict[str, Any] = {}
    sizes = dict.fromkeys(VOCABULARIES, 0)
    # case-insensitive forms already taken, by token keys: a later vocabulary adds nothing there
    taken: set[tuple[str, ...]] = set()

    def concept(preferred: str, category: str, code: str | None, system: str | None, vocab: str):
        key = (preferred, category, code, system, vocab)
        if key not in concept_ids:
            concept_ids[key] = len(concepts)
            concepts.append(key)
        return concept_ids[key]

    def add(form: str, cid: int, exact: bool, guard: int | str, vocab: str) -> None:
        tokens = _tokens(form)
        if not tokens:
            return
        keys = tuple(token_key(t) for t in tokens)
        if not exact:
            if keys in taken:
                return
            taken.add(keys)
        node = trie
        for k in keys:
            node = node.setdefault(k, {})
        node.setdefault(END, []).append((cid, tokens if exact else None, guard))
        sizes[vocab] += 1

    from medassist.text.vocab.abbreviations import contexts

    core_guards = contexts().core_guards
    for term in lexicon_terms():
        c = term.concept
        cid = concept(c.preferred, c.category, c.code, c.code_system, "core")
        guard: int | str = 0
        if term.guarded:
            guard = "!" + core_guards[term.text] if term.text in core_guards else 1
        add(term.text, cid, term.case_sensitive, guard, "core")
    for abbr in abbreviations():
        system = "ICD-10-CM" if abbr.code else None
        cid = concept(abbr.preferred, abbr.category, abbr.code, system, "abbreviations")
        for form in abbr.forms:
            add(form, cid, True, abbr.context or 0, "abbreviations")
    for vocab, system, generator in (
        ("icd10cm", "ICD-10-CM", icd10cm.icd10cm_terms),
        ("hpo", "HPO", hpo.hpo_terms),
    ):
        best: dict[str, tuple] = {}
        for form, preferred, code, category, rank in generator():
            if form not in best or rank < best[form][3]:
                best[form] = (preferred, code, category, rank)
        for form, (preferred, code, category, _rank) in best.items():
            add(form, concept(preferred, category, code, system, vocab), False, 0, vocab)
    sources = {
        "core": "medassist clinical_lexicon.tsv",
        "abbreviations": "medassist abbreviations.tsv",
        "icd10cm": icd10cm.source_version(),
        "hpo": hpo.source_version(),
    }
    return {"concepts": concepts, "trie": trie, "sizes": sizes, "sources": sources}


def index_stamp() -> str:
    """A short hash of every input of :func:`build_index`."""
    from medassist.text.vocab.hpo import obo_path

    digest = hashlib.sha256(f"{_FORMAT}|{sys.version_info[:2]}".encode())
    here = Path(__file__).resolve().parent
    files = sorted(here.glob("*.py")) + sorted((here / "data").glob("*"))
    files.append(here.parent / "lexicons.py")
    files.append(here.parent / "data" / "clinical_lexicon.tsv")
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    import importlib.util

    icd_spec = importlib.util.find_spec("simple_icd_10_cm")  # found, not imported (slow import)
    icd_file = Path(icd_spec.origin) if icd_spec is not None and icd_spec.origin else None
    for source in (icd_file, obo_path()):
        if source is None:
            digest.update(b"missing")
            continue
        stat = source.stat()
        digest.update(f"{source}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def _cache_path(stamp: str) -> Path | None:
    from medassist.text.drug_cache import cache_dir

    directory = cache_dir()
    return None if directory is None else directory / f"vocabulary-{stamp}.marshal"


def _load(path: Path, stamp: str) -> dict[str, Any] | None:
    from medassist.text.drug_cache import read_marshal

    data = read_marshal(path, _MAGIC, stamp, "vocabulary")
    return data if data is not None and "trie" in data else None


def _store(path: Path, stamp: str, data: dict[str, Any]) -> None:
    from medassist.text.drug_cache import write_marshal

    write_marshal(path, _MAGIC, stamp, data, "vocabulary", prune_after_s=None)


@lru_cache(maxsize=1)
def vocabulary_index() -> dict[str, Any]:
    """The index: from the on-disk cache when it is current, else built (and stored)."""
    stamp = index_stamp()
    path = _cache_path(stamp)
    if path is not None:
        cached = _load(path, stamp)
        if cached is not None:
            return cached
    data = build_index()
    if path is not None:
        _store(path, stamp, data)
    return data
