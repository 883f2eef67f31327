"""Runs the text components in order. Orchestration only."""

from __future__ import annotations

from medassist.schemas.text import TextExtraction

__all__ = ["extract"]


def extract(text: str) -> TextExtraction:
    from medassist.text.allergies import extract_allergies
    from medassist.text.case_values import read_case_values
    from medassist.text.context import apply_context
    from medassist.text.demographics import extract_demographics
    from medassist.text.findings import extract_findings
    from medassist.text.matcher import find_entities
    from medassist.text.measurements import extract_measurements
    from medassist.text.medications import extract_medications
    from medassist.text.repeats import fold_repeats
    from medassist.text.sections import detect_sections, section_at
    from medassist.text.sentences import split_sentences
    from medassist.text.summary import build_summary

    sections = detect_sections(text)
    sentences = split_sentences(text)
    entities = find_entities(text, sections)
    for entity in entities:
        entity.section = section_at(sections, entity.start)
    apply_context(text, sentences, sections, entities)
    medications = extract_medications(text, sentences, sections, entities)
    allergens = [m for m in medications if m.allergen]
    measurements = extract_measurements(text)
    extraction = TextExtraction(
        text_length=len(text),
        sections=sections,
        entities=entities,
        # an allergen is not a medication taken: kept apart so no consumer counts it as one
        medications=[m for m in medications if not m.allergen],
        allergens=allergens,
        allergies=extract_allergies(text, sections, allergens),
        vitals=[m for m in measurements if m.kind == "vital"],
        labs=[m for m in measurements if m.kind == "lab"],
        demographics=extract_demographics(text),
        sentences=sentences,
        # the calculators' criteria, read once here (text/rules/finding_rules.json)
        findings=extract_findings(text, sentences, sections, entities),
    )
    spans = [(m.start, m.end) for m in (*extraction.vitals, *extraction.labs)]
    extraction.findings.extend(read_case_values(text, spans))
    fold_repeats(extraction)  # a repetitive note gives a bounded report
    extraction.summary = build_summary(extraction)
    return extraction
