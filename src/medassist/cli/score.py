"""``medassist score``: run one clinical calculator on a note and/or explicit inputs."""

from __future__ import annotations

import json
from typing import Any

import click

from medassist.cli.io import read_input_bytes
from medassist.errors import CalculatorInputError, InputError

__all__ = ["score"]


def _parse_inputs(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CalculatorInputError(
            f"--inputs is not valid JSON: {exc.msg} (at position {exc.pos})"
        ) from None
    if not isinstance(value, dict):
        raise CalculatorInputError("--inputs must be a JSON object, e.g. '{\"age\": 70}'")
    return value


@click.command()
@click.argument("calculator_id", required=False)
@click.argument("note_file", required=False)
@click.option(
    "--inputs",
    "inputs_json",
    help='JSON object of inputs, e.g. \'{"creatinine": {"value": 150, "unit": "umol/L"}}\'.',
)
@click.option("--list", "list_all", is_flag=True, help="List the available calculators.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "fhir"]),
    default="text",
    show_default=True,
)
def score(
    calculator_id: str | None,
    note_file: str | None,
    inputs_json: str | None,
    list_all: bool,
    fmt: str,
) -> None:
    """Run calculator CALCULATOR_ID on NOTE_FILE ('-' for stdin) and/or --inputs."""
    from medassist.risk.api import list_calculators

    if list_all:
        infos = list_calculators()
        if fmt == "json":
            click.echo(json.dumps([i.model_dump() for i in infos], indent=2, default=str))
        else:
            for info in infos:
                click.echo(f"{info.id:30} {info.kind:8} {info.name}")
        return
    if calculator_id is None:
        raise InputError("give a CALCULATOR_ID (see 'medassist score --list')")
    if note_file is None and inputs_json is None:
        raise InputError("give a NOTE_FILE (or '-' for stdin), --inputs JSON, or both")
    from medassist.pipelines.score import run_score_pipeline

    note = read_input_bytes(note_file) if note_file is not None else None
    report = run_score_pipeline(calculator_id, text=note, inputs=_parse_inputs(inputs_json))
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
        return
    if fmt == "fhir":
        from medassist.fhir import to_fhir_json

        click.echo(to_fhir_json(report))
        return
    for notice in report.safety.notices:
        click.echo(f"notice: {notice.message}")
    _render(report.result)
    click.echo(report.safety.disclaimer)


def _render(result: Any) -> None:
    unit = f" {result.unit}" if result.unit else ""
    value = "not computed" if result.value is None else f"{result.value}{unit}"
    click.echo(f"{result.name}: {value}")
    if result.band:
        click.echo(f"  band: {result.band}")
    for comp in result.components:
        pts = "" if comp.points is None else f" [{comp.points:+g}]"
        ev = "; ".join(
            (f"'{e.text}'" if e.source == "note" and e.text else e.note or e.source)
            for e in comp.evidence
        )
        click.echo(f"  - {comp.name} = {comp.value}{pts}" + (f"  ({ev})" if ev else ""))
    if result.formula:
        click.echo(f"  formula: {result.formula}")
    if result.missing:
        click.echo(f"  missing: {', '.join(result.missing)}")
        if result.possible_range is not None:
            lo, hi = result.possible_range
            click.echo(f"  possible range with the missing inputs: {lo:g} to {hi:g}")
    for flag in result.flags:
        click.echo(f"  flag: {flag}")
    click.echo(f"  reference: {result.reference}")
