"""Language models for medassist: one small contract, one module per backend.

Backends (``MEDASSIST_LLM_BACKEND``): ``none`` (the default: the deterministic engine alone),
``transformers`` (MedGemma 4B-IT in bf16, 8-bit or 4-bit), ``llamacpp`` (a GGUF, with an
mmproj for images) and ``openai`` (vLLM, llama-server, Ollama over HTTP).

Public API::

    get_backend(name_or_instance=None, **overrides) -> Backend | None
    Backend.complete(messages, schema=Model, limits=Limits()) -> Completion   (.text, .data, .run)
    Backend.stream(messages, ...) -> Iterator[StreamEvent]                   (last: .completion)
    Message(role, content, images=[ImageInput(data, mime)]), Limits(max_new_tokens, temperature, timeout_s)
    backend_table() -> list[BackendInfo]          (importable or not, missing modules, the extra)
"""

from __future__ import annotations

from medassist.llm.base import Backend, Deadline, Request, RunStats
from medassist.llm.errors import (
    BackendUnavailableError,
    InsufficientMemoryError,
    ModelError,
    ModelLoadError,
    ModelNotFoundError,
    ModelTimeoutError,
    ServerResponseError,
    ServerUnavailableError,
    StructuredOutputError,
    UnknownBackendError,
)
from medassist.llm.registry import BACKENDS, backend_class, backend_table, clear_cache, get_backend
from medassist.llm.types import (
    Completion,
    ImageInput,
    Limits,
    Message,
    ModelRun,
    StreamEvent,
    Timings,
)

__all__ = [
    "BACKENDS",
    "Backend",
    "BackendUnavailableError",
    "Completion",
    "Deadline",
    "ImageInput",
    "InsufficientMemoryError",
    "Limits",
    "Message",
    "ModelError",
    "ModelLoadError",
    "ModelNotFoundError",
    "ModelRun",
    "ModelTimeoutError",
    "Request",
    "RunStats",
    "ServerResponseError",
    "ServerUnavailableError",
    "StreamEvent",
    "StructuredOutputError",
    "Timings",
    "UnknownBackendError",
    "backend_class",
    "backend_table",
    "clear_cache",
    "get_backend",
]
