"""Vocabulary terms generated from the ICD-10-CM tabular list shipped by ``simple-icd-10-cm``.

ICD-10-CM (CDC/NCHS) is in the public domain. Every category and subcategory outside the
excluded chapters (external causes, factors influencing health status, special codes: see
``data/term_rules.json``) gives its description and its inclusion terms, normalised by
:mod:`medassist.text.vocab.terms`. Codes with a 7th-character extension (encounter, sequela) add
nothing and are skipped. When several codes give one form, the code kept is a billable leaf
before a category, then the one whose description needed the fewest qualifiers removed, then the
shortest.
"""

from __future__ import annotations

from collections.abc import Iterator

from medassist.text.vocab.terms import match_forms, rules

__all__ = ["icd10cm_terms", "source_version"]


def source_version() -> str:
    from importlib import metadata

    try:
        return "simple-icd-10-cm " + metadata.version("simple-icd-10-cm")
    except metadata.PackageNotFoundError:  # pragma: no cover - it is a core dependency
        return "simple-icd-10-cm (unknown version)"


def icd10cm_terms() -> Iterator[tuple[str, str, str, str, tuple[int, int, int]]]:
    """``(form, preferred, code, category, rank)`` for every usable form; lower rank wins."""
    import simple_icd_10_cm as icd

    excluded = tuple(rules().spec.excluded_icd_chapters)
    for code in icd.get_all_codes(True):
        if code[0] in excluded or icd.is_chapter_or_block(code):
            continue
        if icd.is_extended_subcategory(code):
            continue
        description = icd.get_description(code)
        leaf = icd.is_leaf(code)
        category = "symptom" if code[0] == "R" else "condition"
        own = match_forms(description)
        preferred = own[0] if own else None
        segments = description.count(",")
        for form in own:
            yield form, preferred or form, code, category, (0 if leaf else 1, segments, len(code))
        for term in icd.get_inclusion_term(code):
            for form in match_forms(term):
                rank = (0 if leaf else 1, segments + 1, len(code))
                yield form, preferred or form, code, category, rank
