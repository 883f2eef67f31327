"""``medassist serve``: the HTTP API and web page on this machine."""

from __future__ import annotations

import click

from medassist.errors import BackendUnavailableError

__all__ = ["serve"]


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Bind address (loopback by default)."
)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the HTTP API and the web page (extra 'server')."""
    try:
        import uvicorn
    except ImportError:
        raise BackendUnavailableError("the server needs: pip install 'medassist[server]'") from None
    uvicorn.run("medassist.api.main:app", host=host, port=port, log_level="warning")
