"""``medassist analyze`` and ``medassist demo``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from medassist.cli.io import read_input_bytes
from medassist.cli.render import render_image_analysis, render_text_analysis
from medassist.errors import InputError

__all__ = ["analyze", "demo"]


@click.command()
@click.argument("note_file", required=False)
@click.option(
    "--image", "image_file", type=click.Path(dir_okay=False), help="DICOM, PNG, JPEG or TIFF file."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "fhir"]),
    default="text",
    show_default=True,
)
@click.option(
    "--all-scores",
    is_flag=True,
    help="Text output: every calculator, not only those with an input found in the note.",
)
def analyze(note_file: str | None, image_file: str | None, fmt: str, all_scores: bool) -> None:
    """Analyse NOTE_FILE (or '-' for stdin) and/or an --image."""
    if note_file is None and image_file is None:
        raise InputError("give a NOTE_FILE (or '-' for stdin), an --image FILE, or both")
    import medassist

    if note_file is not None:
        report = medassist.analyze_text(read_input_bytes(note_file))
        _emit(report, fmt, render_text_analysis, title=note_file, all_scores=all_scores)
    if image_file is not None:
        image_report = medassist.analyze_image(Path(image_file))
        _emit(image_report, fmt, render_image_analysis, title=image_file)


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "fhir"]),
    default="text",
    show_default=True,
)
def demo(fmt: str) -> None:
    """Analyse the bundled example notes with the embedded engine (no model weights)."""
    import medassist

    for note in sorted(_example_notes(), key=lambda p: p.name):
        report = medassist.analyze_text(note.read_bytes())
        _emit(report, fmt, render_text_analysis, title=note.name)


def _example_notes() -> list[Path]:
    root = resources.files("medassist") / "examples"
    return [Path(str(p)) for p in root.iterdir() if p.name.endswith(".txt")]


def _emit(report, fmt: str, renderer, title: str, **options) -> None:  # type: ignore[no-untyped-def]
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
    elif fmt == "fhir":
        from medassist.fhir import to_fhir_json

        click.echo(to_fhir_json(report))
    else:
        renderer(report, title=title, **options)
