"""POST /v1/image/analyze — an image (DICOM, PNG, JPEG, TIFF) as the raw body or as the
``file`` part of a multipart upload. The type is read from the magic bytes, never from the
content type or the file name."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

import medassist
from medassist.api.deps import (
    OutputDep,
    SettingsDep,
    is_multipart,
    read_limited_body,
    read_upload,
    respond,
)
from medassist.errors import InputError, InputTooLargeError
from medassist.schemas.imaging import ImageAnalysis

router = APIRouter(prefix="/v1/image", tags=["image"])

IMAGE_BODY = {
    "required": True,
    "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
}


@router.post(
    "/analyze",
    response_model=ImageAnalysis,
    responses={200: {"content": {"application/fhir+json": {}}}},
    openapi_extra={"requestBody": IMAGE_BODY},
)
async def analyze_image(request: Request, settings: SettingsDep, output: OutputDep) -> Any:
    limit = settings.max_image_bytes
    if is_multipart(request):
        upload = await read_upload(request, limit + 64 * 1024, max_field_bytes=64 * 1024)
        if "file" not in upload.files:
            raise InputError('multipart upload needs the image in a part named "file"')
        body = upload.files["file"]
        if len(body) > limit:
            raise InputTooLargeError(
                f"the uploaded file is larger than the limit of {limit} bytes", limit=limit
            )
    else:
        body = await read_limited_body(request, limit)
    report = await run_in_threadpool(medassist.analyze_image, body)
    return await respond(request, report, output)
