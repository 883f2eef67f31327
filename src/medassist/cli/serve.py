"""``medassist serve``: the HTTP API and web page.

Refuses to listen on a non-loopback address without an API key; says at start where it
listens, whether auth is on and where the audit goes; runs ``--workers N`` processes for
the deterministic engine, one when a locally loaded model is configured (it lives in one
process: point the ``openai`` backend at a shared server to scale out).
"""

from __future__ import annotations

import ipaddress
import os
import sys
import tempfile

import click

from medassist.errors import BackendUnavailableError, ConfigurationError

__all__ = ["serve", "local_models", "log_config"]


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def local_models(settings: object) -> list[str]:
    """Models this configuration loads into the server process (none: any worker count)."""
    found: list[str] = []
    if getattr(settings, "image_encoder", None):
        found.append("image encoder")
    backend = getattr(settings, "llm_backend", None)
    if backend and str(backend).lower() not in ("none", "openai", "off", ""):
        found.append(f"LLM backend {backend}")
    return found


def log_config(access_log: bool) -> dict:
    """uvicorn's logging, plus medassist's loggers (redacted; the access line when asked)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "medassist.logs.RedactingFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["redact"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
            "uvicorn.error": {"level": "WARNING"},
            "medassist": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
            "medassist.access": {
                "handlers": ["stderr"],
                "level": "INFO" if access_log else "WARNING",
                "propagate": False,
            },
        },
    }


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Bind address (loopback by default)."
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (deterministic engine; one with a locally loaded model).",
)
@click.option("--access-log/--no-access-log", default=True, show_default=True)
def serve(host: str, port: int, workers: int, access_log: bool) -> None:
    """Serve the HTTP API and the web page (extra 'server')."""
    try:
        import uvicorn
    except ImportError:
        raise BackendUnavailableError("the server needs: pip install 'medassist[server]'") from None
    from medassist.api.service import build_service
    from medassist.audit import open_store

    service = build_service()  # bad keys, key file or rate limit: exit 7 before listening
    settings = service.settings
    if not _is_loopback_host(host) and not service.keys.enabled:
        raise ConfigurationError(
            f"refusing to listen on {host} without an API key: set MEDASSIST_API_KEYS "
            "(name:key pairs) or MEDASSIST_API_KEYS_FILE, or bind to 127.0.0.1"
        )
    models = local_models(settings)
    if workers > 1 and models:
        click.echo(
            f"medassist: {', '.join(models)} is loaded in-process, so one worker is used "
            f"instead of {workers} (point the openai backend at a shared server to scale out)",
            err=True,
        )
        workers = 1
    store = open_store(service.audit_url)  # migrate once, before the workers start
    store.dispose()
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="medassist-metrics-")
    auth = (
        f"auth on ({len(service.keys.pairs)} key(s): {', '.join(service.keys.names())})"
        if service.keys.enabled
        else "auth off (loopback clients only)"
    )
    limit = settings.rate_limit or "no rate limit"
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(
        f"medassist listening on http://{shown_host}:{port} — {auth}; {workers} worker(s); "
        f"audit: {store.display_url}; {limit}; timeout {settings.request_timeout_s:g} s",
        err=True,
    )
    sys.stderr.flush()
    uvicorn.run(
        "medassist.api.main:app",
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(access_log),
        access_log=False,  # uvicorn's line has the query string; ours has the route template
        server_header=False,
    )
