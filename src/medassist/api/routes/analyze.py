"""POST /v1/analyze — a note and/or an image (multipart, or JSON ``{"text": ...}``), with the
configured model; ``?stream=true`` answers ``text/event-stream`` (progress, each checked
sentence, then the report)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from medassist.api.deps import SettingsDep, note_audit, read_limited_body
from medassist.errors import InputError, InputTooLargeError, MedassistError
from medassist.schemas.analysis import AnalysisReport

router = APIRouter(prefix="/v1", tags=["analyze"])

_MULTIPART_SLACK = 64 * 1024

ANALYZE_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "note": {"type": "string", "description": "the clinical note (text or a file)"},
                    "image": {
                        "type": "string",
                        "format": "binary",
                        "description": "DICOM, PNG, JPEG or TIFF",
                    },
                },
            }
        },
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"text": {"type": "string"}},
                "required": ["text"],
            }
        },
    },
}


async def _inputs(request: Request, settings: Any) -> tuple[str | bytes | None, bytes | None]:
    limit = settings.max_note_bytes + settings.max_image_bytes + _MULTIPART_SLACK
    body = await read_limited_body(request, limit)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise InputError('body is not valid JSON; send {"text": "..."} or multipart') from None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise InputError('JSON body must be an object with a string field "text"')
        return data["text"], None
    if not ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raise InputError(
            "send multipart/form-data with a 'note' and/or an 'image' field, or JSON {\"text\": ...}"
        )
    request._body = body  # the form parser reads the already bounded body
    try:
        form = await request.form(max_files=2, max_fields=4)
    except Exception:  # malformed multipart (python-multipart's own errors)
        raise InputError("the multipart body could not be parsed") from None
    unknown = sorted(set(form.keys()) - {"note", "image"})
    if unknown:
        raise InputError(
            f"unknown form field(s): {', '.join(unknown)}; expected 'note' and/or 'image'"
        )
    note: str | bytes | None = None
    image: bytes | None = None
    if "note" in form:
        value = form["note"]
        note = value if isinstance(value, str) else await value.read()
        if len(note) > settings.max_note_bytes:
            raise InputTooLargeError(f"the note is larger than {settings.max_note_bytes} bytes")
    if "image" in form:
        value = form["image"]
        image = value.encode() if isinstance(value, str) else await value.read()
    if note is None and image is None:
        raise InputError("give a 'note' and/or an 'image' field")
    return note, image


def _sse(event: str, data: str) -> str:
    return f"event: {event}\ndata: {data}\n\n"


@router.post(
    "/analyze",
    response_model=AnalysisReport,
    responses={200: {"content": {"text/event-stream": {}}}},
    openapi_extra={"requestBody": ANALYZE_BODY},
)
async def analyze(
    request: Request,
    settings: SettingsDep,
    stream: Annotated[
        bool, Query(description="answer text/event-stream: progress, checked sentences, report")
    ] = False,
) -> Any:
    from medassist.llm import get_backend
    from medassist.pipelines.analyze import run_analysis, stream_analysis

    note, image = await _inputs(request, settings)
    backend = get_backend()  # configuration errors answer as JSON before any work
    slot = AsyncExitStack()
    if backend is not None:  # one generation at a time per loaded model; 503 when the queue is full
        from medassist.api.queue import get_queue

        await slot.enter_async_context(get_queue(backend.describe().label).slot())
    if not stream:
        async with slot:
            report = await run_in_threadpool(run_analysis, note, image, llm=backend)
        note_audit(request, report)  # hashes, model ids, notice codes into the audit record
        return report

    async def events() -> AsyncIterator[str]:
        async with slot:
            try:
                async for event in iterate_in_threadpool(stream_analysis(note, image, llm=backend)):
                    if event.report is not None:
                        yield _sse("report", event.report.model_dump_json())
                    elif event.event == "sentence":
                        yield _sse("sentence", json.dumps({"text": event.text}))
                    else:
                        yield _sse("progress", json.dumps({"stage": event.stage}))
            except MedassistError as exc:
                yield _sse("error", json.dumps(exc.to_dict()))

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )
