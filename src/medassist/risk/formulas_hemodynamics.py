"""Mean arterial pressure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from medassist.risk.base import Band, Calculator, Fact, InputSpec, ScoreResult, register
from medassist.risk.formulas_common import fmt, make_result, measurements, require

if TYPE_CHECKING:  # pragma: no cover
    from medassist.risk.facts import NoteFacts

__all__ = ["MeanArterialPressure"]

_MAP_BANDS = [
    Band(
        label="below 65 mmHg (under the commonly used minimum perfusion target)", low=None, high=65
    ),
    Band(label="65 mmHg or above", low=65, high=None),
]


@register
class MeanArterialPressure(Calculator):
    id = "map"
    name = "Mean arterial pressure (MAP)"
    reference = (
        "DeMers D, Wachs D. Physiology, mean arterial pressure. StatPearls 2023. PMID 30855814 "
        "(MAP = DBP + (SBP - DBP)/3)"
    )
    unit = "mmHg"
    relevance = 30
    bands: ClassVar[list[Band]] = _MAP_BANDS
    inputs: ClassVar[list[InputSpec]] = [
        InputSpec(
            name="sbp",
            label="Systolic blood pressure",
            unit="mmHg",
            minimum=30,
            maximum=300,
            derivation="first systolic blood pressure in the note",
        ),
        InputSpec(
            name="dbp",
            label="Diastolic blood pressure",
            unit="mmHg",
            minimum=10,
            maximum=200,
            derivation="first diastolic blood pressure in the note",
        ),
    ]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        return measurements(facts, {"sbp": "sbp", "dbp": "dbp"})

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        sbp, dbp = require(values, "sbp", "dbp")
        value = (sbp + 2 * dbp) / 3
        formula = f"(1/3) × {fmt(sbp)} + (2/3) × {fmt(dbp)} = {fmt(value)} mmHg"
        return make_result(self, values, value, formula, bands=_MAP_BANDS)
