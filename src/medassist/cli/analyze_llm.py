"""``medassist analyze`` with the model options (``--llm``, ``--model``, ``--mmproj``,
``--base-url``, ``--stream``).

Without a model (no ``--llm`` and ``MEDASSIST_LLM_BACKEND=none``) it is the deterministic
``analyze`` of :mod:`medassist.cli.analyze`, unchanged. With one, it prints the combined
report (:class:`~medassist.schemas.analysis.AnalysisReport`); when the model fails the
deterministic report is still printed, a warning says why, and the exit code is 6.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from medassist.cli.analyze import analyze as _deterministic_analyze
from medassist.cli.io import read_input_bytes
from medassist.errors import InputError

__all__ = ["analyze"]

_BACKENDS = ["none", "transformers", "llamacpp", "openai"]


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
    "--llm",
    "backend",
    type=click.Choice(_BACKENDS),
    help="model backend (default: MEDASSIST_LLM_BACKEND)",
)
@click.option("--model", help="model folder / hub id, GGUF file, or served model name")
@click.option("--mmproj", help="GGUF vision projector (llamacpp, for images)")
@click.option("--base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")
@click.option(
    "--stream", is_flag=True, help="print progress and each checked sentence as it passes"
)
@click.option(
    "--all-scores",
    is_flag=True,
    help="Text output: every calculator, not only those with an input found in the note.",
)
@click.pass_context
def analyze(
    ctx: click.Context,
    note_file: str | None,
    image_file: str | None,
    fmt: str,
    backend: str | None,
    model: str | None,
    mmproj: str | None,
    base_url: str | None,
    stream: bool,
    all_scores: bool = False,
) -> int:
    """Analyse NOTE_FILE (or '-' for stdin) and/or an --image, with a model when configured."""
    from medassist.config import get_settings

    name = backend or get_settings().llm_backend
    if name == "none":
        if stream:
            raise click.UsageError("--stream needs a model (--llm or MEDASSIST_LLM_BACKEND)")
        return ctx.invoke(
            _deterministic_analyze,
            note_file=note_file,
            image_file=image_file,
            fmt=fmt,
            all_scores=all_scores,
        )
    if note_file is None and image_file is None:
        raise InputError("give a NOTE_FILE (or '-' for stdin), an --image FILE, or both")
    if fmt == "fhir":
        raise click.UsageError(
            "--format fhir covers the deterministic report; use --format json with a model"
        )
    from medassist.llm import get_backend
    from medassist.pipelines.analyze import stream_analysis

    overrides = {"model": model, "mmproj": mmproj, "base_url": base_url}
    llm = get_backend(name, **overrides)
    text = read_input_bytes(note_file) if note_file is not None else None
    image = Path(image_file) if image_file is not None else None
    report = None
    for event in stream_analysis(text, image, llm=llm):
        if event.report is not None:
            report = event.report
        elif stream and fmt == "json":
            click.echo(event.model_dump_json(exclude_none=True))
        elif stream and event.event == "progress":
            click.echo(f"… {event.stage}", err=True)
        elif stream and event.event == "sentence":
            click.echo(event.text)
    assert report is not None
    if fmt == "json":
        click.echo(
            json.dumps({"event": "report", "report": json.loads(report.model_dump_json())})
            if stream
            else report.model_dump_json(indent=2)
        )
    else:
        from medassist.cli.render_analysis import render_analysis

        render_analysis(report, title=note_file or image_file or "input")
    if report.model.state == "failed":
        click.echo(f"warning: the model did not contribute: {report.model.message}", err=True)
        sys.stdout.flush()
        ctx.exit(6)
    return 0
