"""Encoders on tiny random SigLIP/CLIP models: save -> load -> embed -> ONNX -> INT8 -> compare."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="encoder tests need the 'vision' extra (torch, transformers)")
pytest.importorskip("onnxruntime", reason="ONNX tests need the 'onnx' extra")

from tiny_encoders import build  # noqa: E402

from medassist.errors import ConfigurationError, ModelError  # noqa: E402
from medassist.imaging.encoders import backend_status, get_encoder  # noqa: E402
from medassist.imaging.encoders.base import Preprocessor  # noqa: E402
from medassist.imaging.encoders.onnx_backend import OnnxEncoder  # noqa: E402
from medassist.imaging.observe import describe  # noqa: E402
from medassist.imaging.onnx_export import export_encoder  # noqa: E402
from medassist.imaging.prompts import all_prompts, region_for  # noqa: E402
from medassist.schemas.imaging import ImageMetadata  # noqa: E402


@pytest.fixture(scope="module", params=["siglip", "clip"])
def tiny_model(request, tmp_path_factory) -> tuple[str, Path]:
    return request.param, build(request.param, tmp_path_factory.mktemp(request.param))


def _images(n: int = 3) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:64, 0:64] / 63.0
    return [
        np.clip(0.5 * yy + 0.3 * xx * k + 0.05 * rng.standard_normal((64, 64)), 0, 1)
        for k in range(n)
    ]


def test_load_embed_and_probabilities(tiny_model):
    kind, path = tiny_model
    enc = get_encoder(str(path))
    assert enc.backend == kind
    emb = enc.embed_images(_images())
    assert emb.shape[0] == 3
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    # distinct images give distinct embeddings; the same image the same one
    assert not np.allclose(emb[0], emb[2])
    np.testing.assert_allclose(enc.embed_images(_images()[:1])[0], emb[0], atol=1e-6)
    text = enc.embed_texts(["a chest X-ray showing a pleural effusion", "a CT scan slice"])
    probs = enc.probabilities(emb, text)
    assert probs.shape == (3, 2)
    assert ((probs >= 0) & (probs <= 1)).all()
    if kind == "clip":
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)


def test_describe_recognises_missing_modality_and_scores_region(tiny_model):
    _, path = tiny_model
    enc = get_encoder(str(path))
    meta = ImageMetadata(format="png", rows=64, columns=64)
    desc = describe(_images(1)[0], meta, enc)
    kinds = [o.kind for o in desc.observations]
    assert kinds[:2] == ["modality", "body_region"]
    findings = [o for o in desc.observations if o.kind == "finding_prompt"]
    assert findings and all(0.0 <= o.confidence <= 1.0 for o in findings)
    assert findings == sorted(findings, key=lambda o: -o.confidence)
    # with DICOM metadata no recognition is needed and the chest bank is used
    meta = ImageMetadata(format="dicom", modality="DX", body_part="CHEST", rows=64, columns=64)
    desc = describe(_images(1)[0], meta, enc)
    assert desc.region == "chest_radiograph"
    assert {o.kind for o in desc.observations} == {"finding_prompt"}


@pytest.mark.parametrize("int8", ["dynamic", "static"])
def test_onnx_export_int8_and_edge_backend(tiny_model, tmp_path, int8):
    kind, path = tiny_model
    enc = get_encoder(str(path))
    report = export_encoder(enc, tmp_path, int8=int8, calibration_images=_images(4))
    fid = report["fidelity"]
    assert fid["cosine_mean"] > 0.98, fid
    if (
        int8 == "dynamic"
    ):  # QDQ graphs of a 32-wide toy model carry more scale/zero-point overhead than weight
        assert fid["size_ratio"] < 1.0
    for name in (
        "vision.onnx",
        "vision.int8.onnx",
        "preprocess.json",
        "encoder.json",
        "text_embeddings.npz",
        "report.json",
    ):
        assert (tmp_path / name).is_file(), name
    # the ONNX backend (no torch) reproduces the torch embeddings
    fp32 = OnnxEncoder(str(tmp_path), variant="fp32")
    torch_emb = enc.embed_images(_images())
    onnx_emb = fp32.embed_images(_images())
    assert np.min(np.sum(torch_emb * onnx_emb, axis=1)) > 0.9999
    edge = get_encoder(str(tmp_path))  # auto-detects the exported directory
    assert edge.backend == "onnx" and "int8" in edge.name
    assert np.min(np.sum(edge.embed_images(_images()) * torch_emb, axis=1)) > 0.98
    # the exported prompt bank matches the torch text tower
    prompts = all_prompts()[:4]
    np.testing.assert_allclose(edge.embed_texts(prompts), enc.embed_texts(prompts), atol=1e-5)
    with pytest.raises(ModelError, match="not embedded at export time"):
        edge.embed_texts(["a prompt that was never exported"])
    meta = json.loads((tmp_path / "encoder.json").read_text())
    assert meta["scoring"] == ("sigmoid" if kind == "siglip" else "softmax")


def test_backend_detection_and_errors(tmp_path):
    with pytest.raises(ConfigurationError, match="cannot tell which encoder backend"):
        get_encoder(str(tmp_path))
    with pytest.raises(ConfigurationError, match="available: biomedclip, clip, onnx, siglip"):
        get_encoder(str(tmp_path), backend="resnet")
    with pytest.raises(ModelError):
        OnnxEncoder(str(tmp_path))
    status = backend_status()
    assert status["onnx"] == [] and status["siglip"] == []


def test_preprocessor_handles_grey_rgb_and_rejects_bad_shapes():
    pre = Preprocessor(size=16)
    out = pre([np.zeros((40, 30)), np.ones((20, 20, 3)), np.ones((20, 20, 4))])
    assert out.shape == (3, 3, 16, 16) and out.dtype == np.float32
    np.testing.assert_allclose(out[0], -1.0)
    np.testing.assert_allclose(out[1], 1.0)
    with pytest.raises(ValueError, match="expected an"):
        pre([np.zeros((2, 2, 2, 2))])


def test_region_lookup():
    assert region_for("CR", "CHEST")[0] == "chest_radiograph"
    assert region_for("CT", "head")[0] == "head_ct"
    assert region_for(None, None)[0] == "general"


def test_image_pipeline_with_encoder_gives_reviewable_observations(tmp_path):
    from pydicom.data import get_testdata_file

    import medassist

    path = build("siglip", tmp_path / "siglip")
    report = medassist.analyze_image(
        get_testdata_file("CT_small.dcm"), encoder=str(path), return_embedding=True
    )
    assert report.observations and report.encoder and report.encoder.startswith("siglip:")
    assert all(0.0 <= o.confidence <= 1.0 for o in report.observations)
    assert (
        report.embedding is not None and abs(float(np.linalg.norm(report.embedding)) - 1.0) < 1e-4
    )
    assert report.safety.audit is not None and report.encoder in report.safety.audit.model_ids


@pytest.mark.parametrize("window", [("a", "b"), (40,), (40, 0), (float("nan"), 400)], ids=str)
def test_bad_window_is_an_input_error(window):
    from pydicom.data import get_testdata_file

    import medassist
    from medassist.errors import InputError

    with pytest.raises(InputError, match="window"):
        medassist.analyze_image(get_testdata_file("CT_small.dcm"), window=window)


def test_unreadable_image_path_is_an_input_error():
    import medassist
    from medassist.errors import InputError

    with pytest.raises(InputError):
        medassist.analyze_image("x" * 5000)
