"""DICOM decoding: transfer syntaxes against their uncompressed twins, LUTs, colour, frames."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import numpy as np
import pydicom
import pytest

from medassist.errors import ImageDecodeError, MissingPixelDataError
from medassist.imaging.io import load_image


@pytest.mark.parametrize(
    "compressed", ["MR_small_RLE.dcm", "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm"]
)
def test_lossless_syntaxes_match_uncompressed_twin(testfile, compressed: str) -> None:
    ref = load_image(testfile("MR_small.dcm"))
    got = load_image(testfile(compressed))
    assert got.metadata.transfer_syntax != ref.metadata.transfer_syntax
    np.testing.assert_array_equal(got.modality_values, ref.modality_values)
    np.testing.assert_array_equal(got.display, ref.display)


@pytest.mark.parametrize(
    "variant", ["MR_small_bigendian.dcm", "MR_small_implicit.dcm", "MR_small_expb.dcm"]
)
def test_uncompressed_variants_match(testfile, variant: str) -> None:
    ref = load_image(testfile("MR_small.dcm"))
    np.testing.assert_array_equal(
        load_image(testfile(variant)).modality_values, ref.modality_values
    )


@pytest.mark.parametrize(
    ("compressed", "tolerance"),
    [
        ("SC_rgb_jpeg_dcmtk.dcm", 0.06),
        ("SC_rgb_dcmtk_+eb+cr.dcm", 0.06),
        ("SC_rgb_gdcm_KY.dcm", 0.0),
    ],
)
def test_colour_syntaxes_match_rle_twin(testfile, compressed: str, tolerance: float) -> None:
    ref = load_image(testfile("SC_rgb_rle.dcm"))
    got = load_image(testfile(compressed))
    assert got.display.shape == ref.display.shape == (100, 100, 3)
    assert float(np.abs(got.display - ref.display).mean()) <= tolerance + 1e-6
    assert got.modality_values is None


def test_jpeg2000_lossy_ct_in_hu(testfile) -> None:
    im = load_image(testfile("693_J2KI.dcm"))
    assert im.metadata.modality == "CT"
    assert im.metadata.extra["units"] == "HU"
    assert im.modality_values is not None
    hu = im.modality_values
    assert np.mean((hu > -1100) & (hu < -900)) > 0.01  # air inside the field of view
    assert np.mean((hu > -100) & (hu < 100)) > 0.05  # soft tissue / brain
    assert im.metadata.window == (40.0, 100.0)
    assert im.metadata.extra["window_source"] == "file"


def test_ct_rescale_to_hu_and_preset_window(testfile) -> None:
    ds = pydicom.dcmread(testfile("CT_small.dcm"))
    im = load_image(testfile("CT_small.dcm"))
    expected = ds.pixel_array.astype(np.float32) * float(ds.RescaleSlope) + float(
        ds.RescaleIntercept
    )
    np.testing.assert_allclose(im.modality_values, expected)
    assert im.metadata.extra["window_source"] == "preset"
    assert im.metadata.window == (40.0, 400.0)
    lo, hi = 40 - 200, 40 + 200
    assert np.all(im.display[expected <= lo - 1] == 0.0)
    assert np.all(im.display[expected >= hi + 1] == 1.0)


def test_explicit_window_overrides_file(testfile) -> None:
    im = load_image(testfile("693_J2KI.dcm"), window=(-600, 1500))
    assert im.metadata.window == (-600.0, 1500.0)
    assert im.metadata.extra["window_source"] == "caller"
    default = load_image(testfile("693_J2KI.dcm"))
    assert not np.array_equal(im.display, default.display)
    with pytest.raises(ImageDecodeError):
        load_image(testfile("693_J2KI.dcm"), window=(40, 0))


def test_monochrome1_is_inverted(testfile) -> None:
    from pydicom.data import get_testdata_files

    paths = [p for p in get_testdata_files("**/*") if p.endswith("6154")]
    if not paths:
        pytest.skip("MONOCHROME1 test file absent")
    ds = pydicom.dcmread(paths[0])
    assert ds.PhotometricInterpretation == "MONOCHROME1"
    inv = load_image(paths[0])
    ds.PhotometricInterpretation = "MONOCHROME2"
    buf = io.BytesIO()
    ds.save_as(buf)
    normal = load_image(buf.getvalue())
    assert inv.metadata.extra.get("inverted") is True
    np.testing.assert_allclose(inv.display, 1.0 - normal.display, atol=1e-6)


def test_multi_frame_middle_frame(testfile) -> None:
    path = testfile("examples_ybr_color.dcm")
    im = load_image(path)
    assert im.metadata.frames == 30
    assert im.metadata.extra["frame_index"] == 15
    ds = pydicom.dcmread(path)
    from pydicom.pixels import pixel_array

    expected = pixel_array(ds, index=15).astype(np.float32) / 255.0
    np.testing.assert_allclose(im.display, expected, atol=1e-6)
    first = load_image(path, frame=0)
    assert first.metadata.extra["frame_index"] == 0
    with pytest.raises(ImageDecodeError):
        load_image(path, frame=30)


def test_multi_frame_monochrome(testfile) -> None:
    im = load_image(testfile("rtdose.dcm"))
    assert im.metadata.frames == 15 and im.metadata.extra["frame_index"] == 7
    assert im.display.shape == (10, 10)


def test_palette_colour(testfile) -> None:
    im = load_image(testfile("examples_palette.dcm"))
    assert im.metadata.photometric_interpretation == "PALETTE COLOR"
    assert im.display.shape == (350, 800, 3)
    assert float(im.display.min()) >= 0.0 and float(im.display.max()) <= 1.0
    # the palette maps grey indices to colours: channels must differ somewhere
    assert float(np.abs(im.display[..., 0] - im.display[..., 2]).max()) > 0.1


def test_rgb_16bit_rle(testfile) -> None:
    im = load_image(testfile("SC_rgb_rle_16bit.dcm"))
    ref = load_image(testfile("SC_rgb_rle.dcm"))
    np.testing.assert_allclose(im.display, ref.display, atol=1 / 255)


def test_missing_plugin_names_package(testfile) -> None:
    with pytest.raises(ImageDecodeError) as info:
        load_image(testfile("SC_rgb_jpeg_gdcm.dcm"))  # JPEG Lossless SV1
    assert "python-gdcm" in info.value.message
    assert "JPEG Lossless" in info.value.message


def test_12bit_jpeg_extended_needs_plugin(testfile) -> None:
    with pytest.raises(ImageDecodeError, match="python-gdcm"):
        load_image(testfile("JPGExtended.dcm"))


@pytest.mark.parametrize(
    "name", ["rtplan.dcm", "rtstruct.dcm", "test-SR.dcm", "ExplVR_LitEndNoMeta.dcm"]
)
def test_no_pixel_data(testfile, name: str) -> None:
    with pytest.raises(MissingPixelDataError, match="no pixel data"):
        load_image(testfile(name))


def test_truncated_pixel_data(testfile) -> None:
    with pytest.raises(ImageDecodeError, match="truncated"):
        load_image(testfile("MR_truncated.dcm"))


def test_metadata_fields(testfile) -> None:
    meta = load_image(testfile("CT_small.dcm")).metadata
    assert meta.format == "dicom"
    assert meta.modality == "CT"
    assert (meta.rows, meta.columns, meta.frames) == (128, 128, 1)
    assert meta.pixel_spacing_mm == pytest.approx((0.661468, 0.661468))
    assert meta.bits_stored == 16
    assert meta.photometric_interpretation == "MONOCHROME2"
    assert meta.manufacturer == "GE MEDICAL SYSTEMS"
    assert meta.transfer_syntax == "Explicit VR Little Endian"
    overlay = load_image(testfile("examples_overlay.dcm")).metadata
    assert overlay.body_part == "ABDOMEN"


_IDENTIFYING = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientAddress", "InstitutionName",
    "InstitutionAddress", "AccessionNumber", "ReferringPhysicianName", "PerformingPhysicianName",
    "OperatorsName", "StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate", "StudyTime",
    "StudyID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "StationName",
    "DeviceSerialNumber", "OtherPatientIDs", "PatientAge", "StudyDescription",
)  # fmt: skip


def _identifying_values(path: str) -> list[str]:
    ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
    values = []
    for kw in _IDENTIFYING:
        v = ds.get(kw)
        if v is not None and str(v).strip() and len(str(v).strip()) >= 4:
            values.append(str(v).strip())
    return values


@pytest.mark.parametrize(
    "name",
    [
        "CT_small.dcm",
        "MR_small.dcm",
        "examples_overlay.dcm",
        "JPEG2000.dcm",
        "examples_ybr_color.dcm",
    ],
)
def test_identifying_values_never_in_metadata_or_logs(testfile, caplog, name: str) -> None:
    path = testfile(name)
    secrets = _identifying_values(path)
    assert secrets, "the test file should carry identifying values"
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="pydicom")
    im = load_image(path)
    dumped = im.metadata.model_dump_json(exclude={"manufacturer"})
    for value in secrets:
        assert value not in dumped
        assert value not in caplog.text
    assert any("medassist" in r.name for r in caplog.records)  # logging did happen


def test_pydicom_warnings_quoting_values_are_not_logged(testfile, caplog) -> None:
    """badVR.dcm has NumberOfFrames '1A': pydicom logs a warning quoting the value."""
    path = testfile("badVR.dcm")
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="pydicom")
    pydicom.dcmread(path).get("NumberOfFrames")  # pydicom itself, outside medassist
    assert "'1A'" in caplog.text
    caplog.clear()
    with pytest.raises(ImageDecodeError, match="NumberOfFrames"):
        load_image(path)
    assert "'1A'" not in caplog.text
    assert not any(r.name.startswith("pydicom") for r in caplog.records)


def _save(ds) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf)
    return buf.getvalue()


def test_voi_lut_sequence_is_applied(testfile) -> None:
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    ds = pydicom.dcmread(testfile("MR_small.dcm"))
    del ds.WindowCenter, ds.WindowWidth
    item = Dataset()
    first = int(ds.pixel_array.min())
    n = int(ds.pixel_array.max()) - first + 1
    item.add_new(0x00283002, "US", [n, first, 16])  # LUTDescriptor: 16-bit entries
    ramp_values = [(i * 65535) // max(n - 1, 1) for i in range(n)]  # a linear ramp
    item.add_new(0x00283006, "US", ramp_values)  # LUTData
    ds.VOILUTSequence = Sequence([item])
    im = load_image(_save(ds))
    assert im.metadata.extra["window_source"] == "file_voi_lut"
    ramp = (ds.pixel_array.astype(np.float32) - first) / (n - 1)
    np.testing.assert_allclose(im.display, ramp, atol=1e-4)


def test_sigmoid_voi_function(testfile) -> None:
    ds = pydicom.dcmread(testfile("MR_small.dcm"))
    ds.VOILUTFunction = "SIGMOID"
    im = load_image(_save(ds))
    x = ds.pixel_array.astype(np.float32)
    expected = 1 / (1 + np.exp(-4 * (x - 600) / 1600))
    np.testing.assert_allclose(im.display, expected, atol=1e-5)


def test_dicom_without_preamble_is_read(testfile) -> None:
    """A bare data set (no preamble, no file meta) is sniffed and read with force."""
    data = Path(testfile("MR_small.dcm")).read_bytes()
    assert data[128:132] == b"DICM" and data[132:136] == b"\x02\x00\x00\x00"
    meta_length = int.from_bytes(data[140:144], "little")  # (0002,0000) UL group length
    bare = data[144 + meta_length :]
    assert bare[:2] == b"\x08\x00"
    im = load_image(bare)
    ref = load_image(testfile("MR_small.dcm"))
    np.testing.assert_array_equal(im.modality_values, ref.modality_values)
    assert im.metadata.transfer_syntax == "Explicit VR Little Endian"


@pytest.mark.parametrize(
    ("name", "lossy"),
    [
        ("JPEGLSNearLossless_16.dcm", True),
        ("MR_small_jpeg_ls_lossless.dcm", False),
        ("693_J2KI.dcm", True),
        ("MR_small_jp2klossless.dcm", False),
        ("MR_small_RLE.dcm", False),
        ("MR_small.dcm", False),
    ],
)
def test_lossy_flag(testfile, name: str, lossy: bool) -> None:
    assert load_image(testfile(name)).metadata.extra.get("lossy_compression", False) is lossy


def test_enhanced_multiframe_functional_groups(testfile) -> None:
    """Rescale and window from Shared/Per-frame Functional Groups (enhanced CT/MR)."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    ds = pydicom.dcmread(testfile("MR_small.dcm"))
    raw = ds.pixel_array.astype(np.float32)
    del ds.WindowCenter, ds.WindowWidth
    transform = Dataset()
    transform.RescaleSlope = 2
    transform.RescaleIntercept = -100
    voi = Dataset()
    voi.WindowCenter = 1000
    voi.WindowWidth = 2000
    measures = Dataset()
    measures.PixelSpacing = [0.5, 0.6]
    del ds.PixelSpacing
    shared = Dataset()
    shared.PixelMeasuresSequence = Sequence([measures])
    shared.PixelValueTransformationSequence = Sequence([transform])
    shared.FrameVOILUTSequence = Sequence([voi])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    im = load_image(_save(ds))
    np.testing.assert_allclose(im.modality_values, raw * 2 - 100)
    assert im.metadata.window == (1000.0, 2000.0)
    assert im.metadata.extra["window_source"] == "functional_groups"
    assert im.metadata.extra["rescale_source"] == "functional_groups"
    assert im.metadata.pixel_spacing_mm == (0.5, 0.6)
