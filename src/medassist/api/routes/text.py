"""POST /v1/text/analyze — a note as text/plain bytes or JSON {"text": ...}."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

import medassist
from medassist.api.deps import OutputDep, SettingsDep, read_limited_body, respond
from medassist.errors import InputError
from medassist.schemas.text import TextAnalysis

router = APIRouter(prefix="/v1/text", tags=["text"])

NOTE_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"text": {"type": "string"}},
                "required": ["text"],
            }
        },
        "text/plain": {"schema": {"type": "string", "minLength": 1}},
    },
}


@router.post(
    "/analyze",
    response_model=TextAnalysis,
    responses={200: {"content": {"application/fhir+json": {}}}},
    openapi_extra={"requestBody": NOTE_BODY},
)
async def analyze_text(request: Request, settings: SettingsDep, output: OutputDep) -> Any:
    body = await read_limited_body(request, settings.max_note_bytes + 1024)
    if not body:
        raise InputError('the request has no body; send the note as text/plain or {"text": "..."}')
    payload: str | bytes = body
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise InputError('body is not valid JSON; send {"text": "..."} or text/plain') from None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise InputError('JSON body must be an object with a string field "text"')
        payload = data["text"]
    report = await run_in_threadpool(medassist.analyze_text, payload)
    return await respond(request, report, output)
