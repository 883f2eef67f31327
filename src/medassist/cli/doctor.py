"""``medassist doctor``: what this machine can run (``--format json`` for the data)."""

from __future__ import annotations

import click

__all__ = ["doctor"]


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def doctor(fmt: str) -> None:
    """Python and packages, CUDA devices, model backends and configured model files."""
    from medassist.llm.doctor import run_doctor

    report = run_doctor()
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
        return
    from rich.table import Table

    from medassist.cli.render import _console

    console = _console()
    console.rule("[bold]medassist doctor")
    console.print(f"Python {report.python} on {report.platform}")
    pkgs = ", ".join(f"{k} {v}" for k, v in report.packages.items() if v)
    console.print(f"Packages: {pkgs}")
    absent = [k for k, v in report.packages.items() if not v]
    if absent:
        console.print(f"Not installed: {', '.join(absent)}")
    if report.cuda_devices:
        for d in report.cuda_devices:
            console.print(
                f"CUDA {d.index}: {d.name} (sm {d.capability}), {d.free_gib:.1f} of {d.total_gib:.1f} GiB free"
            )
    else:
        console.print("CUDA: no device")
    if report.host_available_gib is not None:
        console.print(f"Host memory available: {report.host_available_gib:.1f} GiB")
    table = Table("backend", "importable", "extra", "images", "schema", "stream")
    for b in report.backends:
        mark = " (configured)" if b.configured else ""
        table.add_row(
            b.name + mark, "yes" if b.importable else "no: " + ", ".join(b.missing), b.extra or "-",
            "yes" if b.supports_images else "-", "yes" if b.supports_schema else "-",
            "yes" if b.can_stream else "-",
        )  # fmt: skip
    console.print(table)
    for b in report.backends:
        console.print(f"  {b.name}: {b.next_step}")
    for f in report.model_files:
        state = "found" if f.found else "NOT FOUND"
        size = f", {f.size_mib} MiB" if f.size_mib is not None else ""
        console.print(f"{f.setting} = {f.value}: {f.kind} {state}{size}")
    for step in report.next_steps:
        console.print(f"next: {step}")
