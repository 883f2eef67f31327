"""The curated abbreviations table (``data/abbreviations.tsv``) and its context classes
(``data/abbreviation_contexts.json``), loaded strictly: a wrong column count, an unknown category
or context class, or an unknown key in the JSON file is an error."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from medassist.errors import MedassistError

__all__ = ["Abbreviation", "abbreviations", "contexts", "AbbreviationContexts"]

CATEGORIES = frozenset({"condition", "symptom", "procedure", "block"})


class ContextClass(BaseModel):
    model_config = ConfigDict(extra="forbid")

    words: list[str]
    sections: list[str]


class AbbreviationContexts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    window_tokens: int
    classes: dict[str, ContextClass]
    core_guards: dict[str, str]


@dataclass(frozen=True, slots=True)
class Abbreviation:
    forms: tuple[str, ...]
    preferred: str
    category: str
    code: str | None
    context: str | None


def _read(name: str) -> str:
    return resources.files("medassist.text.vocab").joinpath(f"data/{name}").read_text("utf-8")


@lru_cache(maxsize=1)
def contexts() -> AbbreviationContexts:
    data = json.loads(_read("abbreviation_contexts.json"))
    data.pop("_comment", None)
    spec = AbbreviationContexts.model_validate(data)
    unknown = set(spec.core_guards.values()) - set(spec.classes)
    if unknown:
        raise MedassistError(f"abbreviation_contexts.json: unknown classes {sorted(unknown)}")
    return spec


@lru_cache(maxsize=1)
def abbreviations() -> tuple[Abbreviation, ...]:
    classes = contexts().classes
    out: list[Abbreviation] = []
    for lineno, line in enumerate(_read("abbreviations.tsv").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("forms\t"):
            continue
        cols = line.split("\t")
        if len(cols) != 5:
            raise MedassistError(f"abbreviations.tsv line {lineno}: expected 5 columns")
        forms, preferred, category, code, context = (c.strip() for c in cols)
        if category not in CATEGORIES:
            raise MedassistError(f"abbreviations.tsv line {lineno}: bad category {category!r}")
        if context and context not in classes:
            raise MedassistError(f"abbreviations.tsv line {lineno}: unknown context {context!r}")
        variants = tuple(f.strip() for f in forms.split("|") if f.strip())
        if not variants or not preferred:
            raise MedassistError(f"abbreviations.tsv line {lineno}: empty forms or name")
        out.append(Abbreviation(variants, preferred, category, code or None, context or None))
    return tuple(out)


@lru_cache(maxsize=1)
def token_aliases() -> tuple[dict[str, str], dict[str, str]]:
    """``(exact, any_case)``: shorthand word -> full word (``data/token_aliases.tsv``)."""
    exact: dict[str, str] = {}
    any_case: dict[str, str] = {}
    for lineno, line in enumerate(_read("token_aliases.tsv").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("shorthand\t"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) != 3 or not cols[0] or not cols[1] or cols[2] not in {"exact", "any"}:
            raise MedassistError(f"token_aliases.tsv line {lineno}: expected shorthand, word, case")
        (exact if cols[2] == "exact" else any_case)[
            cols[0] if cols[2] == "exact" else cols[0].lower()
        ] = cols[1].lower()
    return exact, any_case
