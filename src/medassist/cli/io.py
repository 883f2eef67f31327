"""Reading CLI inputs (files or stdin) as bytes; decoding is the input guard's job."""

from __future__ import annotations

import sys
from pathlib import Path

from medassist.config import get_settings
from medassist.errors import InputError, InputTooLargeError

__all__ = ["read_input_bytes"]


def read_input_bytes(source: str, limit: int | None = None) -> bytes:
    """Read at most ``limit`` bytes (default: the note limit) plus one to detect overflow."""
    limit = limit or get_settings().max_note_bytes
    if source == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        path = Path(source)
        if not path.exists():
            raise InputError(f"file not found: {source}")
        if path.is_dir():
            raise InputError(f"{source} is a directory, not a file")
        try:
            with path.open("rb") as fh:
                data = fh.read(limit + 1)
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror}") from None
    if len(data) > limit:
        raise InputTooLargeError(
            f"input is larger than the limit of {limit} bytes (set MEDASSIST_MAX_NOTE_BYTES to change it)",
            limit=limit,
        )
    return data
