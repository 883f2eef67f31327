"""The ``openai`` backend: any OpenAI-compatible server (vLLM, llama-server, llama_cpp.server,
Ollama) over httpx.

- images as ``data:`` URLs, before the text of their turn;
- ``response_format`` with the JSON schema: ``json_schema`` (OpenAI, vLLM, llama-server) or
  ``json_object`` + ``schema`` (llama_cpp.server); ``auto`` tries the first and falls back to
  the second once when the server refuses it, and remembers;
- timeouts (connect and the call's deadline) and bounded retries with backoff on connection
  errors, 429 and 5xx (never after a stream has started).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field, SecretStr

from medassist.llm.base import Backend, Deadline, Request, RunStats
from medassist.llm.errors import (
    ConfigurationError,
    ModelTimeoutError,
    ServerResponseError,
    ServerUnavailableError,
)
from medassist.llm.types import Message, ModelRun
from medassist.logs import get_logger

__all__ = ["OpenAIBackend"]

_log = get_logger(__name__)
_RETRY_STATUS = frozenset({429, 502, 503, 504})  # 500 is usually deterministic: no retry


class OpenAIBackend(Backend):
    name = "openai"
    supports_images = True
    supports_schema = True
    can_stream = True
    requires = ("httpx",)
    extra = "openai"

    class Options(Backend.Options):
        base_url: str = Field(..., description="e.g. http://127.0.0.1:8000/v1")
        api_key: SecretStr | None = None
        connect_timeout_s: float = Field(5.0, gt=0)
        max_retries: int = Field(2, ge=0, le=10)
        backoff_s: float = Field(0.5, ge=0)
        response_format: Literal["auto", "json_schema", "json_object", "off"] = "auto"

    def __init__(self, model: str | None = None, **options: Any) -> None:
        super().__init__(model, **options)
        if not self.options.base_url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"MEDASSIST_LLM_BASE_URL must start with http:// or https:// (got {self.options.base_url!r})"
            )
        self._client: Any = None
        self._style = self.options.response_format

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> OpenAIBackend:
        if not (overrides.get("base_url") or settings.llm_base_url):
            raise ConfigurationError(
                "the openai backend needs a server URL (MEDASSIST_LLM_BASE_URL or --base-url)"
            )
        opts = {"base_url": settings.llm_base_url, "api_key": settings.llm_api_key}
        opts.update(overrides)
        model = opts.pop("model", None) or settings.llm_model
        return cls(model, **opts)

    @property
    def base_url(self) -> str:
        return self.options.base_url.rstrip("/")

    def _load(self) -> None:
        import httpx

        headers = {}
        if self.options.api_key is not None:
            headers["Authorization"] = f"Bearer {self.options.api_key.get_secret_value()}"
        self._client = httpx.Client(base_url=self.base_url, headers=headers)
        if not self.model:  # the served model, when there is exactly one
            data = self._send("GET", "/models", None, Deadline(30.0)).json()
            ids = [m.get("id") for m in data.get("data", []) if isinstance(m, dict)]
            if not ids:
                raise ServerResponseError("the server lists no models; set MEDASSIST_LLM_MODEL")
            self.model = ids[0]

    def _unload(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def describe(self) -> ModelRun:
        return ModelRun(backend=self.name, model_id=self.model or "", device=self.base_url)

    # -- HTTP ----------------------------------------------------------------------------------------
    def _timeout(self, deadline: Deadline) -> Any:
        import httpx

        remaining = max(deadline.remaining(), 0.001)
        return httpx.Timeout(remaining, connect=min(self.options.connect_timeout_s, remaining))

    def _send(self, method: str, path: str, body: dict | None, deadline: Deadline, stream=False):
        import httpx

        attempt = 0
        while True:
            deadline.check()
            try:
                req = self._client.build_request(
                    method, path, json=body, timeout=self._timeout(deadline)
                )
                resp = self._client.send(req, stream=stream)
            except httpx.TimeoutException:
                if deadline.expired():
                    raise ModelTimeoutError(
                        f"the model server did not answer within {deadline.timeout_s:g} s",
                        timeout_s=deadline.timeout_s,
                    ) from None
                error: str = "timed out"
            except httpx.TransportError as exc:
                error = type(exc).__name__
            else:
                if resp.status_code not in _RETRY_STATUS or attempt >= self.options.max_retries:
                    return resp
                error = f"HTTP {resp.status_code}"
                resp.close()
            if attempt >= self.options.max_retries:
                raise ServerUnavailableError(
                    f"the model server at {self.base_url} is unreachable ({error}) after "
                    f"{attempt + 1} attempts; is it running?",
                    base_url=self.base_url,
                )
            attempt += 1
            _log.info("model server %s: %s, retry %d", self.base_url, error, attempt)
            time.sleep(
                min(self.options.backoff_s * 2 ** (attempt - 1), max(deadline.remaining(), 0))
            )

    # -- the call --------------------------------------------------------------------------------------
    @staticmethod
    def _messages(messages: list[Message]) -> list[dict[str, Any]]:
        out = []
        for m in messages:
            if m.images:
                content: Any = [
                    {"type": "image_url", "image_url": {"url": img.data_url()}} for img in m.images
                ]
                content.append({"type": "text", "text": m.content})
            else:
                content = m.content
            out.append({"role": m.role, "content": content})
        return out

    def _response_format(self, schema: dict[str, Any], style: str) -> dict[str, Any] | None:
        if style == "off":
            return None
        if style == "json_object":
            return {"type": "json_object", "schema": schema}
        return {
            "type": "json_schema",
            "json_schema": {
                "name": schema.get("title", "answer"),
                "schema": schema,
                "strict": True,
            },
        }

    def execute(self, request: Request, stats: RunStats, deadline: Deadline) -> Iterator[str]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": self._messages(request.messages),
            "max_tokens": request.limits.max_new_tokens,
            "temperature": request.limits.temperature,
            "seed": request.limits.seed,
            "stream": True,
            "stream_options": {"include_usage": True},  # prompt token counts (OpenAI, vLLM)
        }
        style = self._style
        if request.json_schema is not None and style != "off":
            style = "json_schema" if style == "auto" else style
            body["response_format"] = self._response_format(request.json_schema, style)
            stats.constrained = True
        resp = self._send("POST", "/chat/completions", body, deadline, stream=True)
        if (
            resp.status_code in (400, 422, 500)
            and "response_format" in body
            and self._style == "auto"
            and style == "json_schema"
            and "response_format" in resp.read().decode("utf-8", "replace")
        ):
            resp.close()  # this server wants llama_cpp.server's form: remember it
            self._style = "json_object"
            body["response_format"] = self._response_format(request.json_schema, "json_object")
            resp = self._send("POST", "/chat/completions", body, deadline, stream=True)
        try:
            if resp.status_code >= 400:
                resp.read()
                raise ServerResponseError(
                    f"the model server answered HTTP {resp.status_code}: {_error_text(resp)}",
                    status=resp.status_code,
                )
            yield from self._read_stream(resp, stats, deadline)
        finally:
            resp.close()

    def _read_stream(self, resp: Any, stats: RunStats, deadline: Deadline) -> Iterator[str]:
        import httpx

        try:
            for line in resp.iter_lines():
                if deadline.expired():
                    deadline.check()
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    break
                try:
                    chunk = json.loads(payload)
                except ValueError:
                    raise ServerResponseError(
                        "the model server sent a malformed stream event"
                    ) from None
                usage = chunk.get("usage") or {}
                if usage.get("prompt_tokens"):
                    stats.prompt_tokens = int(usage["prompt_tokens"])
                for choice in chunk.get("choices") or []:
                    delta = (choice.get("delta") or {}).get("content")
                    if choice.get("finish_reason"):
                        stats.finish_reason = choice["finish_reason"]
                    if delta:
                        stats.token()
                        yield delta
        except httpx.TimeoutException:
            raise ModelTimeoutError(
                f"the model server stopped answering within {deadline.timeout_s:g} s",
                timeout_s=deadline.timeout_s,
            ) from None
        except httpx.TransportError as exc:
            raise ServerUnavailableError(
                f"the connection to the model server broke ({type(exc).__name__})"
            ) from None


def _error_text(resp: Any) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.text[:200]
    err = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(err, dict):
        return str(err.get("message") or err)[:300]
    return str(err)[:300]
