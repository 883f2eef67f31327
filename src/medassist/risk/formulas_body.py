"""Body-size formulas: BMI, BSA (Mosteller), ideal/adjusted body weight, target weight."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from medassist.risk.base import Band, Calculator, Fact, InputSpec, ScoreResult, register
from medassist.risk.formulas_common import (
    SEX_INPUT,
    finding_value,
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
    "Bmi",
    "Bsa",
    "IdealBodyWeight",
    "AdjustedBodyWeight",
    "TargetWeight",
    "bmi_value",
    "ideal_body_weight",
    "adjusted_body_weight",
    "CM_PER_INCH",
]

CM_PER_INCH = 2.54

_WEIGHT = InputSpec(
    name="weight",
    label="Body weight",
    unit="kg",
    minimum=0.3,
    maximum=400,
    derivation="body weight stated in the note (lb/g converted to kg)",
)
_HEIGHT = InputSpec(
    name="height",
    label="Height",
    unit="cm",
    minimum=30,
    maximum=250,
    derivation="height stated in the note (m, in, ft/in converted to cm)",
)
_SEX = SEX_INPUT


def bmi_value(weight: float, height_cm: float) -> float:
    """Body mass index (kg/m²)."""
    metres = height_cm / 100
    return weight / (metres * metres)


def ideal_body_weight(height_cm: float, sex: str) -> float:
    """Devine ideal body weight (kg): 50 (male) / 45.5 (female) + 2.3 kg per inch over 60 in."""
    base = 50.0 if norm_sex(sex) == "male" else 45.5
    return base + 2.3 * (height_cm / CM_PER_INCH - 60)


def adjusted_body_weight(weight: float, ibw: float) -> float:
    """Adjusted body weight (kg): IBW + 0.4 × (actual - IBW)."""
    return ibw + 0.4 * (weight - ibw)


_BMI_BANDS = [
    Band(label="underweight range (<18.5 kg/m²)", low=None, high=18.5),
    Band(label="healthy-weight range (18.5-24.9 kg/m²)", low=18.5, high=25),
    Band(label="overweight range (25-29.9 kg/m²)", low=25, high=30),
    Band(label="obesity class I range (30-34.9 kg/m²)", low=30, high=35),
    Band(label="obesity class II range (35-39.9 kg/m²)", low=35, high=40),
    Band(label="obesity class III range (>=40 kg/m²)", low=40, high=None),
]

_WHO_BMI = (
    "WHO. Obesity: preventing and managing the global epidemic. WHO Technical Report Series "
    "894, 2000. PMID 11234459"
)


@register
class Bmi(Calculator):
    id = "bmi"
    name = "Body mass index (BMI)"
    reference = (
        "Keys A, et al. Indices of relative weight and obesity. J Chronic Dis 1972;25:329-343. "
        f"doi:10.1016/0021-9681(72)90027-6. PMID 4650929; classes: {_WHO_BMI}"
    )
    unit = "kg/m²"
    relevance = 30
    bands: ClassVar[list[Band]] = _BMI_BANDS
    inputs: ClassVar[list[InputSpec]] = [_WEIGHT, _HEIGHT]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        return measurements(facts, {"weight": "weight", "height": "height"})

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        weight, height = require(values, "weight", "height")
        value = bmi_value(weight, height)
        formula = f"{fmt(weight)} kg / ({fmt(height / 100)} m)² = {fmt(value)} kg/m²"
        return make_result(self, values, value, formula, bands=_BMI_BANDS)


@register
class Bsa(Calculator):
    id = "bsa"
    name = "Body surface area (Mosteller)"
    reference = (
        "Mosteller RD. Simplified calculation of body-surface area. N Engl J Med "
        "1987;317:1098. doi:10.1056/NEJM198710223171717. PMID 3657876"
    )
    unit = "m²"
    relevance = 45
    inputs: ClassVar[list[InputSpec]] = [_WEIGHT, _HEIGHT]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        return measurements(facts, {"weight": "weight", "height": "height"})

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        weight, height = require(values, "weight", "height")
        value = (weight * height / 3600) ** 0.5
        formula = f"√({fmt(weight)} kg × {fmt(height)} cm / 3600) = {fmt(value)} m²"
        return make_result(self, values, value, formula)


_IBW_REF = (
    "Devine BJ. Gentamicin therapy. Drug Intell Clin Pharm 1974;8:650-655; review: Pai MP, "
    "Paloucek FP. The origin of the 'ideal' body weight equations. Ann Pharmacother "
    "2000;34:1066-1069. doi:10.1345/aph.19381. PMID 10981254"
)


def _sex_height(facts: NoteFacts) -> dict[str, Fact]:
    out = measurements(facts, {"height": "height"})
    sex = sex_fact(facts)
    if sex is not None:
        out["sex"] = sex
    return out


@register
class IdealBodyWeight(Calculator):
    id = "ideal_body_weight"
    name = "Ideal body weight (Devine)"
    reference = _IBW_REF
    unit = "kg"
    relevance = 45
    inputs: ClassVar[list[InputSpec]] = [_SEX, _HEIGHT]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        return _sex_height(facts)

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        sex, height = require(values, "sex", "height")
        value = ideal_body_weight(height, sex)
        base = "50" if norm_sex(sex) == "male" else "45.5"
        inches = height / CM_PER_INCH
        formula = f"{base} kg + 2.3 kg × ({fmt(inches)} in - 60) = {fmt(value)} kg"
        flags = (
            ["Devine formula is intended for adults taller than 152 cm (60 in)"]
            if inches < 60
            else []
        )
        return make_result(self, values, value, formula, flags=flags)


@register
class AdjustedBodyWeight(Calculator):
    id = "adjusted_body_weight"
    name = "Adjusted body weight"
    reference = _IBW_REF
    unit = "kg"
    relevance = 46
    inputs: ClassVar[list[InputSpec]] = [_SEX, _HEIGHT, _WEIGHT]

    def relevant(self, facts: NoteFacts) -> bool:
        """Reported when the BMI is 30 or more (where dosing may use it)."""
        found = self.derive(facts)
        if "weight" not in found or "height" not in found:
            return False
        try:
            return bmi_value(float(found["weight"].value), float(found["height"].value)) >= 30
        except (TypeError, ValueError, ZeroDivisionError):
            return False

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out = _sex_height(facts)
        out.update(measurements(facts, {"weight": "weight"}))
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        sex, height, weight = require(values, "sex", "height", "weight")
        ibw = ideal_body_weight(height, sex)
        value = adjusted_body_weight(weight, ibw)
        base = "50" if norm_sex(sex) == "male" else "45.5"
        formula = (
            f"IBW = {base} + 2.3 × ({fmt(height / CM_PER_INCH)} - 60) = {fmt(ibw)} kg; "
            f"ABW = {fmt(ibw)} + 0.4 × ({fmt(weight)} - {fmt(ibw)}) = {fmt(value)} kg"
        )
        return make_result(self, values, value, formula)


@register
class TargetWeight(Calculator):
    id = "target_weight"
    name = "Target weight for a target BMI"
    reference = (
        "Keys A, et al. Indices of relative weight and obesity. J Chronic Dis 1972;25:329-343. "
        "doi:10.1016/0021-9681(72)90027-6. PMID 4650929 (weight = BMI × height²)"
    )
    unit = "kg"
    relevance = 60
    inputs: ClassVar[list[InputSpec]] = [
        _HEIGHT,
        InputSpec(
            name="target_bmi",
            label="Target BMI",
            unit="kg/m²",
            minimum=10,
            maximum=60,
            derivation="the target BMI stated in the note or the question",
        ),
    ]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out = measurements(facts, {"height": "height"})
        fact = finding_value(facts, "body.target_bmi")
        if fact is not None:
            out["target_bmi"] = fact
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        height, target = require(values, "height", "target_bmi")
        metres = height / 100
        value = target * metres * metres
        formula = f"{fmt(target)} kg/m² × ({fmt(metres)} m)² = {fmt(value)} kg"
        return make_result(self, values, value, formula)
