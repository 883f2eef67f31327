"""Load an image from a path, bytes or a file-like object, with size limits.

The type is taken from the magic bytes, never from the extension. Everything that goes
wrong becomes an :class:`~medassist.errors.InputError` or :class:`~medassist.errors.ImageError`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import IO, Any

from medassist.config import get_settings
from medassist.errors import InputError, InputTooLargeError, UnsupportedFileTypeError
from medassist.imaging.sniff import detect_type, sniff_format
from medassist.imaging.types import LoadedImage
from medassist.logs import get_logger

__all__ = ["ImageSource", "read_source", "load_image"]

ImageSource = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

_log = get_logger(__name__)


def read_source(source: Any, *, max_bytes: int | None = None) -> bytes:
    """The bytes of ``source`` (path, bytes or binary file-like), refusing oversized input."""
    limit = get_settings().max_image_bytes if max_bytes is None else max_bytes
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            size = path.stat().st_size
            if not path.is_file():
                raise InputError(f"not a regular file: {path.name}", path=str(path.name))
            if size > limit:
                raise InputTooLargeError(
                    f"image file is {size} bytes, above the limit of {limit} bytes "
                    "(MEDASSIST_MAX_IMAGE_BYTES)",
                    size=size,
                    limit=limit,
                )
            with path.open("rb") as fh:
                data = fh.read(limit + 1)
        except FileNotFoundError as exc:
            raise InputError(f"image file not found: {path.name}") from exc
        except IsADirectoryError as exc:
            raise InputError(f"not a regular file: {path.name}") from exc
        except PermissionError as exc:
            raise InputError(f"image file not readable: {path.name}") from exc
        except OSError as exc:  # name too long, I/O error, loops: say so without a traceback
            raise InputError(f"cannot read image file {path.name[:80]}: {exc.strerror}") from None
    elif hasattr(source, "read"):
        data = source.read(limit + 1)
        if isinstance(data, str):
            raise InputError("the file-like object must be opened in binary mode")
        data = bytes(data)
    else:
        raise InputError(
            f"cannot read an image from a {type(source).__name__}: give a path, bytes or a binary file"
        )
    if len(data) > limit:
        raise InputTooLargeError(
            f"image is larger than the limit of {limit} bytes (MEDASSIST_MAX_IMAGE_BYTES)",
            limit=limit,
        )
    if not data:
        raise InputError("the image file is empty (0 bytes)", size=0)
    return data


def load_image(
    source: Any,
    *,
    window: tuple[float, float] | None = None,
    frame: int | None = None,
) -> LoadedImage:
    """Read and decode an image: DICOM, PNG, JPEG or TIFF (8 or 16 bit).

    ``window``: an explicit (centre, width) for monochrome DICOM, overriding the file's
    window and the presets. ``frame``: the frame of a multi-frame image to decode (default:
    the middle one).
    """
    data = read_source(source)
    digest = hashlib.sha256(data).hexdigest()
    fmt = sniff_format(data[:1024])
    if fmt is None:
        kind = detect_type(data[:1024])
        raise UnsupportedFileTypeError(
            f"unsupported file type: detected {kind!r}; expected DICOM, PNG, JPEG or TIFF",
            detected=kind,
        )
    _log.info("loading image format=%s bytes=%d sha256=%s", fmt, len(data), digest[:16])
    if fmt == "dicom":
        from medassist.imaging.dicom import load_dicom

        return load_dicom(data, sha256=digest, window=window, frame=frame)
    from medassist.imaging.raster import load_raster

    return load_raster(data, fmt, sha256=digest, frame=frame)
