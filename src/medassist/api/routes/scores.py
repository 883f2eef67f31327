"""GET /v1/calculators, POST /v1/calculators/{calculator_id}."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from medassist.api.deps import OutputDep, SettingsDep, read_limited_body, respond
from medassist.errors import InputError
from medassist.schemas.scores import ScoreReport

router = APIRouter(prefix="/v1/calculators", tags=["calculators"])


@router.get("")
async def list_calculators() -> list[dict[str, Any]]:
    from medassist.risk.api import list_calculators

    return [info.model_dump() for info in list_calculators()]


@router.post(
    "/{calculator_id}",
    response_model=ScoreReport,
    responses={200: {"content": {"application/fhir+json": {}}}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"text": {"type": "string"}, "inputs": {"type": "object"}},
                    }
                }
            },
        }
    },
)
async def run_calculator(
    calculator_id: str, request: Request, settings: SettingsDep, output: OutputDep
) -> Any:
    """Body: JSON ``{"text": "<note>", "inputs": {...}}`` (either or both)."""
    from medassist.pipelines.score import run_score_pipeline

    body = await read_limited_body(request, settings.max_note_bytes + 64 * 1024)
    try:
        if not body:
            raise ValueError("empty body")
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InputError('body is not valid JSON; send {"text": "...", "inputs": {...}}') from None
    if not isinstance(data, dict):
        raise InputError('JSON body must be an object: {"text": "...", "inputs": {...}}')
    text, inputs = data.get("text"), data.get("inputs")
    if text is not None and not isinstance(text, str):
        raise InputError('"text" must be a string')
    if text is None and inputs is None:
        raise InputError('give "text" (a note), "inputs" (structured values), or both')
    report = await run_in_threadpool(run_score_pipeline, calculator_id, text, inputs)
    return await respond(request, report, output)
