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
    """Edge deployment tools (ONNX export, INT8, GGUF conversion and quantization)."""


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


@edge.command("convert-hf")
@click.argument("checkpoint")
@click.option("--out", "out_file", required=True, help="Output .gguf file.")
@click.option("--outtype", default="f16", show_default=True, help="f32 | f16 | bf16 | q8_0")
@click.option(
    "--llama-cpp-dir",
    default=None,
    help="llama.cpp checkout or llama-cpp-python sdist (dir or .tar.gz); "
    "default: $MEDASSIST_LLAMA_CPP_DIR, then ~/.cache/medassist.",
)
def convert_hf_cmd(checkpoint: str, out_file: str, outtype: str, llama_cpp_dir: str | None) -> None:
    """Convert the Hugging Face CHECKPOINT folder to one GGUF with llama.cpp's converter."""
    from medassist.edge.gguf_convert import convert_hf_to_gguf
    from medassist.edge.gguf_quant import tensor_types

    out = convert_hf_to_gguf(
        checkpoint, out_file, outtype=outtype.lower(), llama_cpp_dir=llama_cpp_dir
    )
    report = {"file": str(out), "bytes": out.stat().st_size, "tensor_types": tensor_types(out)}
    click.echo(json.dumps(report, indent=2))


@edge.command("quantize")
@click.argument("gguf_file", metavar="GGUF")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--quant", default="Q8_0,Q4_K_M", show_default=True, help="Comma-separated types.")
@click.option("--threads", type=click.IntRange(min=0), default=0, help="0: all cores.")
@click.option(
    "--embedding-probe",
    is_flag=True,
    help="GGUF is a sentence encoder: report embedding cosine to GGUF on the probe sentences.",
)
def quantize_cmd(
    gguf_file: str, out_dir: str, quant: str, threads: int, embedding_probe: bool
) -> None:
    """Quantize GGUF (F16/BF16/F32) to each --quant type with llama.cpp; print a report."""
    from medassist.edge.gguf_quant import check_gguf, parse_quant_types, quantize_gguf
    from medassist.edge.gguf_quant import tensor_types as read_types

    source = check_gguf(gguf_file)
    names = parse_quant_types(quant)
    out = Path(out_dir)
    stem = source.stem.removesuffix("-f16").removesuffix("-F16")
    reference = None
    if embedding_probe:
        from medassist.edge.fidelity import PROBE_SENTENCES
        from medassist.edge.gguf_quant import embed_sentences

        reference = embed_sentences(source, PROBE_SENTENCES, n_threads=threads or 1)[0]
    rows = []
    for name in names:
        target = quantize_gguf(source, out / f"{stem}-{name}.gguf", name, nthread=threads)
        row: dict[str, object] = {
            "quant": name,
            "file": str(target),
            "bytes": target.stat().st_size,
            "size_ratio": round(target.stat().st_size / source.stat().st_size, 4),
            "tensor_types": read_types(target),
        }
        if reference is not None:
            from medassist.edge.gguf_quant import embed_sentences, embedding_fidelity

            emb = embed_sentences(target, PROBE_SENTENCES, n_threads=threads or 1)[0]
            row["embedding"] = embedding_fidelity(reference, emb).model_dump()
        rows.append(row)
    report = {"source": str(source), "bytes": source.stat().st_size, "quantized": rows}
    (out / "quantize_report.json").write_text(json.dumps(report, indent=2))
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
