"""POST /v1/image/analyze — an image as the raw body (DICOM, PNG, JPEG, TIFF)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

import medassist
from medassist.api.deps import SettingsDep, read_limited_body, respond
from medassist.schemas.imaging import ImageAnalysis

router = APIRouter(prefix="/v1/image", tags=["image"])


@router.post(
    "/analyze",
    response_model=ImageAnalysis,
    responses={200: {"content": {"application/fhir+json": {}}}},
)
async def analyze_image(request: Request, settings: SettingsDep) -> Any:
    body = await read_limited_body(request, settings.max_image_bytes)
    report = await run_in_threadpool(medassist.analyze_image, body)
    return await respond(request, report)
