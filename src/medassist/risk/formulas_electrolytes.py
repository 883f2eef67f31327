"""Electrolyte formulas: corrected calcium, corrected sodium (Hillier), calculated serum
osmolality, free water deficit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from medassist.risk.base import Band, Calculator, Fact, InputSpec, ScoreResult, register
from medassist.risk.formulas_common import (
    SODIUM_INPUT,
    fmt,
    make_result,
    measurements,
    norm_sex,
    require,
    sex_fact,
)

if TYPE_CHECKING:  # pragma: no cover
    from medassist.risk.facts import NoteFacts

__all__ = [
    "CalciumCorrection",
    "SodiumCorrection",
    "SerumOsmolality",
    "FreeWaterDeficit",
    "total_body_water_fraction",
]

_GLUCOSE = InputSpec(
    name="glucose",
    label="Serum glucose",
    unit="mg/dL",
    minimum=10,
    maximum=3000,
    derivation="serum/plasma glucose (mmol/L converted to mg/dL)",
)

_CA_BANDS = [
    Band(label="below the usual reference range (<8.5 mg/dL)", low=None, high=8.5),
    Band(label="within the usual reference range (8.5-10.5 mg/dL)", low=8.5, high=10.5001),
    Band(label="above the usual reference range (>10.5 mg/dL)", low=10.5001, high=None),
]
_NA_BANDS = [
    Band(label="below the usual reference range (<135 mEq/L)", low=None, high=135),
    Band(label="within the usual reference range (135-145 mEq/L)", low=135, high=145.0001),
    Band(label="above the usual reference range (>145 mEq/L)", low=145.0001, high=None),
]
_OSM_BANDS = [
    Band(label="below the usual reference range (<275 mOsm/kg)", low=None, high=275),
    Band(label="within the usual reference range (275-295 mOsm/kg)", low=275, high=295.0001),
    Band(label="above the usual reference range (>295 mOsm/kg)", low=295.0001, high=None),
]


@register
class CalciumCorrection(Calculator):
    id = "calcium_correction"
    name = "Calcium corrected for albumin"
    reference = (
        "Payne RB, Little AJ, Williams RB, Milner JR. Interpretation of serum calcium in patients "
        "with abnormal serum proteins. Br Med J 1973;4:643-646. doi:10.1136/bmj.4.5893.643. "
        "PMID 4758544"
    )
    unit = "mg/dL"
    relevance = 40
    bands: ClassVar[list[Band]] = _CA_BANDS
    inputs: ClassVar[list[InputSpec]] = [
        InputSpec(
            name="calcium",
            label="Total serum calcium",
            unit="mg/dL",
            minimum=1,
            maximum=25,
            derivation="total serum calcium (mmol/L converted to mg/dL)",
        ),
        InputSpec(
            name="albumin",
            label="Serum albumin",
            unit="g/dL",
            minimum=0.1,
            maximum=7,
            derivation="serum albumin (g/L converted to g/dL)",
        ),
        InputSpec(
            name="normal_albumin",
            label="Normal albumin",
            unit="g/dL",
            required=False,
            default=4.0,
            minimum=3,
            maximum=5,
            derivation="reference albumin; 4 g/dL unless stated",
        ),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        """Reported when albumin is below 4 g/dL."""
        fact = self.derive(facts).get("albumin")
        return fact is not None and isinstance(fact.value, int | float) and fact.value < 4

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        return measurements(facts, {"calcium": "calcium", "albumin": "albumin"})

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        ca, albumin = require(values, "calcium", "albumin")
        normal = values.get("normal_albumin") or 4.0
        value = ca + 0.8 * (normal - albumin)
        formula = f"{fmt(ca)} + 0.8 × ({fmt(normal)} - {fmt(albumin)}) = {fmt(value)} mg/dL"
        return make_result(self, values, value, formula, bands=_CA_BANDS)


@register
class SodiumCorrection(Calculator):
    id = "sodium_correction"
    name = "Sodium corrected for hyperglycaemia (Hillier)"
    reference = (
        "Hillier TA, Abbott RD, Barrett EJ. Hyponatremia: evaluating the correction factor for "
        "hyperglycemia. Am J Med 1999;106:399-403. doi:10.1016/s0002-9343(99)00055-8. "
        "PMID 10225241"
    )
    unit = "mEq/L"
    relevance = 40
    bands: ClassVar[list[Band]] = _NA_BANDS
    inputs: ClassVar[list[InputSpec]] = [SODIUM_INPUT, _GLUCOSE]

    def relevant(self, facts: NoteFacts) -> bool:
        """Reported when glucose is 200 mg/dL or more."""
        fact = self.derive(facts).get("glucose")
        return fact is not None and isinstance(fact.value, int | float) and fact.value >= 200

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        return measurements(facts, {"sodium": "sodium", "glucose": "glucose"})

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        na, glucose = require(values, "sodium", "glucose")
        value = na + 0.024 * (glucose - 100)
        formula = f"{fmt(na)} + 0.024 × ({fmt(glucose)} - 100) = {fmt(value)} mEq/L"
        return make_result(self, values, value, formula, bands=_NA_BANDS)


@register
class SerumOsmolality(Calculator):
    id = "serum_osmolality"
    name = "Calculated serum osmolality"
    reference = (
        "Dorwart WV, Chalmers L. Comparison of methods for calculating serum osmolality from "
        "chemical concentrations, and the prognostic value of such calculations. Clin Chem "
        "1975;21:190-194. doi:10.1093/clinchem/21.2.190. PMID 1112025"
    )
    unit = "mOsm/kg"
    relevance = 45
    bands: ClassVar[list[Band]] = _OSM_BANDS
    inputs: ClassVar[list[InputSpec]] = [
        SODIUM_INPUT,
        InputSpec(
            name="bun",
            label="Blood urea nitrogen",
            unit="mg/dL",
            minimum=0,
            maximum=300,
            derivation="BUN (urea mmol/L converted to BUN mg/dL)",
        ),
        _GLUCOSE,
    ]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        return measurements(facts, {"sodium": "sodium", "bun": "bun", "glucose": "glucose"})

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        na, bun, glucose = require(values, "sodium", "bun", "glucose")
        value = 2 * na + bun / 2.8 + glucose / 18
        formula = f"2 × {fmt(na)} + {fmt(bun)}/2.8 + {fmt(glucose)}/18 = {fmt(value)} mOsm/kg"
        return make_result(self, values, value, formula, bands=_OSM_BANDS)


def total_body_water_fraction(age: float, sex: str) -> tuple[float, str]:
    """Fraction of body weight that is water: child 0.6; adult M 0.6 / F 0.5; >=65 M 0.5 / F 0.45."""
    male = norm_sex(sex) == "male"
    if age < 18:
        return 0.6, "child (<18 years)"
    if age >= 65:
        return (0.5, "elderly male (>=65 years)") if male else (0.45, "elderly female (>=65 years)")
    return (0.6, "adult male") if male else (0.5, "adult female")


_FWD_BANDS = [
    Band(
        label="zero or negative: no free water deficit (sodium at or below the target)",
        low=None,
        high=1e-9,
    ),
    Band(label="positive: estimated free water deficit", low=1e-9, high=None),
]


@register
class FreeWaterDeficit(Calculator):
    id = "free_water_deficit"
    name = "Free water deficit"
    reference = (
        "Adrogué HJ, Madias NE. Hypernatremia. N Engl J Med 2000;342:1493-1499. "
        "doi:10.1056/NEJM200005183422006. PMID 10816188"
    )
    unit = "L"
    relevance = 50
    bands: ClassVar[list[Band]] = _FWD_BANDS
    inputs: ClassVar[list[InputSpec]] = [
        InputSpec(
            name="age",
            label="Age",
            unit="years",
            minimum=0,
            maximum=120,
            derivation="patient's age (sets the total body water fraction)",
        ),
        InputSpec(
            name="sex",
            label="Sex",
            type="choice",
            choices=["male", "female"],
            derivation="sex stated in the note",
        ),
        InputSpec(
            name="weight",
            label="Body weight",
            unit="kg",
            minimum=0.3,
            maximum=400,
            derivation="body weight (lb converted to kg)",
        ),
        SODIUM_INPUT,
        InputSpec(
            name="target_sodium",
            label="Target sodium",
            unit="mmol/L",
            required=False,
            default=140.0,
            minimum=120,
            maximum=160,
            derivation="desired sodium; 140 mEq/L unless stated",
        ),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        """Reported when sodium is above 145 mEq/L."""
        fact = self.derive(facts).get("sodium")
        return fact is not None and isinstance(fact.value, int | float) and fact.value > 145

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out = measurements(facts, {"age": "age", "weight": "weight", "sodium": "sodium"})
        sex = sex_fact(facts)
        if sex is not None:
            out["sex"] = sex
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        age, sex, weight, na = require(values, "age", "sex", "weight", "sodium")
        target = values.get("target_sodium") or 140.0
        fraction, group = total_body_water_fraction(age, sex)
        value = fraction * weight * (na / target - 1)
        formula = (
            f"{fraction} ({group}) × {fmt(weight)} kg × ({fmt(na)}/{fmt(target)} - 1) "
            f"= {fmt(value)} L"
        )
        return make_result(self, values, value, formula, bands=_FWD_BANDS)
