"""Structured output helpers, the partial-JSON reader of the stream, and quote location."""

from __future__ import annotations

import pytest
from llm_helpers import Triage

from medassist.llm.structured import extract_json, parse_structured, schema_shape
from medassist.pipelines.model_call import partial_string
from medassist.safety.analysis import _find_verbatim, _fold


@pytest.mark.parametrize(
    "text",
    [
        '{"level": "low", "reasons": [], "note": "ok"}',
        '```json\n{"level": "low", "reasons": [], "note": "ok"}\n```',
        'Here you go: {"level": "low", "reasons": [], "note": "ok"} Hope it helps.',
        '{"level": "low", "reasons": [], "note": "line\nbreak"}',  # a raw newline in a string
    ],
    ids=["plain", "fenced", "chatty", "raw-newline"],
)
def test_json_is_found_and_validated(text):
    assert parse_structured(text, Triage).level == "low"


def test_no_json_is_a_value_error():
    with pytest.raises(ValueError):
        extract_json("I cannot answer that.")


def test_schema_shape_is_compact_and_names_the_enums():
    shape = schema_shape(Triage)
    assert shape == '{"level": "low|moderate|high", "reasons": ["..."], "note": "..."}'


@pytest.mark.parametrize(
    ("buffer", "expected"),
    [
        ('{"summary": "Cough and fe', ("Cough and fe", False)),
        ('{"summary": "Cough.", "next', ("Cough.", True)),
        ('{"summary": "He said \\"no\\". Then', ('He said "no". Then', False)),
        ('{"summary": "Temp 38\\u00b0', ("Temp 38°", False)),
        ('{"summary": "Temp 38\\u00', ("Temp 38", False)),  # an unfinished escape waits
        ('{"summary": "ends with \\', ("ends with ", False)),
        ('{"summary":', None),
        ('{"items": []', None),
    ],
    ids=[
        "open",
        "closed",
        "escaped-quote",
        "unicode",
        "half-unicode",
        "half-escape",
        "no-value",
        "no-key",
    ],
)
def test_partial_string_reads_an_unfinished_summary(buffer, expected):
    assert partial_string(buffer, "summary") == expected


NOTE = "HPI:  Productive cough\nand FEVER for 3 days.  Denies chest pain."


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("Productive cough", "Productive cough"),
        ("productive cough and fever", "Productive cough\nand FEVER"),  # case and whitespace differ
        ('"Denies chest pain."', "Denies chest pain."),  # quoted by the model
        ("denies  chest   pain", "Denies chest pain"),
        ("crackles at the base", None),
        ("a", None),  # too short to mean anything
    ],
)
def test_quotes_are_located_verbatim_or_not_at_all(quote, found):
    folded, starts = _fold(NOTE)
    span = _find_verbatim(NOTE, folded, starts, quote)
    assert (NOTE[span[0] : span[1]] if span else None) == found
