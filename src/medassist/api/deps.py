"""Request-level dependencies: bounded body reading, uploads, output options, audit notes.

Routes declare what they take as ``Annotated`` aliases (``SettingsDep``, ``OutputDep``);
:func:`reject_unknown_options` (installed on the whole app) answers 400 to a query option
no route parameter declares, naming it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.formparsers import MultiPartException, MultiPartParser

from medassist.api.errors import UnknownOptionError
from medassist.api.service import Service
from medassist.config import Settings
from medassist.errors import InputError, InputTooLargeError

__all__ = [
    "SettingsDep",
    "ServiceDep",
    "OutputDep",
    "OutputOptions",
    "Upload",
    "read_limited_body",
    "read_upload",
    "reject_unknown_options",
    "note_audit",
    "respond",
]


def get_service(request: Request) -> Service:
    return request.app.state.service


def get_app_settings(request: Request) -> Settings:
    return request.app.state.service.settings


ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


@dataclass(frozen=True)
class OutputOptions:
    format: Literal["json", "fhir"] = "json"
    patient: str | None = None


def output_options(
    format: Annotated[
        Literal["json", "fhir"], Query(description="json (default) or fhir (an R4B Bundle)")
    ] = "json",
    patient: Annotated[
        str | None,
        Query(
            description="FHIR subject reference, e.g. Patient/42 (with format=fhir)",
            pattern=r"^[A-Za-z]{1,64}/[A-Za-z0-9\-.]{1,64}$",
        ),
    ] = None,
) -> OutputOptions:
    return OutputOptions(format=format, patient=patient)


OutputDep = Annotated[OutputOptions, Depends(output_options)]


_DECLARED: dict[int, frozenset[str]] = {}


def _declared_query_options(route: Any) -> frozenset[str]:
    """The query parameter names a route (and its dependencies) declare; cached per route."""
    key = id(route)
    if key not in _DECLARED:
        names: set[str] = set()
        stack = [getattr(route, "dependant", None)]
        while stack:
            dep = stack.pop()
            if dep is None:
                continue
            names.update(p.alias for p in dep.query_params)
            stack.extend(dep.dependencies)
        _DECLARED[key] = frozenset(names)
    return _DECLARED[key]


async def reject_unknown_options(request: Request) -> None:
    """400 for a query option that the matched route does not declare."""
    if not request.query_params:
        return
    known = _declared_query_options(request.scope.get("route"))
    unknown = sorted(k for k in request.query_params if k not in known)
    if unknown:
        names = ", ".join(repr(k[:40]) for k in unknown[:5])
        allowed = ", ".join(sorted(known)) or "none"
        raise UnknownOptionError(
            f"unknown query option {names}; allowed here: {allowed}", allowed=sorted(known)
        )


async def _limited_stream(request: Request, limit: int) -> AsyncIterator[bytes]:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise InputTooLargeError(
            f"request body is larger than the limit of {limit} bytes", limit=limit
        )
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise InputTooLargeError(
                f"request body is larger than the limit of {limit} bytes", limit=limit
            )
        yield chunk


async def read_limited_body(request: Request, limit: int) -> bytes:
    """Read the body in chunks, refusing (413) as soon as it passes ``limit`` bytes."""
    return b"".join([chunk async for chunk in _limited_stream(request, limit)])


@dataclass(frozen=True)
class Upload:
    """What a request carried: the form fields (text) and the files (bytes), by field name.

    File names are never kept (they can name a patient)."""

    fields: dict[str, str]
    files: dict[str, bytes]


def is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


async def read_upload(request: Request, limit: int, max_field_bytes: int) -> Upload:
    """Parse a ``multipart/form-data`` body of at most ``limit`` bytes (413 past it)."""
    parser = MultiPartParser(
        request.headers,
        _limited_stream(request, limit),
        max_files=4,
        max_fields=16,
        max_part_size=max_field_bytes,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InputError(f"malformed multipart body: {exc.message}") from None
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    try:
        for name, value in form.multi_items():
            if isinstance(value, str):
                fields[name] = value
            else:
                files[name] = await value.read()
    finally:
        await form.close()
    return Upload(fields=fields, files=files)


def note_audit(request: Request, report: Any = None, **extra: Any) -> None:
    """Put what the audit record should say about ``report`` on the request.

    Hashes, model ids, timings and notice codes only; the middleware writes the record
    before the response starts. Call it from every route that produced a report (``respond``
    does)."""
    info: dict[str, Any] = request.scope.setdefault("state", {}).setdefault("audit", {})
    safety = getattr(report, "safety", None)
    audit = getattr(safety, "audit", None)
    if audit is not None:
        for attr in ("input_sha256", "image_sha256"):
            if getattr(audit, attr, None):
                info[attr] = getattr(audit, attr)
        info.setdefault("model_ids", [])
        info["model_ids"] = sorted(set(info["model_ids"]) | set(audit.model_ids))
        info.setdefault("timings_ms", {}).update(audit.timings_ms)
    runs = getattr(report, "model_runs", None) or []
    if runs:  # model calls of an AnalysisReport: ids in the audit, calls and tokens in /metrics
        from medassist.api.metrics import record_model_call

        ids = set(info.get("model_ids", []))
        for run in runs:
            ids.add(f"{run.backend}:{run.model_id}")
            record_model_call(
                run.model_id,
                "ok",
                prompt_tokens=run.prompt_tokens,
                completion_tokens=run.completion_tokens,
            )
        info["model_ids"] = sorted(ids)
    status = getattr(report, "model", None)
    if getattr(status, "state", None) == "failed":
        from medassist.api.metrics import record_model_call

        record_model_call(status.model_id or status.backend or "unknown", "failed")
    if safety is not None:
        codes = [n.code for n in getattr(safety, "notices", [])]
        info["notices"] = list(dict.fromkeys([*info.get("notices", []), *codes]))
    info.update(extra)


async def respond(request: Request, report: Any, options: OutputOptions | None = None) -> Any:
    """The report as JSON, or as a FHIR R4B Bundle with ``format=fhir`` (``&patient=...``)."""
    note_audit(request, report)
    if options is None:
        fmt = request.query_params.get("format", "json")
        options = OutputOptions(
            format="fhir" if fmt == "fhir" else "json", patient=request.query_params.get("patient")
        )
    if options.format != "fhir":
        # serialised once, as is: the report was validated when safety built it (FastAPI would
        # validate it again against the response model, which costs more than the JSON)
        return Response(report.model_dump_json(), media_type="application/json")
    from medassist.fhir import to_fhir_bundle

    bundle = await run_in_threadpool(to_fhir_bundle, report, patient_reference=options.patient)
    return JSONResponse(bundle, media_type="application/fhir+json")
