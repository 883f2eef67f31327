"""The transformers backend on a tiny random Gemma3ForConditionalGeneration built by the test."""

from __future__ import annotations

import importlib.util

import pytest
from llm_helpers import Triage, png

from medassist.llm import InsufficientMemoryError, Limits, Message, ModelNotFoundError
from medassist.llm.backends.transformers import TransformersBackend

ASK = [Message(role="user", content="Triage this note. Answer in JSON.")]


@pytest.fixture(scope="module")
def hf_backend(tiny_hf):
    backend = TransformersBackend(str(tiny_hf), device="cpu")
    yield backend
    backend.unload()


def test_loads_through_auto_classes_in_fp32_on_cpu(hf_backend):
    import torch

    out = hf_backend.complete(ASK, limits=Limits(max_new_tokens=6))
    model = hf_backend.hf_model
    assert type(model).__name__ == "Gemma3ForConditionalGeneration"
    assert next(model.parameters()).dtype == torch.float32
    assert out.run.device == "cpu" and out.run.file_sha256 and len(out.run.file_sha256) == 64
    assert out.run.timings.completion_tokens == 6 and out.run.timings.prompt_tokens > 5


@pytest.mark.parametrize("with_image", [False, True], ids=["text", "text+image"])
def test_llguidance_gives_schema_valid_output(hf_backend, with_image):
    images = [png()] if with_image else []
    msgs = [Message(role="user", content="Triage. JSON only.", images=images)]
    out = hf_backend.complete(msgs, schema=Triage, limits=Limits(max_new_tokens=200))
    assert out.run.constrained and out.run.attempts == 1
    assert Triage.model_validate_json(out.text) == out.data


def test_image_tokens_reach_the_model(hf_backend):
    request_text = hf_backend.prepare_inputs
    from medassist.llm.base import Request

    inputs = request_text(Request(messages=[Message(role="user", content="x", images=[png()])]))
    assert "pixel_values" in inputs
    image_token = hf_backend.hf_model.config.image_token_id
    assert int((inputs["input_ids"] == image_token).sum()) == 4  # mm_tokens_per_image


def test_streaming_matches_the_completion(hf_backend):
    events = list(hf_backend.stream(ASK, limits=Limits(max_new_tokens=8)))
    assert events[-1].completion.text == "".join(e.delta for e in events[:-1])


def test_timeout_stops_generation(hf_backend):
    from medassist.llm import ModelTimeoutError

    with pytest.raises(ModelTimeoutError):
        hf_backend.complete(ASK, limits=Limits(max_new_tokens=5000, timeout_s=0.2))


def test_refuses_to_load_without_enough_memory(tiny_hf):
    backend = TransformersBackend(str(tiny_hf), device="cpu", max_memory_gib=0.001)
    with pytest.raises(InsufficientMemoryError, match=r"needs about .* GiB .* only 0\.00 GiB"):
        backend.load()
    assert backend.hf_model is None and not backend.loaded


def test_memory_estimate_counts_the_architecture(tiny_hf):
    from transformers import AutoConfig

    from medassist.llm.memory import estimate_model_memory

    cfg = AutoConfig.from_pretrained(tiny_hf)
    full = estimate_model_memory(cfg, dtype_bytes=2)
    q4 = estimate_model_memory(cfg, quantization="4bit", dtype_bytes=2)
    assert q4.weights_bytes < full.weights_bytes and full.parameters > 0


def test_missing_model_folder(tmp_path):
    with pytest.raises(ModelNotFoundError, match="absent"):
        TransformersBackend(str(tmp_path / "absent"), device="cpu").load()


def test_unload_frees_the_weights(tiny_hf):
    import gc
    import weakref

    backend = TransformersBackend(str(tiny_hf), device="cpu")
    backend.load()
    ref = weakref.ref(backend.hf_model)
    backend.unload()
    gc.collect()
    assert ref() is None and not backend.loaded


@pytest.mark.parametrize("quant", ["8bit", "4bit"])
def test_bitsandbytes_quantization_where_it_runs(tiny_hf, quant):
    if importlib.util.find_spec("bitsandbytes") is None:
        pytest.skip("bitsandbytes not installed")
    backend = TransformersBackend(str(tiny_hf), device="cpu", quantization=quant)
    try:
        backend.load()
    except Exception as exc:  # bitsandbytes' CPU support varies by version and build
        pytest.skip(f"bitsandbytes {quant} does not load on this CPU: {type(exc).__name__}: {exc}")
    out = backend.complete(ASK, schema=Triage, limits=Limits(max_new_tokens=200))
    assert isinstance(out.data, Triage) and out.run.quantization == quant
    backend.unload()
