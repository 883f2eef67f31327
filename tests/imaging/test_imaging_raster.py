"""PNG, JPEG and TIFF (8 and 16 bit) made from the DICOM test images."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from medassist.imaging.io import load_image


@pytest.fixture
def gray(testfile) -> np.ndarray:
    return load_image(testfile("examples_overlay.dcm")).display


def _save(array: np.ndarray, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format=fmt, **kw)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_8bit_grey_roundtrip(gray: np.ndarray, fmt: str) -> None:
    u8 = np.round(gray * 255).astype(np.uint8)
    im = load_image(_save(u8, fmt))
    assert im.metadata.format == fmt.lower()
    assert im.metadata.bits_stored == 8
    assert (im.metadata.rows, im.metadata.columns) == gray.shape
    np.testing.assert_allclose(im.display, u8 / 255.0, atol=1e-6)
    assert im.modality_values is None


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_16bit_grey_roundtrip(gray: np.ndarray, fmt: str) -> None:
    u16 = np.round(gray * 65535).astype(np.uint16)
    im = load_image(_save(u16, fmt))
    assert im.metadata.bits_stored == 16
    np.testing.assert_allclose(im.display, u16 / 65535.0, atol=1e-6)


def test_jpeg_grey_close(gray: np.ndarray) -> None:
    u8 = np.round(gray * 255).astype(np.uint8)
    im = load_image(_save(u8, "JPEG", quality=95))
    assert im.metadata.format == "jpeg"
    assert im.metadata.extra["lossy_compression"] is True
    assert float(np.abs(im.display - u8 / 255.0).mean()) < 0.01


def test_rgb_png_and_jpeg(testfile) -> None:
    rgb = load_image(testfile("examples_rgb_color.dcm")).display
    u8 = np.round(rgb * 255).astype(np.uint8)
    png = load_image(_save(u8, "PNG"))
    assert png.display.shape == rgb.shape
    np.testing.assert_allclose(png.display, u8 / 255.0, atol=1e-6)
    jpg = load_image(_save(u8, "JPEG", quality=95))
    assert float(np.abs(jpg.display - u8 / 255.0).mean()) < 0.02
    assert png.metadata.photometric_interpretation == "RGB"


def test_palette_and_rgba_png() -> None:
    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 255, (32, 48, 4), dtype=np.uint8)
    im = load_image(_save(rgba, "PNG"))
    assert im.display.shape == (32, 48, 3)
    pal = Image.fromarray(rgba[..., :3]).convert("P")
    buf = io.BytesIO()
    pal.save(buf, format="PNG")
    assert load_image(buf.getvalue()).display.shape == (32, 48, 3)


def test_multipage_tiff_middle_page() -> None:
    pages = [Image.fromarray(np.full((16, 16), v, np.uint8)) for v in (10, 20, 30, 40, 50)]
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])
    im = load_image(buf.getvalue())
    assert im.metadata.frames == 5 and im.metadata.extra["frame_index"] == 2
    assert float(im.display.mean()) == pytest.approx(30 / 255)


def test_exif_is_not_returned() -> None:
    arr = np.full((64, 64, 3), 128, np.uint8)
    exif = Image.Exif()
    exif[0x010E] = "Patient Jane Roe 1970-01-01"  # ImageDescription
    exif[0x013B] = "Dr Who"  # Artist
    data = _save(arr, "JPEG", exif=exif.tobytes())
    dumped = load_image(data).metadata.model_dump_json()
    assert "Jane" not in dumped and "Who" not in dumped
