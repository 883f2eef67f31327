"""One error shape for every HTTP error: ``{"error": code, "message": text}``.

FastAPI's own ``{"detail": ...}`` answers (404, 405, validation) are mapped onto it; errors
raised on purpose are :class:`medassist.errors.MedassistError` subclasses.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from medassist.errors import MedassistError, ModelError
from medassist.logs import get_logger

__all__ = [
    "ErrorBody",
    "UnauthorizedError",
    "RateLimitedError",
    "RequestTimeoutError",
    "ServiceBusyError",
    "UnknownOptionError",
    "ERROR_RESPONSES",
    "error_response",
    "install_error_handlers",
]

_log = get_logger("medassist.api")


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: str
    message: str
    context: dict[str, Any] | None = None


class UnauthorizedError(MedassistError):
    http_status = 401
    code = "unauthorized"


class RateLimitedError(MedassistError):
    """Too many requests for this key; ``retry_after`` seconds until the next is allowed."""

    http_status = 429
    code = "rate_limited"


class RequestTimeoutError(MedassistError):
    http_status = 504
    code = "request_timeout"


class ServiceBusyError(ModelError):
    """The queue in front of a loaded model is full; try again after ``retry_after`` s."""

    code = "busy"


class UnknownOptionError(MedassistError):
    http_status = 400
    code = "unknown_option"


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "input_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}

#: documented for every operation in the OpenAPI schema
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": code.replace("_", " ")}
    for status, code in _STATUS_CODES.items()
    if status not in (403, 406)
} | {504: {"model": ErrorBody, "description": "request timeout"}}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **context: Any
) -> JSONResponse:
    body: dict[str, Any] = {"error": code, "message": message}
    if context:
        body["context"] = context
    return JSONResponse(status_code=status, content=body, headers=headers)


def medassist_error_response(exc: MedassistError) -> JSONResponse:
    headers: dict[str, str] = {}
    retry_after = exc.context.get("retry_after")
    if isinstance(retry_after, int | float):
        headers["Retry-After"] = str(max(1, int(round(retry_after))))
    if exc.http_status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="medassist"'
    return JSONResponse(status_code=exc.http_status, content=exc.to_dict(), headers=headers)


def _validation_message(exc: RequestValidationError) -> tuple[int, str, str]:
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ())]
    where = ".".join(loc[1:]) or (loc[0] if loc else "request")
    msg = str(first.get("msg", "invalid request"))
    if loc and loc[0] == "query":  # a bad value of a known option: name it and its choices
        ctx = first.get("ctx") or {}
        expected = ctx.get("expected")
        allowed = f"; allowed: {expected}" if expected else ""
        given = first.get("input")
        shown = f" {given!r}" if isinstance(given, str) and len(given) <= 40 else ""
        return 400, "invalid_option", f"invalid value{shown} for option {where!r}{allowed}"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return 422, "validation_error", f"{where}: {msg}{more}"


def _note_error(request: Request, code: str) -> None:
    request.scope.setdefault("state", {}).setdefault("audit", {})["error_code"] = code


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MedassistError)
    async def _medassist_error(request: Request, exc: MedassistError) -> JSONResponse:
        _log.info("request failed code=%s status=%d", exc.code, exc.http_status)
        _note_error(request, exc.code)
        return medassist_error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404:
            message = f"no such resource: {request.url.path[:200]}"
        elif exc.status_code == 405:
            message = f"method {request.method} is not allowed here"
        _note_error(request, code)
        return error_response(exc.status_code, code, message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, code, message = _validation_message(exc)
        _note_error(request, code)
        return error_response(status, code, message)
