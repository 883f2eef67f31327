"""Small helpers shared by the point-score modules (declaring inputs, adding up points)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from medassist.risk.base import Calculator, Component, Fact, InputSpec, ScoreResult

if TYPE_CHECKING:  # pragma: no cover
    from medassist.risk.facts import NoteFacts

__all__ = [
    "criterion",
    "number",
    "choice",
    "item",
    "finish",
    "fmt",
    "first",
    "cue",
    "put",
    "val",
    "sex_input",
]


def criterion(name: str, label: str, derivation: str = "") -> InputSpec:
    """A yes/no criterion that the published score treats as absent when not documented."""
    return InputSpec(
        name=name,
        label=label,
        type="bool",
        required=False,
        default=False,
        derivation=derivation or f"affirmed mention of {label.lower()} in the note",
    )


def number(
    name: str,
    label: str,
    unit: str | None,
    lo: float,
    hi: float,
    derivation: str = "",
    required: bool = True,
    type_: str = "number",
) -> InputSpec:
    return InputSpec(
        name=name,
        label=label,
        type=type_,  # type: ignore[arg-type]
        unit=unit,
        minimum=lo,
        maximum=hi,
        required=required,
        derivation=derivation or f"first {label.lower()} found in the note",
    )


def choice(
    name: str, label: str, options: list[str], derivation: str = "", default: str | None = None
) -> InputSpec:
    return InputSpec(
        name=name,
        label=label,
        type="choice",
        choices=options,
        required=default is None,
        default=default,
        derivation=derivation,
    )


def item(name: str, value: Any, points: float) -> Component:
    return Component(name=name, value=value, points=points)


def fmt(x: float) -> str:
    return f"{x:g}"


def finish(
    calc: Calculator,
    components: list[Component],
    formula: str | None = None,
    extra: float = 0.0,
    value: float | None = None,
) -> ScoreResult:
    """Sum the components' points (or use ``value``), and attach band and formula."""
    total = sum(c.points or 0 for c in components) + extra if value is None else value
    if isinstance(total, float) and total.is_integer() and calc.unit is None:
        total = int(total)
    band = calc.band(float(total))
    if formula is None:
        formula = (
            " + ".join(f"{c.name} {fmt(c.points or 0)}" for c in components) + f" = {fmt(total)}"
        )
    return ScoreResult(
        calculator_id=calc.id,
        name=calc.name,
        value=total,
        unit=calc.unit,
        band=band.label if band else None,
        interpretation=band.label if band else None,
        components=components,
        formula=formula,
        reference=calc.reference,
    )


def first(*facts: Fact | None) -> Fact | None:
    """The first fact that is present (not None)."""
    for f in facts:
        if f is not None:
            return f
    return None


def cue(facts: NoteFacts, *rules: str) -> Fact | None:
    """``facts.condition`` over one or more finding rules (``text/rules/finding_rules.json``);
    a rule named ``family_history...`` is read as a family history. Affirmed wins over negated
    across rules."""
    negated: Fact | None = None
    for rule in rules:
        read = facts.family_history if rule.startswith("family_history") else facts.condition
        f = read(rule)
        if f is not None and f.value is True:
            return f
        negated = negated or f
    return negated


def put(out: dict[str, Fact], name: str, fact: Fact | None) -> None:
    """Store a derived fact when present."""
    if fact is not None and fact.value is not None:
        out[name] = fact


def val(fact: Fact | None, value: Any, note: str | None = None) -> Fact | None:
    """The same evidence with another value (e.g. a measurement turned into a criterion)."""
    if fact is None:
        return None
    ev = fact.evidence.model_copy(update={"note": note}) if note else fact.evidence
    return Fact(value=value, evidence=ev)


def sex_input(name: str = "sex") -> InputSpec:
    return InputSpec(
        name=name,
        label="Sex",
        type="choice",
        choices=["female", "male"],
        derivation="demographics (woman/man, she/he)",
    )
