"""Image decode and quality timings (p50 over several runs), 16-bit 512² and 2048².

    python3.11 benchmarks/imaging.py [--runs 7] [--sections decode_quality] [--json out.json]

Sections are functions registered in ``SECTIONS`` (name -> function(args) -> rows); a later
section (e.g. INT8 encoder timings) registers itself the same way. Each row reports wall
clock p50 and CPU (thread) time p50 in milliseconds: on a shared machine the wall clock
includes waiting for a core. Target: quality ≤ 50 ms on 2048².

Section ``int8``: INT8 vs FP32 of the export/quantization code on real weights
(all-MiniLM-L6-v2): cosine ≥ 0.995, size ≤ 0.3×, latency ≤ 0.5×.

Images: pydicom's CT test file ``J2K_pixelrep_mismatch.dcm`` (512², stored values), and the
same upsampled ×4 (2048²) with a little noise, written as uncompressed 16-bit DICOM and as
16-bit PNG.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

Row = dict[str, Any]
SECTIONS: dict[str, Callable[[argparse.Namespace], list[Row]]] = {}


def section(
    name: str,
) -> Callable[
    [Callable[[argparse.Namespace], list[Row]]], Callable[[argparse.Namespace], list[Row]]
]:
    def register(
        fn: Callable[[argparse.Namespace], list[Row]],
    ) -> Callable[[argparse.Namespace], list[Row]]:
        SECTIONS[name] = fn
        return fn

    return register


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """(wall p50, thread CPU p50) in ms, after one warm-up call."""
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.thread_time()
        fn()
        cpu.append((time.thread_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _test_images() -> dict[int, np.ndarray]:
    import pydicom
    from pydicom.data import get_testdata_file

    base = pydicom.dcmread(get_testdata_file("J2K_pixelrep_mismatch.dcm")).pixel_array.astype(
        np.int32
    )
    rng = np.random.default_rng(0)
    big = np.kron(base, np.ones((4, 4), np.int32)) + rng.normal(0, 4, (2048, 2048)).astype(np.int32)
    return {512: base, 2048: big}


def _dicom_bytes(values: np.ndarray) -> bytes:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    stored = (values - values.min()).clip(0, 65535).astype(np.uint16)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "CT"
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.RescaleSlope, ds.RescaleIntercept = 1, int(values.min())
    ds.WindowCenter, ds.WindowWidth = 40, 400
    ds.PixelData = stored.tobytes()
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def _png16_bytes(values: np.ndarray) -> bytes:
    from PIL import Image

    stored = (values - values.min()).clip(0, 65535).astype(np.uint16)
    buf = io.BytesIO()
    Image.fromarray(stored).save(buf, format="PNG")
    return buf.getvalue()


@section("decode_quality")
def decode_and_quality(args: argparse.Namespace) -> list[Row]:
    from medassist.imaging.io import load_image
    from medassist.imaging.quality import assess_loaded

    rows: list[Row] = []
    for size, values in _test_images().items():
        for fmt, data in (("dicom", _dicom_bytes(values)), ("png16", _png16_bytes(values))):
            loaded = load_image(data)
            decode = timed(lambda d=data: load_image(d), args.runs)
            quality = timed(lambda im=loaded: assess_loaded(im), args.runs)
            rows.append(
                {
                    "section": "decode_quality",
                    "case": f"{fmt} {size}x{size}",
                    "step": "decode",
                    "wall_p50_ms": decode[0],
                    "cpu_p50_ms": decode[1],
                    "bytes": len(data),
                }
            )
            rows.append(
                {
                    "section": "decode_quality",
                    "case": f"{fmt} {size}x{size}",
                    "step": "quality",
                    "wall_p50_ms": quality[0],
                    "cpu_p50_ms": quality[1],
                    "target_ms": 50.0 if size == 2048 else None,
                }
            )
    return rows


@section("int8")
def int8_vs_fp32(args: argparse.Namespace) -> list[Row]:
    """INT8 vs FP32 on real weights (see benchmarks/encoder_int8.py), printed side by side."""
    import torch

    from encoder_int8 import print_table, run

    torch.set_num_threads(1)
    results = run()
    print_table(results)
    return [
        {
            "section": "int8",
            "case": name[:17],
            "step": "infer",
            "wall_p50_ms": r.latency_candidate_ms,
            "cpu_p50_ms": float("nan"),
            "cosine_mean": r.cosine_mean,
            "size_ratio": r.size_ratio,
            "latency_ratio": r.latency_ratio,
        }
        for name, r in results
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--sections", default=",".join(SECTIONS), help=f"comma list of {sorted(SECTIONS)}"
    )
    parser.add_argument("--json", default=None, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for name in [s for s in args.sections.split(",") if s]:
        if name not in SECTIONS:
            parser.error(f"unknown section {name!r}; available: {sorted(SECTIONS)}")
        rows.extend(SECTIONS[name](args))
    print(f"{'section':<16}{'case':<18}{'step':<9}{'wall p50 ms':>12}{'cpu p50 ms':>12}")
    for r in rows:
        print(
            f"{r['section']:<16}{r['case']:<18}{r['step']:<9}{r['wall_p50_ms']:>12.1f}{r['cpu_p50_ms']:>12.1f}"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
