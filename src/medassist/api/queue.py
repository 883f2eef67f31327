"""A bounded queue with a concurrency limit in front of a loaded model.

One generation per GPU by default (``MEDASSIST_LLM_CONCURRENCY``); at most
``MEDASSIST_LLM_QUEUE_SIZE`` requests wait; one more gets 503 with ``Retry-After``
(:class:`~medassist.api.errors.ServiceBusyError`). Use it around the blocking model call::

    queue = get_queue("medgemma")          # one per loaded model, shared by its routes
    async with queue.slot():
        result = await run_in_threadpool(model.generate, ...)

The queue depth is exported as ``medassist_model_queue_depth{model=...}``.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from medassist.api.errors import ServiceBusyError
from medassist.api.metrics import QUEUE_DEPTH

__all__ = ["ModelQueue", "get_queue", "reset_queues"]


class ModelQueue:
    def __init__(self, name: str, concurrency: int = 1, max_waiting: int = 8) -> None:
        if concurrency < 1 or max_waiting < 0:
            raise ValueError("concurrency must be >= 1 and max_waiting >= 0")
        self.name = name
        self.concurrency = concurrency
        self.max_waiting = max_waiting
        self._sem = asyncio.Semaphore(concurrency)
        self._active = 0
        self._waiting = 0
        self._mean_s = 5.0  # running mean of one generation, for Retry-After

    @property
    def waiting(self) -> int:
        return self._waiting

    @property
    def active(self) -> int:
        return self._active

    def retry_after(self) -> int:
        """Seconds until a slot is likely free: the mean service time times the backlog."""
        backlog = (self._waiting + self._active) / self.concurrency
        return max(1, math.ceil(self._mean_s * max(1.0, backlog)))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._active >= self.concurrency and self._waiting >= self.max_waiting:
            raise ServiceBusyError(
                f"the model {self.name!r} is busy ({self._waiting} requests waiting); "
                "try again later",
                retry_after=self.retry_after(),
            )
        self._waiting += 1
        QUEUE_DEPTH.labels(model=self.name).set(self._waiting)
        try:
            await self._sem.acquire()
        finally:
            self._waiting -= 1
            QUEUE_DEPTH.labels(model=self.name).set(self._waiting)
        self._active += 1
        start = time.monotonic()
        try:
            yield
        finally:
            self._active -= 1
            self._mean_s = 0.8 * self._mean_s + 0.2 * (time.monotonic() - start)
            self._sem.release()


_QUEUES: dict[str, ModelQueue] = {}


def get_queue(name: str) -> ModelQueue:
    """The queue of model ``name`` (created on first use with the settings' limits)."""
    queue = _QUEUES.get(name)
    if queue is None:
        from medassist.config import get_settings

        s = get_settings()
        queue = _QUEUES[name] = ModelQueue(name, s.llm_concurrency, s.llm_queue_size)
    return queue


def reset_queues() -> None:
    """Forget every queue (tests; settings changed)."""
    _QUEUES.clear()
