"""GET /health, /readyz, /metrics, the web page and the offline API docs."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from medassist._version import __version__
from medassist.api import metrics
from medassist.api.deps import ServiceDep
from medassist.api.readiness import Readiness, run_checks

router = APIRouter(tags=["meta"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(service: ServiceDep) -> Any:
    """Ready only when the audit store and every configured model are usable (503 says
    which is not)."""
    result = await run_in_threadpool(run_checks, service)
    return JSONResponse(result.model_dump(), status_code=200 if result.ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def prometheus_metrics() -> Response:
    """Prometheus text format: requests, latency, model calls and tokens, queue depth,
    audit-write failures."""
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE_LATEST)


def _static(name: str) -> str:
    return (resources.files("medassist.api") / "static" / name).read_text("utf-8")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def page() -> str:
    return _static("index.html")


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
async def docs() -> str:
    """Swagger UI from local assets (no CDN): the page works offline."""
    return _static("docs.html")
