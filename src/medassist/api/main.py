"""The FastAPI application: routers, middleware, error shape, static assets.

``uvicorn medassist.api.main:app`` is safe on any address: without API keys it answers
loopback clients only (see :mod:`medassist.api.security`).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from medassist._version import __version__
from medassist.api.deps import reject_unknown_options
from medassist.api.docs_assets import swagger_dir
from medassist.api.errors import ERROR_RESPONSES, install_error_handlers
from medassist.api.middleware import ServiceMiddleware
from medassist.api.routes import fhir, image, meta, scores, text
from medassist.api.service import Service, build_service
from medassist.config import Settings

__all__ = ["app", "create_app"]

_OPTIONAL_ROUTERS = ("medassist.api.routes.analyze",)  # the model route (llm)


def _include_optional(app: FastAPI) -> None:
    import importlib

    for name in _OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        app.include_router(module.router)


def create_app(settings: Settings | None = None, service: Service | None = None) -> FastAPI:
    service = service or build_service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        # under plain ``uvicorn medassist.api.main:app`` this is the start-up line (uvicorn's
        # own logger prints where it listens); ``medassist serve`` prints a fuller one
        import logging

        keys = service.keys
        auth = (
            f"auth on ({len(keys.pairs)} key(s): {', '.join(keys.names())})"
            if keys.enabled
            else "auth off: loopback clients only (set MEDASSIST_API_KEYS to serve others)"
        )
        logging.getLogger("uvicorn.error").info(
            "medassist %s: %s; audit store %s", __version__, auth, service.audit_url_display()
        )
        yield
        service.close()

    app = FastAPI(
        title="medassist",
        version=__version__,
        description="Offline clinical assistant. Assistive only: never a diagnosis.",
        docs_url=None,
        redoc_url=None,
        responses=ERROR_RESPONSES,
        dependencies=[Depends(reject_unknown_options)],
        lifespan=lifespan,
    )
    app.state.service = service
    install_error_handlers(app)
    app.include_router(meta.router)
    app.include_router(text.router)
    app.include_router(image.router)
    app.include_router(scores.router)
    app.include_router(fhir.router)
    _include_optional(app)
    swagger = swagger_dir()
    if swagger is not None:
        app.mount("/static/swagger", StaticFiles(directory=swagger), name="swagger")
    static = Path(str(resources.files("medassist.api") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
    origins = [o.strip() for o in (service.settings.cors_origins or "").split(",") if o.strip()]
    if origins:  # CORS is off unless origins are named
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "x-api-key", "content-type"],
        )
    app.add_middleware(ServiceMiddleware, service=service)
    return app


app = create_app()
