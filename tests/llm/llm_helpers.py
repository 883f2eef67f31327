"""Helpers of the model tests: small schemas (enums, bounded strings), images, ports."""

from __future__ import annotations

import io
import socket
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from medassist.llm import ImageInput

Short = Annotated[str, StringConstraints(max_length=24)]


class Triage(BaseModel):
    level: Literal["low", "moderate", "high"]
    reasons: list[Short] = Field(max_length=3)
    note: Short


def png(color=(120, 30, 30), size=(70, 50)) -> ImageInput:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return ImageInput(data=buf.getvalue())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScriptedBackend:
    """A backend whose *answer* is fixed by the test, through the real contract (base class:
    streaming, validation, repair, timings). It stands for a model that says exactly this, so
    the safety layers downstream are tested on known model output; generation itself is
    tested on real models elsewhere."""

    def __new__(cls, *answers: str, supports_images: bool = True, chunk: int = 7):
        from medassist.llm.base import Backend

        class _Scripted(Backend):
            name = "scripted"
            can_stream = True
            supports_schema = True

            def execute(self, request, stats, deadline):  # type: ignore[no-untyped-def]
                self.requests.append(request)
                text = self.answers[min(len(self.requests) - 1, len(self.answers) - 1)]
                stats.prompt_tokens = sum(len(m.content.split()) for m in request.messages)
                for i in range(0, len(text), self.chunk):
                    stats.token()
                    yield text[i : i + self.chunk]

        _Scripted.supports_images = supports_images
        backend = _Scripted("scripted-model")
        backend.answers = list(answers)
        backend.requests = []
        backend.chunk = chunk
        return backend
