"""Type sniffing, sources (path/bytes/file), size limits and hostile inputs."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import pytest

from medassist.errors import (
    DecompressionBombError,
    ImageDecodeError,
    InputError,
    InputTooLargeError,
    MissingPixelDataError,
    UnsupportedFileTypeError,
)
from medassist.imaging.io import load_image
from medassist.imaging.sniff import detect_type, sniff_format


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _tiff_header(width: int, height: int) -> bytes:
    entries = [
        (256, 4, 1, width),  # ImageWidth LONG
        (257, 4, 1, height),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # Compression none
        (262, 3, 1, 1),  # BlackIsZero
        (273, 4, 1, 8 + 2 + 12 * 8 + 4),  # StripOffsets: right after the IFD
        (278, 4, 1, height),  # RowsPerStrip
        (279, 4, 1, 16),  # StripByteCounts
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        ifd += struct.pack("<HHII", tag, typ, count, value)
    ifd += struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00" * 16


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x00" * 128 + b"DICM" + b"\x02\x00", "dicom"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 8, "png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 8, "jpeg"),
        (b"II*\x00" + b"\x00" * 8, "tiff"),
        (b"MM\x00*" + b"\x00" * 8, "tiff"),
        (b"GIF89a" + b"\x00" * 8, "gif"),
        (b"%PDF-1.7\n", "pdf"),
        (b"PK\x03\x04rest", "zip"),
        (b"hello, this is a clinical note\n", "text"),
        (b"\x08\x00\x05\x00CS\x0a\x00ISO_IR 100", "dicom"),  # no preamble, explicit VR LE
        (b"\x00\x08\x00\x05CS\x00\x0aISO_IR 100", "dicom"),  # no preamble, explicit VR BE
        (b"\x01\x02\x03\x04\x05\x06\x07\x08\x09", "unknown"),
    ],
)
def test_detect_type_from_magic(head: bytes, expected: str) -> None:
    assert detect_type(head) == expected


def test_extension_is_ignored(tmp_path, testfile, png_bytes) -> None:
    import numpy as np

    png_named_dcm = tmp_path / "image.dcm"
    png_named_dcm.write_bytes(png_bytes(np.linspace(0, 1, 64 * 64).reshape(64, 64)))
    assert load_image(png_named_dcm).metadata.format == "png"
    dicom_named_png = tmp_path / "scan.png"
    dicom_named_png.write_bytes(Path(testfile("CT_small.dcm")).read_bytes())
    assert load_image(dicom_named_png).metadata.format == "dicom"
    assert sniff_format(b"GIF89a") is None


def test_sources_path_bytes_filelike(testfile) -> None:
    path = testfile("MR_small.dcm")
    data = Path(path).read_bytes()
    a = load_image(path)
    b = load_image(data)
    c = load_image(io.BytesIO(data))
    assert a.sha256 == b.sha256 == c.sha256
    assert (a.display == b.display).all() and (a.display == c.display).all()


def test_zero_length(tmp_path) -> None:
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_image(empty)
    with pytest.raises(InputError):
        load_image(b"")


def test_missing_file_and_bad_source(tmp_path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(InputError):
        load_image(12345)
    with pytest.raises(InputError):
        load_image(tmp_path)


@pytest.mark.parametrize(
    ("payload", "detected"),
    [
        (b"GIF89a" + b"\x00" * 200, "gif"),
        (b"%PDF-1.4 fake", "pdf"),
        (b"just some text\n" * 20, "text"),
    ],
)
def test_wrong_magic_names_detected_type(payload: bytes, detected: str) -> None:
    with pytest.raises(UnsupportedFileTypeError) as info:
        load_image(payload)
    assert info.value.context["detected"] == detected
    assert detected in info.value.message


def test_file_too_large(limits, testfile) -> None:
    limits(max_image_bytes=1000)
    with pytest.raises(InputTooLargeError):
        load_image(testfile("CT_small.dcm"))
    with open(testfile("CT_small.dcm"), "rb") as fh, pytest.raises(InputTooLargeError):
        load_image(fh)


def test_png_header_100k_is_a_bomb_and_fast() -> None:
    t0 = time.perf_counter()
    with pytest.raises(DecompressionBombError):
        load_image(_png_header(100_000, 100_000))
    assert time.perf_counter() - t0 < 1.0


def test_png_under_pillow_limit_but_over_settings(limits) -> None:
    limits(max_image_pixels=1_000_000)
    with pytest.raises(DecompressionBombError, match="MEDASSIST_MAX_IMAGE_PIXELS"):
        load_image(_png_header(2000, 2000))


def test_tiff_header_100k_is_a_bomb_and_fast() -> None:
    t0 = time.perf_counter()
    with pytest.raises(DecompressionBombError):
        load_image(_tiff_header(100_000, 100_000))
    assert time.perf_counter() - t0 < 1.0


def test_truncated_png_and_jpeg(testfile) -> None:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    im = Image.fromarray(rng.integers(0, 255, (256, 256), dtype=np.uint8))
    for fmt in ("PNG", "JPEG"):
        buf = io.BytesIO()
        im.save(buf, format=fmt)
        data = buf.getvalue()
        with pytest.raises(ImageDecodeError):
            load_image(data[: len(data) // 2])


def _dicom_bytes(ds) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def test_dicom_header_declaring_huge_image_is_a_bomb(testfile) -> None:
    import pydicom

    ds = pydicom.dcmread(testfile("CT_small.dcm"))
    ds.Rows = 65535
    ds.Columns = 65535
    t0 = time.perf_counter()
    with pytest.raises(DecompressionBombError):
        load_image(_dicom_bytes(ds))
    ds = pydicom.dcmread(testfile("CT_small.dcm"))
    ds.NumberOfFrames = 100_000
    with pytest.raises(DecompressionBombError):
        load_image(_dicom_bytes(ds))
    assert time.perf_counter() - t0 < 2.0


def test_dicom_huge_declared_element_length_fails_cleanly(testfile) -> None:
    data = bytearray(Path(testfile("CT_small.dcm")).read_bytes())
    # corrupt the length of the first element after the file meta to 0xFFFFFFF0
    idx = data.find(b"\x08\x00\x08\x00")  # (0008,0008) ImageType
    assert idx > 0
    data[idx + 6 : idx + 8] = b"\xf0\xff"
    t0 = time.perf_counter()
    with pytest.raises((ImageDecodeError, MissingPixelDataError)):
        load_image(bytes(data))
    assert time.perf_counter() - t0 < 2.0


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_dicom(testfile, fraction: float) -> None:
    data = Path(testfile("CT_small.dcm")).read_bytes()
    with pytest.raises((ImageDecodeError, MissingPixelDataError)):
        load_image(data[: int(len(data) * fraction)])


def test_dicm_magic_with_garbage() -> None:
    with pytest.raises(ImageDecodeError):
        load_image(b"\x00" * 128 + b"DICM" + b"\xff" * 300)
