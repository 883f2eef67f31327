"""The backend contract: one class per backend, capabilities on the class, one ``execute``.

A backend subclasses :class:`Backend`, declares what it can do (``supports_images``,
``supports_schema``, ``can_stream``), the modules it needs (``requires``) and the extra that
installs them, and implements :meth:`Backend.execute`, a generator of text pieces. Everything
else is shared here: loading on first use, timing, the deadline, schema validation and the one
repair attempt (:meth:`Backend.complete`, :meth:`Backend.stream`).
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from medassist.llm.errors import BackendUnavailableError, ModelTimeoutError
from medassist.llm.structured import parse_structured, repair_messages
from medassist.llm.types import Completion, Limits, Message, ModelRun, StreamEvent, Timings

__all__ = ["Backend", "Request", "RunStats", "Deadline"]


class Request(BaseModel):
    """What :meth:`Backend.execute` receives."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    messages: list[Message]
    json_schema: dict[str, Any] | None = None
    limits: Limits = Limits()


class Deadline:
    """A wall-clock limit that a backend checks between tokens."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.end = time.monotonic() + timeout_s

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def expired(self) -> bool:
        return time.monotonic() >= self.end

    def check(self) -> None:
        if self.expired():
            raise ModelTimeoutError(
                f"model generation ran past its timeout of {self.timeout_s:g} s "
                "(raise MEDASSIST_LLM_TIMEOUT_S or lower MEDASSIST_LLM_MAX_NEW_TOKENS)",
                timeout_s=self.timeout_s,
            )


class RunStats:
    """Filled by ``execute``: token counts, the finish reason, whether decoding was constrained."""

    def __init__(self) -> None:
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.finish_reason: str | None = None
        self.constrained = False
        self.first_token_at: float | None = None

    def token(self, n: int = 1) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.perf_counter()
        self.completion_tokens += n


class Backend:
    """Base class of the model backends (see the module docstring)."""

    name: ClassVar[str] = ""
    supports_images: ClassVar[bool] = False
    supports_schema: ClassVar[bool] = False
    can_stream: ClassVar[bool] = False
    #: importable modules the backend needs, and the extra that installs them
    requires: ClassVar[tuple[str, ...]] = ()
    extra: ClassVar[str | None] = None

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def __init__(self, model: str | None = None, **options: Any) -> None:
        self.model = model
        self.options = self.Options(**options)
        self._load_lock = threading.Lock()
        #: one generation at a time per loaded model (a GPU runs one stream well)
        self.generation_lock = threading.Lock()
        self._loaded = False
        self._load_ms = 0.0

    # -- optional dependencies as data ------------------------------------------------------
    @classmethod
    def missing_dependencies(cls) -> list[str]:
        return [m for m in cls.requires if importlib.util.find_spec(m) is None]

    @classmethod
    def is_available(cls) -> bool:
        return not cls.missing_dependencies()

    @classmethod
    def require_available(cls) -> None:
        missing = cls.missing_dependencies()
        if missing:
            hint = f' (pip install "medassist[{cls.extra}]")' if cls.extra else ""
            raise BackendUnavailableError(
                f"the {cls.name} backend needs {', '.join(missing)}, which is not installed{hint}",
                backend=cls.name,
                missing=missing,
            )

    # -- lifecycle -----------------------------------------------------------------------------
    def load(self) -> None:
        """Load the weights (once per instance; instances are cached per process)."""
        with self._load_lock:
            if self._loaded:
                return
            self.require_available()
            t = time.perf_counter()
            self._load()
            self._load_ms = (time.perf_counter() - t) * 1000
            self._loaded = True

    @property
    def loaded(self) -> bool:
        return self._loaded

    def unload(self) -> None:
        with self._load_lock:
            if self._loaded:
                self._unload()
            self._loaded = False

    def _load(self) -> None:  # pragma: no cover - trivial default
        pass

    def _unload(self) -> None:
        pass

    # -- what a backend implements -----------------------------------------------------------------
    def execute(self, request: Request, stats: RunStats, deadline: Deadline) -> Iterator[str]:
        """Generate for ``request``; yield text pieces; fill ``stats``; honour ``deadline``."""
        raise NotImplementedError

    def describe(self) -> ModelRun:
        """Backend, model id, file hash, quantization and device (no timings)."""
        return ModelRun(backend=self.name, model_id=self.model or "")

    # -- shared behaviour -------------------------------------------------------------------------
    def stream(
        self,
        messages: list[Message],
        *,
        schema: type[BaseModel] | None = None,
        limits: Limits | None = None,
    ) -> Iterator[StreamEvent]:
        """Stream text pieces; the last event carries the :class:`Completion` (validated)."""
        limits = limits or Limits()
        load_before = self._loaded
        t0 = time.perf_counter()
        self.load()
        load_ms = 0.0 if load_before else self._load_ms
        json_schema = schema.model_json_schema() if schema is not None else None
        if json_schema is not None and not self.supports_schema:
            json_schema = None  # the prompt still asks for JSON; validation below decides
        deadline = Deadline(limits.timeout_s)
        request = Request(messages=messages, json_schema=json_schema, limits=limits)
        stats = RunStats()
        pieces: list[str] = []
        with self.generation_lock:
            t_gen = time.perf_counter()
            for piece in self.execute(request, stats, deadline):
                pieces.append(piece)
                yield StreamEvent(delta=piece)
            t_end = time.perf_counter()
        text = "".join(pieces)
        first = stats.first_token_at or t_end
        timings = Timings(
            load_ms=load_ms,
            prompt_ms=(first - t_gen) * 1000,
            generate_ms=(t_end - first) * 1000,
            total_ms=(t_end - t0) * 1000,
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
        )
        run = self.describe().model_copy(
            update={
                "timings": timings,
                "constrained": stats.constrained,
                "finish_reason": stats.finish_reason,
            }
        )
        data = None
        if schema is not None:
            data, run = self._validated(text, schema, request, run, deadline)
        yield StreamEvent(completion=Completion(text=text, data=data, run=run))

    def complete(
        self,
        messages: list[Message],
        *,
        schema: type[BaseModel] | None = None,
        limits: Limits | None = None,
    ) -> Completion:
        """Generate and return the whole :class:`Completion` (``data`` validated by ``schema``)."""
        final = None
        for event in self.stream(messages, schema=schema, limits=limits):
            if event.completion is not None:
                final = event.completion
        assert final is not None
        return final

    def _validated(
        self,
        text: str,
        schema: type[BaseModel],
        request: Request,
        run: ModelRun,
        deadline: Deadline,
    ) -> tuple[BaseModel, ModelRun]:
        try:
            return parse_structured(text, schema), run
        except (ValidationError, ValueError) as first_error:
            # one repair attempt: the wrong answer and the validation errors go back to the model
            repair = Request(
                messages=repair_messages(request.messages, text, first_error, schema),
                json_schema=request.json_schema,
                limits=request.limits,
            )
            stats = RunStats()
            deadline.check()
            t = time.perf_counter()
            with self.generation_lock:
                repaired = "".join(self.execute(repair, stats, deadline))
            timings = run.timings.model_copy(
                update={
                    "total_ms": run.timings.total_ms + (time.perf_counter() - t) * 1000,
                    "completion_tokens": run.timings.completion_tokens + stats.completion_tokens,
                }
            )
            run = run.model_copy(update={"attempts": 2, "timings": timings})
            return parse_structured(repaired, schema, after_repair=True, first=first_error), run
