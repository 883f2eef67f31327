"""Request-level dependencies: bounded body reading."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from medassist.config import Settings, get_settings
from medassist.errors import InputTooLargeError

__all__ = ["SettingsDep", "read_limited_body"]

SettingsDep = Annotated[Settings, Depends(get_settings)]


async def read_limited_body(request: Request, limit: int) -> bytes:
    """Read the body in chunks, refusing (413) as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise InputTooLargeError(
            f"request body is larger than the limit of {limit} bytes", limit=limit
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise InputTooLargeError(
                f"request body is larger than the limit of {limit} bytes", limit=limit
            )
        chunks.append(chunk)
    return b"".join(chunks)
