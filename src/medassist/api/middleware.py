"""The one ASGI middleware in front of every route (``/v1/analyze`` included).

In order, for each HTTP request: a request id; authentication (API key, loopback rule);
the per-key rate limit; the per-request timeout; then, when the route answers, the audit
record is written *before* the response starts (a failed write turns the answer into a
500 and is counted); security headers; metrics; one access-log line with method, route
template, status and time — never a body, a query value or a file name.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medassist._version import __version__
from medassist.api import metrics
from medassist.api.security import RateLimiter, is_loopback
from medassist.api.service import Service
from medassist.audit import AuditEntry, AuditStoreError
from medassist.logs import get_logger

__all__ = ["ServiceMiddleware", "PUBLIC_PATHS", "SECURITY_HEADERS", "audited"]

_access = get_logger("medassist.access")
_log = get_logger("medassist.api")

#: reachable without a key when keys are configured (no patient data behind them)
PUBLIC_PATHS = ("/", "/health", "/docs", "/openapi.json", "/favicon.ico")
PUBLIC_PREFIXES = ("/static/",)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


def audited(path: str) -> bool:
    """Requests under /v1/ leave an audit record (the others carry no patient data)."""
    return path.startswith("/v1/")


def _json_error(status: int, code: str, message: str) -> bytes:
    import json

    return json.dumps({"error": code, "message": message}).encode()


def _outcome(status: int) -> str:
    if status < 400:
        return "ok"
    if status in (401, 403):
        return "denied"
    if status == 429:
        return "rate_limited"
    if status == 504:
        return "timeout"
    return "client_error" if status < 500 else "server_error"


class ServiceMiddleware:
    def __init__(self, app: ASGIApp, service: Service) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await _Request(self.service, self.app, scope, receive, send).run()


class _Request:
    """The life of one HTTP request through the middleware."""

    def __init__(
        self, service: Service, app: ASGIApp, scope: Scope, receive: Receive, send: Send
    ) -> None:
        self.service, self.app, self.scope = service, app, scope
        self._receive, self._send = receive, send
        self.t0 = time.perf_counter()
        self.request_id = uuid.uuid4().hex
        self.path: str = scope.get("path", "")
        self.method: str = scope.get("method", "GET")
        self.headers = Headers(scope=scope)
        self.key_name: str | None = None
        self.started = False
        self.status = 500
        self.error_code: str | None = None
        self.body_hash = hashlib.sha256()
        self.body_bytes = 0
        self.suppress_body = False
        self._deadline: asyncio.Timeout | None = None
        client = scope.get("client")
        self.client_host: str | None = client[0] if client else None
        state = scope.setdefault("state", {})
        state["request_id"] = self.request_id

    # -- the pipeline ----------------------------------------------------------------------
    async def run(self) -> None:
        try:
            denied = self._authenticate() or self._rate_limit()
            if denied is not None:
                await self._error(*denied)
            else:
                await self._call_app()
        finally:
            self._finish()

    def _authenticate(self) -> tuple[int, str, str, dict[str, str]] | None:
        keys = self.service.keys
        proxied = "forwarded" in self.headers or "x-forwarded-for" in self.headers
        local = is_loopback(self.client_host) and not proxied
        presented = self._presented_key()
        if keys.enabled:
            self.key_name = keys.match(presented)
            if self.key_name is None and (presented or not self._public()):
                return (
                    401,
                    "unauthorized",
                    "a valid API key is required: send 'Authorization: Bearer <key>' "
                    "or 'X-API-Key: <key>'",
                    {"www-authenticate": 'Bearer realm="medassist"'},
                )
            return None
        if not local:
            return (
                401,
                "unauthorized",
                "this server has no API keys configured and answers only loopback clients; "
                "set MEDASSIST_API_KEYS or MEDASSIST_API_KEYS_FILE to serve other machines",
                {},
            )
        return None

    def _presented_key(self) -> str | None:
        auth = self.headers.get("authorization")
        if auth:
            scheme, _, token = auth.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
        return self.headers.get("x-api-key") or None

    def _public(self) -> bool:
        return self.path in PUBLIC_PATHS or self.path.startswith(PUBLIC_PREFIXES)

    def _rate_limit(self) -> tuple[int, str, str, dict[str, str]] | None:
        limiter = self.service.limiter
        if limiter is None or not audited(self.path):
            return None
        identity = f"key:{self.key_name}" if self.key_name else f"ip:{self.client_host}"
        wait = limiter.check(identity)
        if wait <= 0:
            return None
        retry = RateLimiter.retry_after_header(wait)
        return (
            429,
            "rate_limited",
            f"rate limit of {limiter.count} requests per {int(limiter.period)} s reached; "
            f"retry after {retry} s",
            {"retry-after": retry},
        )

    async def _call_app(self) -> None:
        timeout = self.service.settings.request_timeout_s
        try:
            # the limit is on the time to answer: once a response has started (a stream of
            # server-sent events), it is lifted (see _send_guarded)
            async with asyncio.timeout(timeout) as self._deadline:
                await self.app(self.scope, self._receive_hashing, self._send_guarded)
        except TimeoutError:
            if not self.started:
                await self._error(
                    504, "request_timeout", f"the request did not finish within {timeout:g} s"
                )
        except Exception as exc:  # a bug below: answer 500 without a traceback or input
            _log.error("internal error %s on %s %s", type(exc).__name__, self.method, self.path)
            if not self.started:
                await self._error(500, "internal_error", "internal error; please report it")

    # -- receive / send wrappers -----------------------------------------------------------
    async def _receive_hashing(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            if chunk:
                self.body_hash.update(chunk)
                self.body_bytes += len(chunk)
        return message

    async def _send_guarded(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            status = int(message["status"])
            if audited(self.path):
                failure = await self._write_audit(status)
                if failure is not None:
                    self.suppress_body = True
                    await self._error(*failure)
                    return
            self.status = status
            self.started = True
            if self._deadline is not None:
                self._deadline.reschedule(None)
            message["headers"] = self._headers(list(message.get("headers", [])))
            await self._send(message)
            return
        if self.suppress_body:
            return
        await self._send(message)

    def _headers(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        present = {k.lower() for k, _ in headers}
        headers.append((b"x-request-id", self.request_id.encode()))
        headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in present)
        if audited(self.path) and b"cache-control" not in present:
            headers.append((b"cache-control", b"no-store"))
        return headers

    async def _error(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        """Answer an error from the middleware itself (audited like any answer)."""
        self.error_code = code
        if audited(self.path) and not self.suppress_body:
            failure = await self._write_audit(status)
            if failure is not None:
                status, code, message, headers = failure
                self.error_code = code
        body = _json_error(status, code, message)
        raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        self.status = status
        self.started = True
        await self._send(
            {"type": "http.response.start", "status": status, "headers": self._headers(raw)}
        )
        await self._send({"type": "http.response.body", "body": body})

    # -- audit, metrics, access log --------------------------------------------------------
    def _route(self) -> str:
        route = self.scope.get("route")
        path = getattr(route, "path", None)
        if path:
            return path
        if self.path.startswith(PUBLIC_PREFIXES):
            return "/static/{path}"
        return "unmatched"

    async def _write_audit(self, status: int) -> tuple[int, str, str, dict[str, str]] | None:
        info: dict[str, Any] = self.scope.get("state", {}).get("audit") or {}
        timings = {"total": round((time.perf_counter() - self.t0) * 1000, 3)}
        timings.update(info.get("timings_ms") or {})
        entry = AuditEntry(
            request_id=self.request_id,
            created_at=datetime.now(UTC),
            key_name=self.key_name,
            client=(self.client_host or "")[:64] or None,
            method=self.method[:16],
            route=self._route()[:256],
            status=status,
            outcome=info.get("outcome") or _outcome(status),
            error_code=self.error_code or info.get("error_code"),
            duration_ms=timings["total"],
            body_sha256=self.body_hash.hexdigest() if self.body_bytes else None,
            body_bytes=self.body_bytes,
            input_sha256=info.get("input_sha256"),
            image_sha256=info.get("image_sha256"),
            medassist_version=__version__,
            model_ids=list(info.get("model_ids") or []),
            timings_ms=timings,
            notices=list(info.get("notices") or []),
        )
        try:
            store = self.service.store()
            await run_in_threadpool(store.write, entry)
        except AuditStoreError as exc:
            metrics.AUDIT_WRITE_FAILURES.inc()
            _log.error("audit write failed for request %s: %s", self.request_id, exc.message)
            return (
                500,
                "audit_write_failed",
                "the audit record could not be written, so no result is returned; "
                "check the audit store (see /readyz)",
                {},
            )
        return None

    def _finish(self) -> None:
        elapsed = time.perf_counter() - self.t0
        route = self._route()
        status = str(self.status)
        metrics.REQUESTS.labels(method=self.method, route=route, status=status).inc()
        metrics.LATENCY.labels(route=route, status=status).observe(elapsed)
        _access.info(
            "%s %s %s %.1fms key=%s id=%s",
            self.method,
            route,
            status,
            elapsed * 1000,
            self.key_name or "-",
            self.request_id,
        )
