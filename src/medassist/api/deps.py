"""Request-level dependencies: bounded body reading."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from medassist.config import Settings, get_settings
from medassist.errors import InputTooLargeError

__all__ = ["SettingsDep", "read_limited_body", "respond"]

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


async def respond(request: Request, report: Any) -> Any:
    """The report as JSON, or as a FHIR R4B Bundle with ``?format=fhir`` (``&patient=Patient/1``)."""
    if request.query_params.get("format") != "fhir":
        return report
    from medassist.fhir import to_fhir_bundle

    bundle = await run_in_threadpool(
        to_fhir_bundle, report, patient_reference=request.query_params.get("patient")
    )
    return JSONResponse(bundle, media_type="application/fhir+json")
