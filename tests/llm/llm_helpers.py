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
