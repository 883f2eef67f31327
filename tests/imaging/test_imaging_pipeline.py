"""run_image_pipeline / medassist.analyze_image end to end (no model weights needed)."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import medassist
from medassist.errors import DecompressionBombError, MissingPixelDataError, UnsupportedFileTypeError
from medassist.pipelines.image import run_image_pipeline
from medassist.schemas.imaging import ImageAnalysis


def test_dicom_path_bytes_and_file_give_the_same_report(testfile) -> None:
    path = testfile("693_J2KI.dcm")
    data = Path(path).read_bytes()
    reports = [
        run_image_pipeline(path),
        run_image_pipeline(data),
        run_image_pipeline(io.BytesIO(data)),
    ]
    for report in reports:
        assert isinstance(report, ImageAnalysis)
        assert report.metadata.modality == "CT"
        assert report.quality.grade == "good"
        assert report.observations == [] and report.encoder is None
        assert report.safety.audit is not None
        assert report.safety.audit.image_sha256 == hashlib.sha256(data).hexdigest()
        assert {"load", "quality"} <= set(report.safety.audit.timings_ms)
    assert reports[0].quality == reports[1].quality == reports[2].quality


def test_analyze_image_public_api_on_png(testfile, png_bytes) -> None:
    from medassist.imaging.degrade import blur
    from medassist.imaging.io import load_image

    gray = load_image(testfile("examples_overlay.dcm")).gray
    report = medassist.analyze_image(png_bytes(blur(gray)))
    assert report.metadata.format == "png"
    assert [i.code for i in report.quality.issues] == ["blurry"]
    assert report.quality.grade == "poor"
    assert any(n.code == "poor_quality" for n in report.safety.notices)


def test_explicit_window_option(testfile) -> None:
    report = medassist.analyze_image(testfile("693_J2KI.dcm"), window=(-600, 1500))
    assert report.metadata.window == (-600.0, 1500.0)


def test_multi_frame_notice(testfile) -> None:
    report = run_image_pipeline(testfile("examples_ybr_color.dcm"))
    assert report.metadata.frames == 30
    assert any(n.code == "multi_frame" for n in report.notices)


def test_blank_image_report(png_bytes) -> None:
    report = run_image_pipeline(png_bytes(np.full((512, 512), 0.5)))
    assert [i.code for i in report.quality.issues] == ["blank"]
    assert report.safety.abstained is True


@pytest.mark.parametrize(
    ("payload", "error"),
    [(b"GIF89a" + b"\x00" * 100, UnsupportedFileTypeError)],
)
def test_errors_propagate_as_medassist_errors(payload: bytes, error: type) -> None:
    with pytest.raises(error):
        run_image_pipeline(payload)


def test_no_pixel_data_and_bomb(testfile, limits) -> None:
    with pytest.raises(MissingPixelDataError):
        run_image_pipeline(testfile("rtplan.dcm"))
    limits(max_image_pixels=1000)
    with pytest.raises(DecompressionBombError):
        run_image_pipeline(testfile("CT_small.dcm"))


def test_no_encoder_module_imported_without_an_encoder(testfile) -> None:
    code = (
        "import sys, medassist;"
        f"medassist.analyze_image({testfile('CT_small.dcm')!r});"
        "bad=[m for m in sys.modules if m.startswith(('medassist.imaging.observe','medassist.imaging.encoders','torch','onnxruntime'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    env = {k: v for k, v in os.environ.items() if k != "MEDASSIST_IMAGE_ENCODER"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


class _HistogramEncoder:
    """A tiny deterministic encoder (grey-level histogram / character trigram hashing).

    Not a medical model: it only exercises the encoder wiring of the pipeline without
    weights, which cannot be downloaded here.
    """

    def __init__(self) -> None:
        from medassist.imaging.encoders.base import ImageEncoder

        base = ImageEncoder

        class _Enc(base):  # type: ignore[misc, valid-type]
            backend = "histogram"

            def embed_images(self, images):
                out = []
                for img in images:
                    g = img if img.ndim == 2 else img.mean(axis=-1)
                    h, _ = np.histogram(g, bins=32, range=(0, 1))
                    v = h.astype(np.float32) + 1e-3
                    out.append(v / np.linalg.norm(v))
                return np.stack(out)

            def embed_texts(self, texts):
                out = []
                for t in texts:
                    v = np.zeros(32, np.float32)
                    for i in range(len(t) - 2):
                        v[int(hashlib.md5(t[i : i + 3].encode()).hexdigest(), 16) % 32] += 1
                    out.append(v / max(np.linalg.norm(v), 1e-6))
                return np.stack(out)

        self.encoder = _Enc("histogram-test", preprocessor=None)  # type: ignore[arg-type]


def test_encoder_wiring_observations_and_embedding(testfile) -> None:
    pytest.importorskip("medassist.imaging.observe")
    enc = _HistogramEncoder().encoder
    report = run_image_pipeline(testfile("693_J2KI.dcm"), encoder=enc, return_embedding=True)
    assert report.encoder == enc.name
    assert report.observations and all(o.encoder == enc.name for o in report.observations)
    assert report.embedding is not None and len(report.embedding) == 32
    assert enc.name in report.safety.audit.model_ids
    assert "observations" in report.safety.audit.timings_ms
    no_emb = run_image_pipeline(testfile("693_J2KI.dcm"), encoder=enc)
    assert no_emb.embedding is None
