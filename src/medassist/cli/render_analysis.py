"""Rich rendering of the combined report. Presentation only: reports arrive already safe."""

from __future__ import annotations

from rich.table import Table

from medassist.cli.render import _console, render_image_analysis, render_text_analysis
from medassist.schemas.analysis import AnalysisReport

__all__ = ["render_analysis"]


def render_analysis(report: AnalysisReport, title: str = "input") -> None:
    if report.text is not None:
        render_text_analysis(report.text, title=title)
    if report.image is not None:
        render_image_analysis(report.image, title="image")
    console = _console()
    console.rule("[bold]model")
    for n in report.notices:
        style = (
            "bold white on red"
            if n.severity == "urgent"
            else ("yellow" if n.severity == "warning" else "")
        )
        console.print(f"[{style}]{n.message}[/]" if style else n.message)
    for run in report.model_runs:
        t = run.timings_ms
        console.print(
            f"{run.backend}:{run.model_id} ({run.quantization or '-'}, {run.device or '-'}): "
            f"{run.prompt_tokens} prompt + {run.completion_tokens} generated tokens, "
            f"{t.get('total', 0) / 1000:.1f} s"
        )
    if report.model_summary is not None:
        console.print("[bold]Model summary (checked against the note)[/]")
        console.print(report.model_summary.text or "(nothing passed the checks)")
        for step in report.model_summary.suggested_next_steps:
            console.print(f"  • {step}")
    if report.extraction.proposed:
        s = report.extraction
        console.print(
            f"Model mentions: {s.proposed} proposed, {s.located} found in the note, {s.dropped} dropped, "
            f"{s.added} added, {s.matched_engine} confirming the engine"
        )
    if report.image_observations:
        table = Table(
            "region", "observation", "confidence", title="Model image observations (to review)"
        )
        for o in report.image_observations:
            table.add_row(o.region, o.observation, f"{o.confidence:.2f} ({o.stated_confidence})")
        console.print(table)
    if report.correlation:
        table = Table("item", "status", "note", title="Note and image")
        for c in report.correlation:
            table.add_row(c.item, c.status, c.text_evidence or "")
        console.print(table)
    console.print(f"[dim]{report.safety.disclaimer}[/]")
