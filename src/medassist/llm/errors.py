"""Errors of the model backends: all :class:`~medassist.errors.ModelError` (exit code 6).

Hierarchy (under ``MedassistError`` -> ``ModelError``)::

    ModelError                         exit 6, HTTP 503
    ├── BackendUnavailableError        the backend's package is not installed (names the extra)
    ├── UnknownBackendError            a name that no backend has (lists the available ones)
    ├── ModelNotFoundError             the model path / file does not exist
    ├── ModelLoadError                 the weights could not be loaded
    ├── InsufficientMemoryError        refused before loading: not enough free GPU/host memory
    ├── ModelTimeoutError              generation ran past its timeout
    ├── ServerUnavailableError         an OpenAI-compatible server did not answer
    ├── ServerResponseError            it answered with an error or an unusable body
    └── StructuredOutputError          the output did not validate against the schema (after repair)

Messages never contain note text or model output (they may contain schema error locations).
"""

from __future__ import annotations

from medassist.errors import BackendUnavailableError, ConfigurationError, ModelError

__all__ = [
    "ModelError",
    "BackendUnavailableError",
    "UnknownBackendError",
    "ModelNotFoundError",
    "ModelLoadError",
    "InsufficientMemoryError",
    "ModelTimeoutError",
    "ServerUnavailableError",
    "ServerResponseError",
    "StructuredOutputError",
    "ConfigurationError",
]


class UnknownBackendError(ModelError):
    code = "unknown_backend"
    exit_code = 7
    http_status = 500


class ModelNotFoundError(ModelError):
    code = "model_not_found"


class ModelLoadError(ModelError):
    code = "model_load_failed"


class InsufficientMemoryError(ModelError):
    """Raised before loading when the estimate exceeds the free memory (``context``: bytes)."""

    code = "insufficient_memory"


class ModelTimeoutError(ModelError):
    code = "model_timeout"
    http_status = 504


class ServerUnavailableError(ModelError):
    code = "model_server_unavailable"


class ServerResponseError(ModelError):
    code = "model_server_error"
    http_status = 502


class StructuredOutputError(ModelError):
    """The model's answer did not validate against the requested schema, even after repair."""

    code = "structured_output_invalid"
    http_status = 502
