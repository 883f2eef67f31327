"""The deterministic clinical text engine (the embedded default: no model weights).

Components, each a module with one job::

    sections      detect_sections(text) -> list[Section]
    sentences     split_sentences(text) -> list[Span]
    matcher       find_entities(text) -> list[Entity]           (lexicons + codes)
    context       apply_context(text, sentences, sections, entities); classify_context(...)
    medications   extract_medications(text, sentences, sections, entities) -> list[Medication]
    measurements  extract_vitals(text) / extract_labs(text) -> list[Measurement]
    demographics  extract_demographics(text) -> Demographics
    summary       build_summary(extraction) -> Summary
    engine        extract(text) -> TextExtraction   (runs them in order; drugs named as
                  allergies go to ``allergens``, not ``medications``)
    drug_cache    the drug lexicon, prebuilt once per machine in ~/.cache/medassist
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["extract", "classify_context"]

if TYPE_CHECKING:  # pragma: no cover
    from medassist.text.context import classify_context
    from medassist.text.engine import extract


def __getattr__(name: str) -> Any:  # lazy: importing a component does not load the others
    if name == "extract":
        from medassist.text.engine import extract

        return extract
    if name == "classify_context":
        from medassist.text.context import classify_context

        return classify_context
    raise AttributeError(name)
