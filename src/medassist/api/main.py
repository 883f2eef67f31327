"""The FastAPI application: routers, error mapping, the web page."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from medassist import __version__
from medassist.api.routes import analyze, image, scores, text
from medassist.errors import MedassistError
from medassist.logs import get_logger

__all__ = ["app", "create_app"]

_log = get_logger("medassist.api")


def create_app() -> FastAPI:
    app = FastAPI(
        title="medassist",
        version=__version__,
        description="Offline clinical assistant. Assistive only: never a diagnosis.",
    )
    app.include_router(text.router)
    app.include_router(image.router)
    app.include_router(scores.router)
    app.include_router(analyze.router)

    @app.exception_handler(MedassistError)
    async def _medassist_error(request: Request, exc: MedassistError) -> JSONResponse:
        _log.info("request failed code=%s status=%d", exc.code, exc.http_status)
        return JSONResponse(status_code=exc.http_status, content=exc.to_dict())

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
        # a bug: report it without a traceback or any input text
        _log.error("internal error %s on %s", type(exc).__name__, request.url.path)
        return JSONResponse(
            status_code=500,
            content={"error": "internal_error", "message": "internal error; please report it"},
        )

    @app.get("/health", tags=["meta"])
    async def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> str:
        return (resources.files("medassist.api") / "static" / "index.html").read_text("utf-8")

    return app


app = create_app()
