"""Logging that never writes note text or pixel data.

Use :func:`get_logger` everywhere. Log only sizes, hashes, counts, ids and timings; the
``RedactingFilter`` is a second line of defence that drops any record carrying a
``text``/``note``/``pixels`` attribute and truncates long messages.
"""

from __future__ import annotations

import hashlib
import logging

__all__ = ["get_logger", "text_fingerprint", "RedactingFilter"]

_FORBIDDEN_ATTRS = ("text", "note", "pixels", "pixel_array", "image")
_MAX_MESSAGE = 300


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for attr in _FORBIDDEN_ATTRS:
            if hasattr(record, attr):
                setattr(record, attr, "[redacted]")
        msg = record.getMessage()
        if len(msg) > _MAX_MESSAGE:
            record.msg = msg[:_MAX_MESSAGE] + " [truncated]"
            record.args = ()
        return True


def get_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger


def text_fingerprint(data: str | bytes) -> str:
    """A short SHA-256 prefix to refer to an input in logs and audit records."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:16]
