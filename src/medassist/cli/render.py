"""Rich terminal rendering of reports. Presentation only: reports arrive already safe."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from medassist.schemas.imaging import ImageAnalysis
from medassist.schemas.text import ContextAssertion, TextAnalysis
from medassist.text.allergies import allergies_line

__all__ = ["render_text_analysis", "render_image_analysis", "clinical_number", "relevant_scores"]


def clinical_number(value: object) -> str:
    """A number at clinical precision: three significant figures, at most two decimals, no
    trailing zeros (CrCl 77.8 mL/min, creatinine 1.24 mg/dL, sodium 138, INR 1.1)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "not computed" if value is None else str(value)
    x = float(value)
    if x != x or x in (float("inf"), float("-inf")):
        return str(x)
    magnitude = abs(x)
    if magnitude >= 100 or x == int(x):
        return f"{round(x):d}" if magnitude >= 100 or x == int(x) else f"{x:g}"
    places = 1 if magnitude >= 10 else 2 if magnitude >= 1 else 3
    text = f"{x:.{places}f}".rstrip("0").rstrip(".")
    return text if text not in {"-0", ""} else "0"


def relevant_scores(report: TextAnalysis) -> list:  # type: ignore[type-arg]
    """The calculators the note speaks to: at least one input read from the note."""
    return [
        s
        for s in report.scores
        if any(e.source == "note" for c in s.components for e in c.evidence)
    ]


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


def _component_value(value: object) -> str:
    if value is None:
        return "not found"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return clinical_number(value)


def render_text_analysis(
    report: TextAnalysis, title: str = "note", all_scores: bool = False
) -> None:
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
            # codes are never cut ("ICD-10-CM:E11.9" whole, whatever the terminal width)
            table.add_column(col, no_wrap=col == "code", overflow="fold")
        for e in report.entities:
            code = f"{e.code_system}:{e.code}" if e.code else ""
            text = e.text + (f" (+{e.repeats} more)" if e.repeats else "")
            table.add_row(
                text, e.category, e.preferred, code, _context_label(e.context), e.section or ""
            )
        console.print(table)
    if report.medications:
        table = Table(title="Medications")
        for col in ("name", "dose", "unit", "route", "frequency", "status", "context"):
            table.add_column(col)
        for m in report.medications:
            dose = (
                ""
                if m.dose is None
                else clinical_number(m.dose)
                + (f"-{clinical_number(m.dose_max)}" if m.dose_max else "")
            )
            freq = (m.frequency or "") + (" prn" if m.as_needed else "")
            table.add_row(
                m.name, dose, m.unit or "", m.route or "", freq, m.status, _context_label(m.context)
            )
        console.print(table)
    measurements = [*report.vitals, *report.labs]
    if measurements:
        table = Table(title="Vitals and labs")
        cols = ("kind", "name", "value", "unit", "normalised", "time", "LOINC", "plausible")
        for col in cols:
            table.add_column(col, no_wrap=col == "LOINC", overflow="fold")
        for m in measurements:
            value = m.value_text if m.value is None else clinical_number(m.value)
            norm = (
                ""
                if m.normalized_value is None
                else f"{clinical_number(m.normalized_value)} {m.normalized_unit or ''}"
            )
            time_point = "" if m.time_point == "unknown" else m.time_point
            time_point += " (current)" if m.current and time_point else ""
            table.add_row(
                m.kind,
                m.name,
                value or "",
                m.unit or "",
                norm,
                time_point,
                m.loinc or "",
                "yes" if m.plausible else "NO",
            )
        console.print(table)
    scores = report.scores if all_scores else relevant_scores(report)
    if len(scores) < len(report.scores):
        console.print(
            f"[dim]{len(scores)} of {len(report.scores)} calculators shown: those with an input "
            "found in the note (all of them: --all-scores, or --format json)[/]"
        )
    for score in scores:
        band = f" ({score.band})" if score.band else ""
        unit = f" {score.unit}" if score.unit and score.value is not None else ""
        console.print(f"[bold]{score.name}[/]: {clinical_number(score.value)}{unit}{band}")
        for comp in score.components:
            pts = "" if comp.points is None else f" [{comp.points:+g}]"
            ev = "; ".join((e.text or e.note or e.source) for e in comp.evidence)
            shown = _component_value(comp.value)
            console.print(f"    {comp.name} = {escape(shown)}{pts}  [dim]{escape(ev)}[/]")
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
