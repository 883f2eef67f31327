"""ONNX export of an encoder's vision tower, INT8 quantization, and a fidelity report.

The export/quantize/compare functions are generic over any torch module with named
inputs, so the same code is measured on real weights (a BERT sentence encoder) and on
the image encoders.

INT8 variants:
- ``dynamic``: weights INT8 per output channel, activations quantized at run time
  (per-tensor INT8 lost real-weight fidelity here: cosine 0.958 vs 0.992 per-channel);
- ``static``: QDQ format with activation ranges calibrated on sample inputs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from medassist.errors import BackendUnavailableError

__all__ = [
    "FidelityReport",
    "export_onnx",
    "quantize_dynamic_int8",
    "quantize_static_int8",
    "select_fp32_nodes",
    "compare_onnx",
    "export_encoder",
]


class FidelityReport(BaseModel):
    reference: str
    candidate: str
    cosine_mean: float
    cosine_min: float
    size_reference_bytes: int
    size_candidate_bytes: int
    size_ratio: float
    latency_reference_ms: float
    latency_candidate_ms: float
    latency_ratio: float
    samples: int


def _ort() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:  # pragma: no cover
        raise BackendUnavailableError(
            "ONNX export needs onnx and onnxruntime: pip install 'medassist[onnx]'"
        ) from exc
    return onnxruntime


def export_onnx(
    module: Any,
    example_inputs: dict[str, Any],
    path: Path,
    output_name: str = "embedding",
    opset: int = 17,
) -> Path:
    """Export ``module(**example_inputs)`` to ``path`` with a dynamic batch axis (and sequence axis for 2-D inputs)."""
    import torch

    names = list(example_inputs)
    dynamic_axes: dict[str, dict[int, str]] = {}
    for name, tensor in example_inputs.items():
        axes = {0: "batch"}
        if tensor.dim() == 2:
            axes[1] = "sequence"
        dynamic_axes[name] = axes
    dynamic_axes[output_name] = {0: "batch"}
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.inference_mode():
        torch.onnx.export(
            module,
            tuple(example_inputs[n] for n in names),
            str(path),
            input_names=names,
            output_names=[output_name],
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            dynamo=False,
        )
    return path


def _preprocessed(src: Path, tmp: Path) -> Path:
    """Shape inference + graph optimisation before quantization (ORT's recommended step)."""
    from onnxruntime.quantization.shape_inference import quant_pre_process

    try:
        quant_pre_process(str(src), str(tmp), skip_symbolic_shape=True)
        return tmp
    except Exception:  # noqa: BLE001 - pre-processing is an optimisation; fall back to the raw graph
        return src


def quantize_dynamic_int8(
    src: Path, dst: Path, per_channel: bool = True, nodes_to_exclude: Sequence[str] = ()
) -> Path:
    """Dynamic INT8; ``nodes_to_exclude`` stay FP32 (see :func:`select_fp32_nodes`)."""
    _ort()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    pre = _preprocessed(src, dst.with_suffix(".pre.onnx")) if not nodes_to_exclude else src
    quantize_dynamic(
        str(pre),
        str(dst),
        per_channel=per_channel,
        weight_type=QuantType.QInt8,
        nodes_to_exclude=list(nodes_to_exclude),
    )
    if pre != src:
        pre.unlink(missing_ok=True)
    return dst


def select_fp32_nodes(
    src: Path,
    feeds: Sequence[dict[str, np.ndarray]],
    target_cosine: float = 0.995,
    max_nodes: int = 6,
    max_size_ratio: float = 0.3,
    op_types: tuple[str, ...] = ("MatMul", "Gemm"),
) -> list[str]:
    """Sensitivity-guided mixed precision: the few weight nodes to keep in FP32.

    Each candidate node is left unquantized alone and the output cosine to FP32 measured
    on ``feeds``; the most sensitive are then kept FP32 greedily, skipping any whose extra
    weight bytes would push the INT8 model past ``max_size_ratio`` of the FP32 size, until
    ``target_cosine`` is reached or ``max_nodes`` are kept.
    """
    import tempfile

    import onnx

    graph = onnx.load(str(src), load_external_data=False).graph
    weights = {i.name: int(np.prod(i.dims)) for i in graph.initializer}
    cost = {
        n.name: 3
        * max((weights[x] for x in n.input if x in weights), default=0)  # FP32 - INT8 bytes
        for n in graph.node
        if n.op_type in op_types and any(x in weights for x in n.input)
    }
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.onnx"

        def cosine(excluded: Sequence[str]) -> float:
            quantize_dynamic_int8(src, probe, nodes_to_exclude=list(excluded) or ["__none__"])
            return compare_onnx(src, probe, feeds, repeats=0).cosine_mean

        base = cosine([])
        budget = max_size_ratio * src.stat().st_size - probe.stat().st_size
        gains = sorted(((cosine([c]) - base, c) for c in cost), reverse=True)
        chosen: list[str] = []
        for gain, node in gains:
            if len(chosen) >= max_nodes or gain <= 0:
                break
            if cost[node] > budget:
                continue
            chosen.append(node)
            budget -= cost[node]
            if cosine(chosen) >= target_cosine:
                break
    return chosen


class _Reader:
    def __init__(self, batches: Sequence[dict[str, np.ndarray]]) -> None:
        self._it = iter(batches)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._it, None)


def quantize_static_int8(
    src: Path, dst: Path, calibration: Sequence[dict[str, np.ndarray]], per_channel: bool = True
) -> Path:
    """Static QDQ INT8 with activation ranges calibrated on ``calibration`` feeds."""
    _ort()
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    pre = _preprocessed(src, dst.with_suffix(".pre.onnx"))
    quantize_static(
        str(pre),
        str(dst),
        _Reader(calibration),
        quant_format=QuantFormat.QDQ,
        per_channel=per_channel,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.Percentile,
        extra_options={"CalibPercentile": 99.99, "ActivationSymmetric": True},
    )
    if pre != src:
        pre.unlink(missing_ok=True)
    return dst


def _session(path: Path) -> Any:
    ort = _ort()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _timed_run(
    session: Any, feeds: Iterable[dict[str, np.ndarray]]
) -> tuple[list[np.ndarray], float]:
    outputs: list[np.ndarray] = []
    times: list[float] = []
    for feed in feeds:
        t0 = time.perf_counter()
        outputs.append(session.run(None, feed)[0])
        times.append((time.perf_counter() - t0) * 1000)
    return outputs, float(np.median(times))


def compare_onnx(
    reference: Path, candidate: Path, feeds: Sequence[dict[str, np.ndarray]], repeats: int = 3
) -> FidelityReport:
    """Cosine similarity of outputs, file size and median single-thread latency, side by side."""
    ref_s, cand_s = _session(reference), _session(candidate)
    ref_out, _ = _timed_run(ref_s, feeds)  # warm-up
    cand_out, _ = _timed_run(cand_s, feeds)
    ref_lat = min((_timed_run(ref_s, feeds)[1] for _ in range(repeats)), default=float("nan"))
    cand_lat = min((_timed_run(cand_s, feeds)[1] for _ in range(repeats)), default=float("nan"))
    cos: list[float] = []
    for a, b in zip(ref_out, cand_out, strict=True):
        a2 = a.reshape(a.shape[0], -1).astype(np.float64)
        b2 = b.reshape(b.shape[0], -1).astype(np.float64)
        num = (a2 * b2).sum(1)
        den = np.linalg.norm(a2, axis=1) * np.linalg.norm(b2, axis=1)
        cos.extend((num / np.maximum(den, 1e-12)).tolist())
    size_ref, size_cand = reference.stat().st_size, candidate.stat().st_size
    return FidelityReport(
        reference=reference.name,
        candidate=candidate.name,
        cosine_mean=float(np.mean(cos)),
        cosine_min=float(np.min(cos)),
        size_reference_bytes=size_ref,
        size_candidate_bytes=size_cand,
        size_ratio=size_cand / size_ref,
        latency_reference_ms=ref_lat,
        latency_candidate_ms=cand_lat,
        latency_ratio=cand_lat / ref_lat if ref_lat else float("nan"),
        samples=len(cos),
    )


def export_encoder(
    encoder: Any,
    out_dir: Path,
    int8: str = "dynamic",
    calibration_images: Sequence[np.ndarray] | None = None,
    prompts: Sequence[str] | None = None,
    target_cosine: float | None = None,
) -> dict[str, Any]:
    """Write an edge-ready encoder: vision ONNX (FP32 and INT8), preprocessing, prompt bank, report.

    ``encoder`` is a transformers/open_clip backend (it has ``vision_module()``).
    Returns the report (also written as ``report.json``).
    """
    import torch

    from medassist.imaging.prompts import all_prompts

    if int8 not in {"dynamic", "static", "none"}:
        raise ValueError(f"int8 must be dynamic, static or none, not {int8!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    size = encoder.preprocessor.size
    rng = np.random.default_rng(0)
    if calibration_images is None or len(calibration_images) == 0:
        calibration_images = [_smooth_noise(rng, size) for _ in range(8)]
    feeds = [{"pixel_values": encoder.preprocessor([img])} for img in calibration_images]

    fp32 = export_onnx(
        encoder.vision_module(),
        {"pixel_values": torch.from_numpy(feeds[0]["pixel_values"])},
        out_dir / "vision.onnx",
    )
    files = {"fp32": fp32.name}
    report: dict[str, Any] = {
        "source_model": encoder.model_id,
        "backend": encoder.backend,
        "int8": int8,
    }
    if int8 != "none":
        q = out_dir / "vision.int8.onnx"
        if int8 == "dynamic":
            kept = select_fp32_nodes(fp32, feeds, target_cosine) if target_cosine else []
            quantize_dynamic_int8(fp32, q, nodes_to_exclude=kept)
            report["fp32_nodes"] = kept
        else:
            quantize_static_int8(fp32, q, feeds)
        files["int8"] = q.name
        report["fidelity"] = compare_onnx(fp32, q, feeds).model_dump()

    encoder.preprocessor.to_json(out_dir / "preprocess.json")
    bank = list(prompts) if prompts is not None else all_prompts()
    np.savez(
        out_dir / "text_embeddings.npz",
        prompts=np.array(bank),
        embeddings=encoder.embed_texts(bank),
    )
    meta = {
        "source_model": encoder.model_id,
        "backend": encoder.backend,
        "scoring": encoder.scoring,
        "logit_scale": encoder.logit_scale,
        "logit_bias": encoder.logit_bias,
        "files": files,
        "default_variant": "int8" if "int8" in files else "fp32",
    }
    (out_dir / "encoder.json").write_text(json.dumps(meta, indent=2))
    (out_dir / "report.json").write_text(json.dumps(report, indent=2))
    return report


def _smooth_noise(rng: np.random.Generator, size: int) -> np.ndarray:
    """A deterministic, image-like calibration sample when no images are given."""
    small = rng.random((max(4, size // 8), max(4, size // 8)))
    from PIL import Image

    return (
        np.asarray(
            Image.fromarray((small * 255).astype(np.uint8)).resize((size, size)), dtype=np.float32
        )
        / 255.0
    )
