"""PS3.15 Annex E basic profile on pydicom's test files: no identifying value survives."""

from __future__ import annotations

import io
import logging

import numpy as np
import pydicom
import pytest

from medassist.errors import UnsupportedFileTypeError
from medassist.imaging.deidentify import deidentify, profile_rules

FILES = [
    "CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "rtstruct.dcm", "test-SR.dcm", "reportsi.dcm",
    "examples_overlay.dcm", "examples_ybr_color.dcm", "JPEG2000.dcm", "693_J2KI.dcm",
    "ExplVR_BigEndNoMeta.dcm", "MR_small_jp2klossless.dcm",
]  # fmt: skip


def _walk_values(ds) -> list[tuple[int, str, str]]:
    out = []
    for elem in ds.iterall():
        if elem.VR in ("SQ", "OB", "OW", "OF", "OD", "OL", "OV", "UN"):
            continue
        out.append((int(elem.tag), elem.VR, str(elem.value)))
    return out


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _sensitive(ds) -> set[str]:
    """Every non-trivial value of a profile attribute or a private tag, anywhere in the file."""
    rules = profile_rules()
    values: set[str] = set()
    for elem in ds.iterall():
        tag = int(elem.tag)
        if (tag in rules and rules[tag][1] != "K") or elem.tag.is_private:
            if elem.VR in ("SQ", "OB", "OW", "UN", "US", "SS", "UL", "SL", "FL", "FD"):
                continue
            for v in elem.value if elem.VM > 1 else [elem.value]:
                text = str(v).strip()
                if (
                    len(text) >= 6
                    and text not in ("ANONYMOUS", "ANONYMIZED")
                    and not _numeric(text)
                ):
                    values.add(text)
    return values


@pytest.mark.parametrize("name", FILES)
def test_no_identifying_value_survives(testfile, name: str, caplog) -> None:
    path = testfile(name)
    original = pydicom.dcmread(path, force=True)
    secrets = _sensitive(original)
    out = io.BytesIO()
    caplog.set_level(logging.DEBUG)
    summary = deidentify(path, out)
    data = out.getvalue()
    clean = pydicom.dcmread(io.BytesIO(data), force=True)
    assert clean.PatientIdentityRemoved == "YES"
    assert "Annex E" in clean.DeidentificationMethod
    assert clean.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    survivors = {s for s in secrets if s.encode("latin-1", "ignore") in data}
    # the same value may legitimately remain under a kept attribute (e.g. a manufacturer
    # name equal to a station name): check no profile attribute still holds it
    rules = profile_rules()
    for elem in clean.iterall():
        tag = int(elem.tag)
        assert not elem.tag.is_private
        if tag in rules and elem.VR != "SQ" and elem.value not in (None, "", []):
            action = rules[tag][1]
            assert action in ("D", "U"), (name, elem.keyword)
            if action == "D":
                assert str(elem.value) in (
                    "ANONYMOUS",
                    "ANONYMIZED",
                    "19000101",
                    "000000",
                    "19000101000000",
                    "000Y",
                    "0",
                )
    meta = list(clean.file_meta.iterall()) if hasattr(clean, "file_meta") else []
    kept = {
        str(e.value).strip()
        for e in [*clean.iterall(), *meta]
        if int(e.tag) not in rules and e.VR not in ("SQ",)
    }
    unexplained = {s for s in survivors if not any(s in k for k in kept)}
    assert not unexplained, unexplained
    for key in ("PatientName", "PatientID", "PatientBirthDate"):
        if key in original:
            assert str(clean.get(key) or "") == ""
    for secret in secrets:
        assert secret not in caplog.text
    assert summary.uids_replaced >= 1


def test_uids_replaced_consistently(testfile) -> None:
    a, b = io.BytesIO(), io.BytesIO()
    deidentify(testfile("MR_small.dcm"), a, uid_salt="study-secret")
    deidentify(testfile("MR_small_jp2klossless.dcm"), b, uid_salt="study-secret")
    da, db = pydicom.dcmread(io.BytesIO(a.getvalue())), pydicom.dcmread(io.BytesIO(b.getvalue()))
    orig = pydicom.dcmread(testfile("MR_small.dcm"))
    assert da.StudyInstanceUID != orig.StudyInstanceUID
    # same original UIDs -> same new UIDs (MR_small and its JP2K twin share them)
    twin = pydicom.dcmread(testfile("MR_small_jp2klossless.dcm"))
    if twin.StudyInstanceUID == orig.StudyInstanceUID:
        assert da.StudyInstanceUID == db.StudyInstanceUID
    assert da.file_meta.MediaStorageSOPInstanceUID == da.SOPInstanceUID
    c = io.BytesIO()
    deidentify(testfile("MR_small.dcm"), c, uid_salt="other-secret")
    assert pydicom.dcmread(io.BytesIO(c.getvalue())).StudyInstanceUID != da.StudyInstanceUID


def test_pixels_unchanged_and_still_loadable(testfile, tmp_path) -> None:
    from medassist.imaging.io import load_image

    dst = tmp_path / "anon.dcm"
    deidentify(testfile("CT_small.dcm"), dst)
    np.testing.assert_array_equal(
        load_image(dst).modality_values, load_image(testfile("CT_small.dcm")).modality_values
    )


def test_burned_in_warning_and_nested_sequences(testfile) -> None:
    out = io.BytesIO()
    summary = deidentify(testfile("examples_ybr_color.dcm"), out)
    assert any("burned-in" in w for w in summary.warnings)
    sr = io.BytesIO()
    deidentify(testfile("test-SR.dcm"), sr)
    clean = pydicom.dcmread(io.BytesIO(sr.getvalue()))
    assert "ContentSequence" not in clean  # X: may hold names and findings
    assert "VerifyingObserverSequence" not in clean


def test_not_dicom_is_refused(png_bytes, tmp_path) -> None:
    with pytest.raises(UnsupportedFileTypeError):
        deidentify(png_bytes(np.zeros((8, 8))), tmp_path / "x.dcm")
