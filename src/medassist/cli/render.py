"""Rich terminal rendering of reports. Presentation only: reports arrive already safe."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from medassist.schemas.imaging import ImageAnalysis
from medassist.schemas.text import ContextAssertion, TextAnalysis
from medassist.text.allergies import allergies_line

__all__ = ["render_text_analysis", "render_image_analysis"]


def _console() -> Console:
    return Console(soft_wrap=False, highlight=False)


def _context_label(ctx: ContextAssertion) -> str:
    flags = [
        n
        for n in ("negated", "uncertain", "historical", "hypothetical", "family")
        if getattr(ctx, n)
    ]
    return ", ".join(flags) if flags else "affirmed"


def _safety_header(console: Console, safety) -> None:  # type: ignore[no-untyped-def]
    for notice in safety.notices:
        style = "bold white on red" if notice.severity == "urgent" else "yellow"
        console.print(f"[{style}]{notice.message}[/]")


def render_text_analysis(report: TextAnalysis, title: str = "note") -> None:
    console = _console()
    console.rule(f"[bold]{title}")
    _safety_header(console, report.safety)
    shown = {(n.code, n.message) for n in report.safety.notices}
    for notice in report.notices:
        if (notice.code, notice.message) not in shown:
            console.print(f"[cyan]notice:[/] {notice.message}")
    if report.summary.text:
        console.print(Panel(report.summary.text, title="Summary (from extracted facts)"))
    if report.summary.suggested_next_steps:
        console.print("[bold]Suggested next steps[/]")
        for step in report.summary.suggested_next_steps:
            console.print(f"  - {step}")
    d = report.demographics
    if d.age is not None or d.sex:
        console.print(
            f"[bold]Patient:[/] age {d.age if d.age is not None else '?'}, sex {d.sex or '?'}"
        )
    console.print(f"[bold]Allergies:[/] {escape(allergies_line(report.allergies))}")
    if report.entities:
        table = Table(title="Entities", show_lines=False)
        for col in ("text", "category", "preferred", "code", "context", "section"):
            table.add_column(col)
        for e in report.entities:
            code = f"{e.code_system}:{e.code}" if e.code else ""
            table.add_row(
                e.text, e.category, e.preferred, code, _context_label(e.context), e.section or ""
            )
        console.print(table)
    if report.medications:
        table = Table(title="Medications")
        for col in ("name", "dose", "unit", "route", "frequency", "status", "context"):
            table.add_column(col)
        for m in report.medications:
            dose = (
                "" if m.dose is None else f"{m.dose:g}" + (f"-{m.dose_max:g}" if m.dose_max else "")
            )
            freq = (m.frequency or "") + (" prn" if m.as_needed else "")
            table.add_row(
                m.name, dose, m.unit or "", m.route or "", freq, m.status, _context_label(m.context)
            )
        console.print(table)
    measurements = [*report.vitals, *report.labs]
    if measurements:
        table = Table(title="Vitals and labs")
        for col in ("kind", "name", "value", "unit", "normalised", "LOINC", "plausible"):
            table.add_column(col)
        for m in measurements:
            value = m.value_text if m.value is None else f"{m.value:g}"
            norm = (
                ""
                if m.normalized_value is None
                else f"{m.normalized_value:g} {m.normalized_unit or ''}"
            )
            table.add_row(
                m.kind,
                m.name,
                value or "",
                m.unit or "",
                norm,
                m.loinc or "",
                "yes" if m.plausible else "NO",
            )
        console.print(table)
    for score in report.scores:
        band = f" ({score.band})" if score.band else ""
        unit = f" {score.unit}" if score.unit else ""
        console.print(f"[bold]{score.name}[/]: {score.value}{unit}{band}")
        for comp in score.components:
            pts = "" if comp.points is None else f" [{comp.points:+g}]"
            ev = "; ".join((e.text or e.note or e.source) for e in comp.evidence)
            console.print(f"    {comp.name} = {comp.value}{pts}  [dim]{ev}[/]")
        if score.missing:
            console.print(f"    [yellow]missing:[/] {', '.join(score.missing)}")
    console.print(f"[dim]{report.safety.disclaimer}[/]")


def render_image_analysis(report: ImageAnalysis, title: str = "image") -> None:
    console = _console()
    console.rule(f"[bold]{title}")
    _safety_header(console, report.safety)
    md = report.metadata
    console.print(
        f"[bold]{md.format}[/] {md.modality or ''} {md.body_part or ''} {md.rows}x{md.columns}"
        + (f", {md.frames} frames" if md.frames > 1 else "")
    )
    console.print(f"[bold]Quality:[/] {report.quality.grade}")
    for issue in report.quality.issues:
        console.print(f"  - {issue.code}: {issue.explanation} ({issue.metric}={issue.value:.3g})")
    for obs in report.observations:
        console.print(f"  observation to review: {obs.label} (confidence {obs.confidence:.2f})")
    for notice in report.notices:
        console.print(f"[cyan]notice:[/] {notice.message}")
    console.print(f"[dim]{report.safety.disclaimer}[/]")
