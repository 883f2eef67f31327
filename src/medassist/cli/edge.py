"""``medassist edge``: prepare models for edge devices."""

from __future__ import annotations

import json
from pathlib import Path

import click

from medassist.errors import InputError

__all__ = ["edge"]

_IMAGE_SUFFIXES = {".dcm", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ""}


@click.group()
def edge() -> None:
    """Edge deployment tools (ONNX export, INT8)."""


@edge.command("export-encoder")
@click.argument("model")
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output directory."
)
@click.option(
    "--backend", default="auto", show_default=True, help="auto | siglip | clip | biomedclip"
)
@click.option(
    "--int8",
    "int8",
    type=click.Choice(["dynamic", "static", "none"]),
    default="dynamic",
    show_default=True,
)
@click.option(
    "--calibration-dir",
    type=click.Path(exists=True, file_okay=False),
    help="Images (DICOM/PNG/JPEG/TIFF) for static calibration and the fidelity report.",
)
@click.option(
    "--target-cosine",
    type=float,
    default=None,
    help="Keep the most sensitive layers FP32 until INT8 reaches this cosine (dynamic only).",
)
def export_encoder_cmd(
    model: str,
    out_dir: str,
    backend: str,
    int8: str,
    calibration_dir: str | None,
    target_cosine: float | None,
) -> None:
    """Export MODEL's vision tower (a local path or hub id) to ONNX with an INT8 variant.

    Writes vision.onnx, vision.int8.onnx, preprocess.json, text_embeddings.npz (the prompt
    bank), encoder.json and report.json (cosine to FP32, size, latency).
    """
    from medassist.imaging.encoders import get_encoder
    from medassist.imaging.onnx_export import export_encoder

    if backend == "onnx":
        raise InputError("MODEL is already an ONNX export; give the source model")
    encoder = get_encoder(model, backend)
    images = _calibration_images(Path(calibration_dir)) if calibration_dir else None
    report = export_encoder(
        encoder, Path(out_dir), int8=int8, calibration_images=images, target_cosine=target_cosine
    )
    click.echo(json.dumps(report, indent=2))


def _calibration_images(folder: Path) -> list:  # type: ignore[type-arg]
    from medassist.errors import MedassistError
    from medassist.imaging.io import load_image

    images = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in _IMAGE_SUFFIXES:
            try:
                images.append(load_image(path).display)
            except MedassistError as exc:
                click.echo(f"skipping {path.name}: {exc.message}", err=True)
    if not images:
        raise InputError(f"no readable images in {folder}")
    return images
