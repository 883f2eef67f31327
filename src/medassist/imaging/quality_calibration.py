"""Re-measure the quality metrics behind the thresholds of :mod:`medassist.imaging.quality`.

Two sources of real images:

* pydicom's bundled test files (CT, MR, US, NM): ``python -m medassist.imaging.quality_calibration``
  prints, for each and each fixed degradation of it, the metrics the checks threshold and the
  issues raised;
* the real radiographs and MR files of ``../shared/data/images`` (issue 13), split in two by
  :func:`half_of` (sha256 of the file name) *before* any threshold was set:
  ``python -m medassist.imaging.quality_calibration --shared`` prints metric quantiles of the
  clean and degraded images of the ``calibrate`` half only, from which the thresholds were
  chosen; ``benchmarks/image_quality_eval.py`` reports recall and false flags on both halves.

``QUALITY_CALIBRATION.md`` records the figures and the reasoning.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medassist.imaging.degrade import DEGRADATIONS, EXPECTED_ISSUES, SWEEPS
from medassist.imaging.io import load_image
from medassist.imaging.quality import assess_quality

__all__ = [
    "CALIBRATION_FILES",
    "SharedImage",
    "calibration_rows",
    "half_of",
    "shared_images",
    "main",
]

#: folders of ../shared/data/images and what they hold
SHARED_FOLDERS = {
    "nih_cxr14": "xray",
    "kermany_pediatric": "xray",
    "dicom_mr_siemens_dcm_qa": "mr",
    "dicom_mr_ge_siemens_dcm_qa_nih": "mr",
}
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".dcm"}


def half_of(file_name: str) -> str:
    """The fixed split of the shared images: ``calibrate`` or ``report``, by sha256 of the name."""
    digest = hashlib.sha256(file_name.encode("utf-8")).digest()
    return "calibrate" if digest[0] % 2 == 0 else "report"


@dataclass(frozen=True)
class SharedImage:
    name: str
    kind: str  # "xray" | "mr"
    half: str
    gray: np.ndarray  # the grey display image, float32 [0, 1]
    modality: str | None


def default_shared_dir() -> Path:
    return Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "images"


def shared_images(root: Path | None = None, half: str | None = None) -> list[SharedImage]:
    """The real images of ``root`` (default ``../shared/data/images``), of one half or all."""
    root = default_shared_dir() if root is None else root
    out: list[SharedImage] = []
    for folder, kind in SHARED_FOLDERS.items():
        for path in sorted((root / folder).glob("*")):
            if path.suffix.lower() not in _IMAGE_SUFFIXES or path.name.startswith("UPSTREAM_"):
                continue
            h = half_of(path.name)
            if half is not None and h != half:
                continue
            image = load_image(path)
            out.append(SharedImage(path.name, kind, h, image.gray, image.metadata.modality))
    return out


#: Real images (pydicom's bundled test files) used for calibration.
CALIBRATION_FILES = (
    "J2K_pixelrep_mismatch.dcm",  # CT head, 512², JPEG 2000 lossless
    "693_J2KI.dcm",  # CT, 512², JPEG 2000 lossy
    "examples_overlay.dcm",  # MR abdomen, 484×300
    "examples_rgb_color.dcm",  # US, RGB
    "examples_jpeg2k.dcm",  # US, YBR_RCT JPEG 2000
    "examples_palette.dcm",  # US, palette colour
    "examples_ybr_color.dcm",  # US cine, JPEG baseline
    "JPEG2000.dcm",  # NM whole body
    "image_dfl.dcm",  # OT 8-bit, deflated
    "CT_small.dcm",  # CT 128²
    "MR_small.dcm",  # MR 64²
)
_COLUMNS = (
    "p01",
    "p99",
    "contrast_ratio",
    "sharpness",
    "noise_relative",
    "clipped_fraction",
    "short_side",
)


def calibration_rows() -> list[dict[str, object]]:
    from pydicom.data import get_testdata_file

    rows: list[dict[str, object]] = []
    for name in CALIBRATION_FILES:
        path = get_testdata_file(name)
        if path is None:
            continue
        image = load_image(path)
        gray = image.gray
        modality = image.metadata.modality
        for label, fn in [("original", None), *DEGRADATIONS.items()]:
            pixels = gray if fn is None else fn(gray)
            report = assess_quality(pixels, modality=modality)
            row: dict[str, object] = {"file": name, "degradation": label}
            row.update({c: report.metrics.get(c) for c in _COLUMNS})
            row["issues"] = sorted(i.code for i in report.issues)
            row["expected"] = sorted(EXPECTED_ISSUES.get(label, set()))
            rows.append(row)
    return rows


def shared_quantiles(half: str = "calibrate") -> list[str]:
    """Quantiles of the thresholded metrics on the clean and degraded X-rays of one half."""
    images = [im for im in shared_images(half=half) if im.kind == "xray"]
    keys = ("sharpness", "noise_relative", "p99", "p01", "highlight_clipped", "clipped_fraction")
    lines = [f"{half} half: {len(images)} X-rays; quantiles 0/5/50/95/100 %"]

    def describe(label: str, rows: list[dict[str, float]]) -> None:
        for key in keys:
            vals = [r[key] for r in rows if key in r]
            if vals:
                q = np.percentile(vals, [0, 5, 50, 95, 100])
                lines.append(f"  {label:28s} {key:18s} " + " ".join(f"{v:7.3f}" for v in q))

    describe("clean", [assess_quality(im.gray, modality=im.modality).metrics for im in images])
    for sweep in SWEEPS:
        if sweep.target or sweep.name in ("gaussian_blur", "motion_blur") and sweep.strength <= 4:
            rows = [
                assess_quality(sweep.apply(im.gray), modality=im.modality).metrics for im in images
            ]
            describe(f"{sweep.name} {sweep.strength:g}", rows)
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--shared" in argv:
        print("\n".join(shared_quantiles()))
        return 0
    header = ["file", "degradation", *_COLUMNS, "issues"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in calibration_rows():
        cells = []
        for key in header:
            value = row[key]
            if isinstance(value, float):
                cells.append(f"{value:.3f}")
            elif isinstance(value, list):
                cells.append(", ".join(value) or "-")
            else:
                cells.append(str(value))
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
