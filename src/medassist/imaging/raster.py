"""PNG, JPEG and TIFF decoding with Pillow (8 and 16 bit, grey or colour).

The header is opened first and its dimensions checked against
``settings.max_image_pixels`` BEFORE any pixel is decoded. EXIF and text chunks are never
read into the metadata (they can hold names, dates and GPS positions).
"""

from __future__ import annotations

import warnings
from io import BytesIO
from typing import Any

import numpy as np

from medassist.config import get_settings
from medassist.errors import DecompressionBombError, ImageDecodeError
from medassist.imaging.sniff import ImageFormat
from medassist.imaging.types import LoadedImage
from medassist.logs import get_logger
from medassist.schemas.imaging import ImageMetadata

__all__ = ["load_raster"]

_log = get_logger(__name__)

# Pillow mode -> (bits per sample, photometric name)
_MODES: dict[str, tuple[int, str]] = {
    "1": (1, "MONOCHROME2"),
    "L": (8, "MONOCHROME2"),
    "LA": (8, "MONOCHROME2"),
    "P": (8, "PALETTE COLOR"),
    "PA": (8, "PALETTE COLOR"),
    "RGB": (8, "RGB"),
    "RGBA": (8, "RGB"),
    "RGBX": (8, "RGB"),
    "CMYK": (8, "RGB"),
    "YCbCr": (8, "RGB"),
    "I;16": (16, "MONOCHROME2"),
    "I;16L": (16, "MONOCHROME2"),
    "I;16B": (16, "MONOCHROME2"),
    "I;16N": (16, "MONOCHROME2"),
    "I": (32, "MONOCHROME2"),
    "F": (32, "MONOCHROME2"),
}


def _open(data: bytes) -> Any:
    from PIL import Image

    # Pillow's own bomb guard follows our setting (it raises above twice the value; our
    # header check below applies the setting itself, counting samples).
    Image.MAX_IMAGE_PIXELS = get_settings().max_image_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            limit = get_settings().max_image_pixels
            raise DecompressionBombError(
                f"the image header declares more than twice {limit} pixels "
                "(MEDASSIST_MAX_IMAGE_PIXELS): refused before decoding",
                limit=limit,
            ) from exc
        except Exception as exc:
            raise ImageDecodeError(f"malformed image header ({type(exc).__name__})") from exc


def _to_display(arr: np.ndarray, mode: str) -> np.ndarray:
    if mode in ("I;16", "I;16L", "I;16B", "I;16N"):
        return (arr.astype(np.float32) / 65535.0).clip(0, 1)
    if mode == "I":
        hi = float(arr.max())
        top = 65535.0 if arr.min() >= 0 and hi <= 65535 else None
        if top is None:
            lo = float(arr.min())
            return ((arr.astype(np.float32) - lo) / max(hi - lo, 1.0)).clip(0, 1)
        return (arr.astype(np.float32) / top).clip(0, 1)
    if mode == "F":
        finite = np.nan_to_num(arr.astype(np.float32))
        lo, hi = float(finite.min()), float(finite.max())
        if lo >= 0.0 and hi <= 1.0:
            return finite
        return ((finite - lo) / max(hi - lo, 1e-12)).astype(np.float32)
    if mode == "1":
        return arr.astype(np.float32)
    return (arr.astype(np.float32) / 255.0).clip(0, 1)


def load_raster(
    data: bytes, fmt: ImageFormat, *, sha256: str, frame: int | None = None
) -> LoadedImage:
    """Decode PNG/JPEG/TIFF bytes (the middle page of a multi-page TIFF)."""

    im = _open(data)
    try:
        width, height = im.size
        frames = int(getattr(im, "n_frames", 1) or 1)
        limit = get_settings().max_image_pixels
        bands = len(im.getbands())
        if width <= 0 or height <= 0:
            raise ImageDecodeError("the image header declares an empty image")
        if width * height * bands > limit:
            raise DecompressionBombError(
                f"the image header declares {width}x{height}x{bands} samples, above the limit "
                f"of {limit} (MEDASSIST_MAX_IMAGE_PIXELS)",
                pixels=width * height * bands,
                limit=limit,
            )
        index = frames // 2 if frame is None else int(frame)
        if not 0 <= index < frames:
            raise ImageDecodeError(f"frame {index} out of range (the file has {frames})")
        try:
            if frames > 1:
                im.seek(index)
            mode = im.mode
            if mode in ("P", "PA"):
                im = im.convert("RGBA" if "transparency" in im.info or mode == "PA" else "RGB")
                decoded_mode = im.mode
            elif mode in ("CMYK", "YCbCr", "RGBX"):
                im = im.convert("RGB")
                decoded_mode = "RGB"
            elif mode in ("LA",):
                im = im.convert("L")
                decoded_mode = "L"
            else:
                decoded_mode = mode
            im.load()
            arr = np.asarray(im)
        except (DecompressionBombError, ImageDecodeError):
            raise
        except MemoryError as exc:
            raise DecompressionBombError("the image is too large to decode") from exc
        except Exception as exc:
            raise ImageDecodeError(
                f"could not decode the {fmt.upper()} pixel data ({type(exc).__name__}: truncated or malformed)"
            ) from exc
        if decoded_mode not in _MODES:
            raise ImageDecodeError(f"unsupported {fmt.upper()} pixel mode {decoded_mode!r}")
        if arr.ndim == 3:
            arr = arr[..., :3]
            if arr.shape[-1] == 1:
                arr = arr[..., 0]
        display = np.ascontiguousarray(_to_display(arr, decoded_mode), dtype=np.float32)
        bits, photometric = _MODES[mode] if mode in _MODES else _MODES[decoded_mode]
        extra: dict[str, Any] = {"mode": mode, "frame_index": index}
        if frames > 1:
            extra["pages"] = frames
        if fmt == "jpeg":
            extra["lossy_compression"] = True
        meta = ImageMetadata(
            format=fmt,
            rows=height,
            columns=width,
            frames=frames,
            bits_stored=bits,
            photometric_interpretation=photometric,
            extra=extra,
        )
    finally:
        im.close()
    _log.info("decoded %s rows=%d cols=%d mode=%s", fmt, meta.rows, meta.columns, mode)
    return LoadedImage(display=display, metadata=meta, sha256=sha256)
