"""POST /v1/fhir — an R4B Bundle in, the merged analysis out as an R4B Bundle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from medassist.api.deps import SettingsDep, note_audit, read_limited_body

router = APIRouter(prefix="/v1", tags=["fhir"])

BUNDLE_BODY = {
    "required": True,
    "content": {
        media: {
            "schema": {
                "type": "object",
                "properties": {
                    "resourceType": {"type": "string", "enum": ["Bundle"]},
                    "type": {"type": "string"},
                    "entry": {"type": "array", "items": {"type": "object"}},
                },
                "required": ["resourceType", "type"],
            }
        }
        for media in ("application/fhir+json", "application/json")
    },
}


def _merge_and_export(body: bytes, patient: str | None) -> tuple[dict[str, Any], Any]:
    from medassist.fhir import to_fhir_bundle
    from medassist.fhir.merge import analyze_fhir_bundle

    merged = analyze_fhir_bundle(body)
    reference = patient or merged.input.patient_reference
    return to_fhir_bundle(merged.report, patient_reference=reference), merged.report


@router.post(
    "/fhir",
    response_class=JSONResponse,
    responses={
        200: {
            "content": {"application/fhir+json": {"schema": {"type": "object"}}},
            "description": "the analysis as a FHIR R4B Bundle",
        }
    },
    openapi_extra={"requestBody": BUNDLE_BODY},
)
async def analyze_fhir(
    request: Request,
    settings: SettingsDep,
    patient: Annotated[
        str | None,
        Query(
            description="subject reference for the answer (default: the Bundle's Patient)",
            pattern=r"^[A-Za-z]{1,64}/[A-Za-z0-9\-.]{1,64}$",
        ),
    ] = None,
) -> Any:
    """DocumentReference (note text), Observation (LOINC + UCUM), Condition,
    MedicationStatement and AllergyIntolerance in; recorded values win over the note's,
    conflicts become DetectedIssues."""
    body = await read_limited_body(request, settings.max_note_bytes * 2 + 1024 * 1024)
    bundle, report = await run_in_threadpool(_merge_and_export, body, patient)
    note_audit(request, report)
    return JSONResponse(bundle, media_type="application/fhir+json")
