"""DICOM decoding with pydicom 3: transfer syntaxes, modality LUT, VOI LUT, colour.

Only non-identifying attributes are read into :class:`ImageMetadata`; no value of the
data set is ever logged. pydicom's own warnings (which may quote element values) are
silenced while a file is read.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import warnings
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import numpy as np

from medassist.config import get_settings
from medassist.errors import DecompressionBombError, ImageDecodeError, MissingPixelDataError
from medassist.imaging.types import LoadedImage
from medassist.imaging.window import preset_window, window_linear
from medassist.logs import get_logger
from medassist.schemas.imaging import ImageMetadata

__all__ = ["load_dicom", "read_dataset", "dicom_metadata", "OPTIONAL_PLUGINS"]

_log = get_logger(__name__)

#: Transfer syntaxes that need an optional decoder, with the package that brings it.
OPTIONAL_PLUGINS: dict[str, str] = {
    "1.2.840.10008.1.2.4.57": "python-gdcm (pip install 'medassist[gdcm]')",
    "1.2.840.10008.1.2.4.70": "python-gdcm (pip install 'medassist[gdcm]')",
    "1.2.840.10008.1.2.4.51": "python-gdcm (pip install 'medassist[gdcm]') for 12-bit JPEG Extended",
}

_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
_UNCOMPRESSED = {
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.1.99",
    "1.2.840.10008.1.2.2",
}

_quiet: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "medassist_dicom_quiet", default=False
)


class _QuietFilter(logging.Filter):
    """Drops pydicom's log records while medassist reads a file (they may quote values)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _quiet.get()


def _install_filter() -> None:
    logger = logging.getLogger("pydicom")
    if not any(isinstance(f, _QuietFilter) for f in logger.filters):
        logger.addFilter(_QuietFilter())


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    _install_filter()
    token = _quiet.set(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        _quiet.reset(token)


def read_dataset(data: bytes, *, stop_before_pixels: bool = False) -> Any:
    """Parse DICOM bytes into a pydicom Dataset, or raise :class:`ImageDecodeError`.

    Files without the 128-byte preamble are read with ``force=True`` only after the magic
    sniffing has accepted them; the result must then carry at least one image or
    identification attribute to count as DICOM.
    """
    import pydicom

    has_preamble = len(data) >= 132 and data[128:132] == b"DICM"
    with _silenced():
        try:
            ds = pydicom.dcmread(
                BytesIO(data), force=not has_preamble, stop_before_pixels=stop_before_pixels
            )
            # Touch every top-level element so that malformed values fail here, not later.
            keys = list(ds.keys())
        except MemoryError as exc:
            raise DecompressionBombError(
                "the DICOM file declares an element too large to read"
            ) from exc
        except Exception as exc:  # pydicom raises many types for malformed input
            raise ImageDecodeError(
                f"malformed or truncated DICOM file ({type(exc).__name__})",
                reason=type(exc).__name__,
            ) from exc
    if not any(int(k) >= 0x0008_0000 for k in keys):
        raise ImageDecodeError("the file starts like DICOM but holds no readable DICOM data set")
    _ensure_transfer_syntax(ds)
    return ds


def _ensure_transfer_syntax(ds: Any) -> None:
    """Files without file meta: record the encoding pydicom detected as the transfer syntax."""
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

    meta = getattr(ds, "file_meta", None)
    if meta is not None and meta.get("TransferSyntaxUID"):
        return
    implicit, little = getattr(ds, "original_encoding", (None, None))
    if implicit:
        uid = ImplicitVRLittleEndian
    elif little is False:
        uid = ExplicitVRBigEndian
    else:
        uid = ExplicitVRLittleEndian
    new_meta = FileMetaDataset()
    if meta is not None:
        for elem in meta:
            new_meta.add(elem)
    new_meta.TransferSyntaxUID = uid
    ds.file_meta = new_meta


def _get(ds: Any, keyword: str) -> Any:
    """``ds.get`` that turns pydicom's value conversion errors into ImageDecodeError."""
    try:
        return ds.get(keyword)
    except Exception as exc:
        raise ImageDecodeError(f"invalid value for {keyword} in the DICOM header") from exc


def _int(ds: Any, keyword: str, default: int | None = None) -> int | None:
    value = _get(ds, keyword)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ImageDecodeError(f"invalid value for {keyword} in the DICOM header") from exc


def _floats(value: Any) -> list[float]:
    if value is None or value == "":
        return []
    iterable = hasattr(value, "__iter__") and not isinstance(value, str | bytes)
    seq = value if iterable else [value]
    out: list[float] = []
    for v in seq:
        try:
            out.append(float(v))
        except (TypeError, ValueError):
            return []
    return out


def _code_string(ds: Any, keyword: str) -> str | None:
    value = _get(ds, keyword)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


_LOSSLESS_COMPRESSED = {
    "1.2.840.10008.1.2.4.57",  # JPEG Lossless
    "1.2.840.10008.1.2.4.70",  # JPEG Lossless SV1
    "1.2.840.10008.1.2.4.80",  # JPEG-LS Lossless
    "1.2.840.10008.1.2.4.90",  # JPEG 2000 Lossless Only
    "1.2.840.10008.1.2.4.201",  # HTJ2K Lossless
    "1.2.840.10008.1.2.4.202",  # HTJ2K Lossless RPCL
    "1.2.840.10008.1.2.5",  # RLE Lossless
}


def uid_compressed_lossy(uid: Any) -> bool:
    """True for compressed transfer syntaxes that may be lossy (JPEG, near-lossless JLS, J2K)."""
    return bool(getattr(uid, "is_compressed", False)) and str(uid) not in _LOSSLESS_COMPRESSED


def _transfer_syntax(ds: Any) -> Any:
    meta = getattr(ds, "file_meta", None)
    uid = meta.get("TransferSyntaxUID") if meta is not None else None
    if uid is None:
        from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

        implicit = getattr(ds, "original_encoding", (True, True))[0]
        return ImplicitVRLittleEndian if implicit is not False else ExplicitVRLittleEndian
    return uid


def dicom_metadata(ds: Any) -> ImageMetadata:
    """The non-identifying metadata of a data set (no patient, study or staff attributes)."""
    rows = _int(ds, "Rows", 0) or 0
    cols = _int(ds, "Columns", 0) or 0
    frames = _int(ds, "NumberOfFrames", 1) or 1
    spacing = _floats(_get(ds, "PixelSpacing")) or _floats(_get(ds, "ImagerPixelSpacing"))
    if not spacing:  # enhanced multi-frame: Pixel Measures functional group
        measures = _functional_group_item(ds, 0, "PixelMeasuresSequence")
        if measures is not None:
            spacing = _floats(measures.get("PixelSpacing"))
    uid = _transfer_syntax(ds)
    extra: dict[str, Any] = {
        "samples_per_pixel": _int(ds, "SamplesPerPixel", 1),
        "bits_allocated": _int(ds, "BitsAllocated"),
        "pixel_representation": _int(ds, "PixelRepresentation"),
        "transfer_syntax_uid": str(uid),
    }
    sop = _get(ds, "SOPClassUID")
    if sop is not None:
        extra["sop_class"] = getattr(sop, "name", str(sop))
    lossy_flag = str(_get(ds, "LossyImageCompression") or "").strip() == "01"
    if lossy_flag or (uid_compressed_lossy(uid)):
        extra["lossy_compression"] = True
    for keyword, key in (("SliceThickness", "slice_thickness_mm"), ("KVP", "kvp")):
        values = _floats(_get(ds, keyword))
        if values:
            extra[key] = values[0]
    for keyword in ("Laterality", "ImageLaterality"):
        text = _code_string(ds, keyword)
        if text:
            extra["laterality"] = text
    return ImageMetadata(
        format="dicom",
        modality=_code_string(ds, "Modality"),
        body_part=_code_string(ds, "BodyPartExamined"),
        view_position=_code_string(ds, "ViewPosition"),
        rows=rows,
        columns=cols,
        frames=frames,
        pixel_spacing_mm=(spacing[0], spacing[1]) if len(spacing) >= 2 else None,
        bits_stored=_int(ds, "BitsStored"),
        photometric_interpretation=_code_string(ds, "PhotometricInterpretation"),
        manufacturer=_code_string(ds, "Manufacturer"),
        transfer_syntax=getattr(uid, "name", str(uid)),
        extra=extra,
    )


def _check_pixels(ds: Any, meta: ImageMetadata) -> None:
    if not any(k in ds for k in _PIXEL_KEYWORDS):
        kind = meta.extra.get("sop_class") or meta.modality or "unknown"
        raise MissingPixelDataError(
            f"the DICOM file has no pixel data (object: {kind}); nothing to display",
            sop_class=str(kind),
        )
    spp = int(meta.extra.get("samples_per_pixel") or 1)
    if meta.rows <= 0 or meta.columns <= 0 or meta.frames <= 0 or spp not in (1, 3, 4):
        raise ImageDecodeError(
            "invalid image dimensions in the DICOM header",
            rows=meta.rows,
            columns=meta.columns,
            frames=meta.frames,
        )
    limit = get_settings().max_image_pixels
    total = meta.rows * meta.columns * meta.frames * spp
    if total > limit:
        raise DecompressionBombError(
            f"the DICOM header declares {meta.rows}x{meta.columns}x{meta.frames} frames x{spp} "
            f"samples = {total} values, above the limit of {limit} (MEDASSIST_MAX_IMAGE_PIXELS)",
            pixels=total,
            limit=limit,
        )
    bits = meta.extra.get("bits_allocated")
    if "PixelData" in ds and bits not in (1, 8, 16, 32, 64):
        raise ImageDecodeError(f"unsupported BitsAllocated={bits} in the DICOM header")
    uid = str(meta.extra.get("transfer_syntax_uid"))
    if uid in _UNCOMPRESSED and "PixelData" in ds and bits:
        expected = meta.rows * meta.columns * meta.frames * spp * bits
        expected = (expected + 7) // 8
        actual = len(ds.PixelData) if ds.PixelData is not None else 0
        if actual < expected:
            raise ImageDecodeError(
                f"the pixel data is truncated ({actual} of {expected} bytes)",
                expected=expected,
                actual=actual,
            )


def _check_decoder(meta: ImageMetadata) -> None:
    from pydicom.pixels import get_decoder

    uid = str(meta.extra.get("transfer_syntax_uid"))
    if uid in _UNCOMPRESSED:
        return
    try:
        decoder = get_decoder(uid)
    except NotImplementedError as exc:
        raise ImageDecodeError(
            f"no decoder exists for the transfer syntax {meta.transfer_syntax}", transfer_syntax=uid
        ) from exc
    if not decoder.is_available:
        package = OPTIONAL_PLUGINS.get(uid, "python-gdcm (pip install 'medassist[gdcm]')")
        raise ImageDecodeError(
            f"the transfer syntax {meta.transfer_syntax} needs a decoder that is not installed: "
            f"install {package}",
            transfer_syntax=uid,
            missing=package,
        )


def _decode_frame(ds: Any, meta: ImageMetadata, index: int) -> np.ndarray:
    from pydicom.pixels import pixel_array

    uid = str(meta.extra.get("transfer_syntax_uid"))
    with _silenced():
        try:
            arr = pixel_array(ds, index=index if meta.frames > 1 else None)
        except MemoryError as exc:
            raise DecompressionBombError("the pixel data is too large to decode") from exc
        except Exception as exc:
            hint = ""
            if uid in OPTIONAL_PLUGINS and ("support" in str(exc) or "plugin" in str(exc)):
                hint = f": install {OPTIONAL_PLUGINS[uid]}"
            raise ImageDecodeError(
                f"could not decode the {meta.transfer_syntax} pixel data ({type(exc).__name__}){hint}",
                transfer_syntax=uid,
            ) from exc
    if arr.ndim == 3 and meta.frames > 1 and int(meta.extra.get("samples_per_pixel") or 1) == 1:
        arr = arr[0]
    return arr


def _functional_group_item(ds: Any, index: int, sequence: str) -> Any:
    """The first item of ``sequence`` for frame ``index``: per-frame first, then shared."""
    with _silenced():
        try:
            per_frame = ds.get("PerFrameFunctionalGroupsSequence")
            if per_frame is not None and index < len(per_frame) and sequence in per_frame[index]:
                items = per_frame[index][sequence]
                if len(items.value):
                    return items.value[0]
            shared = ds.get("SharedFunctionalGroupsSequence")
            if shared is not None and len(shared) and sequence in shared[0]:
                items = shared[0][sequence]
                if len(items.value):
                    return items.value[0]
        except Exception:
            return None
    return None


def _frame_rescale(ds: Any, index: int) -> tuple[float, float] | None:
    """Rescale slope/intercept of an enhanced multi-frame image (Pixel Value Transformation)."""
    item = _functional_group_item(ds, index, "PixelValueTransformationSequence")
    if item is None:
        return None
    slope = _floats(item.get("RescaleSlope")) or [1.0]
    intercept = _floats(item.get("RescaleIntercept")) or [0.0]
    return slope[0], intercept[0]


def _frame_window(ds: Any, index: int) -> tuple[float, float] | None:
    """Window of an enhanced multi-frame image (Frame VOI LUT functional group)."""
    item = _functional_group_item(ds, index, "FrameVOILUTSequence")
    if item is None:
        return None
    centres, widths = _floats(item.get("WindowCenter")), _floats(item.get("WindowWidth"))
    if centres and widths and widths[0] > 0:
        return centres[0], widths[0]
    return None


def _voi_function(ds: Any) -> str:
    return (_code_string(ds, "VOILUTFunction") or "LINEAR").upper()


def _display_monochrome(
    ds: Any, values: np.ndarray, meta: ImageMetadata, window: tuple[float, float] | None
) -> tuple[np.ndarray, tuple[float, float] | None, str]:
    """Window ``values`` (modality units) into [0, 1]; returns (display, window, source)."""
    if window is not None:
        centre, width = float(window[0]), float(window[1])
        if not width > 0:
            raise ImageDecodeError("the window width must be positive", width=width)
        return window_linear(values, centre, width), (centre, width), "caller"
    if "VOILUTSequence" in ds:
        from pydicom.pixels import apply_voi

        with _silenced():
            try:
                item = ds.VOILUTSequence[0]
                out = apply_voi(values, ds, index=0).astype(np.float32)
                nbits = int(item.LUTDescriptor[2]) if "LUTDescriptor" in item else 16
                top = float(2**nbits - 1) if nbits > 0 else float(out.max() or 1)
                return np.clip(out / top, 0, 1).astype(np.float32), None, "file_voi_lut"
            except Exception:
                _log.info("VOI LUT sequence unusable; falling back to window or preset")
    centres, widths = _floats(_get(ds, "WindowCenter")), _floats(_get(ds, "WindowWidth"))
    if centres and widths and widths[0] > 0:
        centre, width = centres[0], widths[0]
        return window_linear(values, centre, width, _voi_function(ds)), (centre, width), "file"
    preset = preset_window(meta.modality, meta.body_part)
    if preset is not None:
        return window_linear(values, *preset), preset, "preset"
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi <= lo:
        return np.zeros(values.shape, np.float32), None, "minmax"
    return ((values - lo) / (hi - lo)).astype(np.float32), ((lo + hi) / 2, hi - lo), "minmax"


def _display_colour(ds: Any, arr: np.ndarray, meta: ImageMetadata) -> np.ndarray:
    photometric = (meta.photometric_interpretation or "").upper()
    if photometric == "PALETTE COLOR":
        from pydicom.pixels import apply_color_lut

        with _silenced():
            try:
                rgb = apply_color_lut(arr, ds)
            except Exception as exc:
                raise ImageDecodeError(
                    f"invalid palette colour lookup table ({type(exc).__name__})"
                ) from exc
        top = 255.0 if rgb.dtype == np.uint8 else 65535.0
        return (rgb[..., :3].astype(np.float32) / top).clip(0, 1)
    bits = int(meta.bits_stored or meta.extra.get("bits_allocated") or 8)
    top = float(2 ** min(bits, 32) - 1)
    return (arr[..., :3].astype(np.float32) / top).clip(0, 1)


def load_dicom(
    data: bytes,
    *,
    sha256: str,
    window: tuple[float, float] | None = None,
    frame: int | None = None,
) -> LoadedImage:
    """Decode DICOM bytes into a :class:`LoadedImage` (the middle frame of a multi-frame)."""
    ds = read_dataset(data)
    with _silenced():
        meta = dicom_metadata(ds)
        _check_pixels(ds, meta)
    _check_decoder(meta)
    index = meta.frames // 2 if frame is None else int(frame)
    if not 0 <= index < meta.frames:
        raise ImageDecodeError(f"frame {index} out of range (the file has {meta.frames})")
    arr = _decode_frame(ds, meta, index)
    photometric = (meta.photometric_interpretation or "").upper()
    extra = dict(meta.extra)
    extra["frame_index"] = index
    modality_values: np.ndarray | None = None
    if arr.ndim == 3 or photometric == "PALETTE COLOR":
        display = _display_colour(ds, arr, meta)
        applied = None
        extra["window_source"] = "none"
    else:
        from pydicom.pixels import apply_modality_lut

        group_rescale = None
        if "RescaleSlope" not in ds and "ModalityLUTSequence" not in ds:
            group_rescale = _frame_rescale(ds, index)
        with _silenced():
            try:
                if group_rescale is not None:  # enhanced multi-frame: functional groups
                    slope, intercept = group_rescale
                    values = arr.astype(np.float32) * np.float32(slope) + np.float32(intercept)
                    extra["rescale_source"] = "functional_groups"
                else:
                    values = apply_modality_lut(arr, ds)
            except Exception as exc:
                raise ImageDecodeError(f"invalid modality LUT ({type(exc).__name__})") from exc
        modality_values = np.asarray(values, dtype=np.float32)
        if (meta.modality or "").upper() == "CT" and (
            "RescaleSlope" in ds or "RescaleIntercept" in ds or group_rescale is not None
        ):
            extra["units"] = "HU"
        if window is None and "WindowCenter" not in ds and "VOILUTSequence" not in ds:
            window_fg = _frame_window(ds, index)
            if window_fg is not None:
                display = window_linear(modality_values, *window_fg)
                display, applied, source = display, window_fg, "functional_groups"
            else:
                display, applied, source = _display_monochrome(ds, modality_values, meta, None)
        else:
            display, applied, source = _display_monochrome(ds, modality_values, meta, window)
        extra["window_source"] = source
        if photometric == "MONOCHROME1":
            display = 1.0 - display
            extra["inverted"] = True
    display = np.ascontiguousarray(display, dtype=np.float32)
    meta = meta.model_copy(update={"window": applied, "extra": extra})
    _log.info(
        "decoded dicom rows=%d cols=%d frames=%d ts=%s",
        meta.rows,
        meta.columns,
        meta.frames,
        meta.transfer_syntax,
    )
    return LoadedImage(
        display=display, metadata=meta, sha256=sha256, modality_values=modality_values
    )
