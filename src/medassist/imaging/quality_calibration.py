"""Re-measure the quality metrics behind the thresholds of :mod:`medassist.imaging.quality`.

Run ``python -m medassist.imaging.quality_calibration`` to print, for each real pydicom
test image and each synthetic degradation of it, the metrics that the checks threshold
and the issues raised. ``QUALITY_CALIBRATION.md`` records the figures and the reasoning.
"""

from __future__ import annotations

import sys

from medassist.imaging.degrade import DEGRADATIONS, EXPECTED_ISSUES
from medassist.imaging.io import load_image
from medassist.imaging.quality import assess_quality

__all__ = ["CALIBRATION_FILES", "calibration_rows", "main"]

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


def main() -> int:
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
