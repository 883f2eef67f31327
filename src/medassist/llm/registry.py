"""The backend registry: names to classes, settings to instances, instances cached per process.

``get_backend("llamacpp")`` fills the rest from the settings (``MEDASSIST_LLM_*``);
``get_backend(instance)`` returns it as is; ``get_backend(None)`` uses
``MEDASSIST_LLM_BACKEND``. The ``none`` backend resolves to ``None``: no model.
A name no backend has is an error that lists the ones that exist.
"""

from __future__ import annotations

import importlib
import json
import threading
from typing import Any

from pydantic import BaseModel, ValidationError

from medassist.errors import ConfigurationError
from medassist.llm.base import Backend
from medassist.llm.errors import UnknownBackendError

__all__ = ["BACKENDS", "backend_class", "get_backend", "backend_table", "clear_cache"]

#: name -> "module:Class" (imported only when used)
BACKENDS: dict[str, str] = {
    "none": "medassist.llm.backends.none:NoneBackend",
    "transformers": "medassist.llm.backends.transformers:TransformersBackend",
    "llamacpp": "medassist.llm.backends.llamacpp:LlamaCppBackend",
    "openai": "medassist.llm.backends.openai:OpenAIBackend",
}

_cache: dict[str, Backend] = {}
_lock = threading.Lock()


def backend_class(name: str) -> type[Backend]:
    if name not in BACKENDS:
        raise UnknownBackendError(
            f"unknown model backend {name!r}; available: {', '.join(BACKENDS)}",
            backend=name,
        )
    module, attr = BACKENDS[name].split(":")
    return getattr(importlib.import_module(module), attr)


class BackendInfo(BaseModel):
    name: str
    available: bool
    missing: list[str]
    extra: str | None
    supports_images: bool
    supports_schema: bool
    can_stream: bool


def backend_table() -> list[BackendInfo]:
    """Every backend, importable or not, with what it lacks (data for ``medassist doctor``)."""
    out = []
    for name in BACKENDS:
        cls = backend_class(name)
        missing = cls.missing_dependencies()
        out.append(
            BackendInfo(
                name=name,
                available=not missing,
                missing=missing,
                extra=cls.extra,
                supports_images=cls.supports_images,
                supports_schema=cls.supports_schema,
                can_stream=cls.can_stream,
            )
        )
    return out


def _key(name: str, overrides: dict[str, Any], settings: Any) -> str:
    relevant = {k: v for k, v in settings.model_dump().items() if k.startswith("llm_")}
    relevant.pop("llm_api_key", None)
    return json.dumps([name, relevant, overrides], sort_keys=True, default=str)


def get_backend(spec: str | Backend | None = None, **overrides: Any) -> Backend | None:
    """A backend instance for ``spec`` (a name, an instance, or None: the settings' choice).

    Instances built from a name are cached per process (weights load once, on first use).
    ``overrides`` (``model=``, ``mmproj=``, ``base_url=`` and backend options) take
    precedence over the settings.
    """
    if isinstance(spec, Backend):
        return None if spec.name == "none" else spec
    from medassist.config import get_settings

    settings = get_settings()
    name = spec or settings.llm_backend
    cls = backend_class(name)
    if name == "none":
        return None
    overrides = {k: v for k, v in overrides.items() if v is not None}
    key = _key(name, overrides, settings)
    with _lock:
        if key not in _cache:
            cls.require_available()
            try:
                _cache[key] = cls.from_settings(settings, **overrides)  # type: ignore[attr-defined]
            except ValidationError as exc:
                bad = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                    for e in exc.errors(include_input=False, include_url=False)
                )
                raise ConfigurationError(
                    f"invalid options for the {name} backend: {bad}; its options: "
                    + ", ".join(cls.Options.model_fields),
                    backend=name,
                ) from None
        return _cache[key]


def clear_cache() -> None:
    """Unload and forget every cached backend (tests, or to free memory)."""
    with _lock:
        for backend in _cache.values():
            backend.unload()
        _cache.clear()
