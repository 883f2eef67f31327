"""The ``none`` backend: no model. Pipelines return the deterministic report and say what a
model would add."""

from __future__ import annotations

from collections.abc import Iterator

from medassist.llm.base import Backend, Deadline, Request, RunStats
from medassist.llm.errors import BackendUnavailableError

__all__ = ["NoneBackend"]


class NoneBackend(Backend):
    name = "none"

    def execute(self, request: Request, stats: RunStats, deadline: Deadline) -> Iterator[str]:
        raise BackendUnavailableError(
            "no language model is configured (set MEDASSIST_LLM_BACKEND, or pass --llm)"
        )
        yield ""  # pragma: no cover
