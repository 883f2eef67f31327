"""Swagger UI assets served from a local package (no CDN), for ``/docs``.

The files come from the ``fastapi-offline`` wheel (MIT; Swagger UI itself is Apache-2.0),
a dependency of the ``server`` extra; they are served under ``/static/swagger/``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["swagger_dir"]


def swagger_dir() -> Path | None:
    try:
        import fastapi_offline
    except ImportError:
        return None
    path = Path(fastapi_offline.__file__).parent / "static"
    return path if (path / "swagger-ui-bundle.js").is_file() else None
