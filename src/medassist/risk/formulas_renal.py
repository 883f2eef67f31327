"""Kidney function formulas: CKD-EPI 2021, MDRD (IDMS-traceable), Cockcroft-Gault, FENa."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from medassist.errors import CalculatorInputError
from medassist.risk.base import Band, Calculator, Fact, InputSpec, ScoreResult, register
from medassist.risk.formulas_body import adjusted_body_weight, bmi_value, ideal_body_weight
from medassist.risk.formulas_common import (
    KDIGO_GFR_BANDS,
    SEX_INPUT,
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

__all__ = ["CkdEpi2021", "Mdrd", "CockcroftGault", "Fena", "ckd_epi_2021", "mdrd", "crcl"]

_AGE = InputSpec(
    name="age",
    label="Age",
    unit="years",
    minimum=1,
    maximum=120,
    derivation="patient's age stated in the note (e.g. 'a 53-year-old man')",
)
_SEX = SEX_INPUT
_SCR = InputSpec(
    name="creatinine",
    label="Serum creatinine",
    unit="mg/dL",
    minimum=0.1,
    maximum=30,
    derivation="serum creatinine on admission (µmol/L converted to mg/dL)",
)


def ckd_epi_2021(creatinine: float, age: float, sex: str) -> tuple[float, float, float]:
    """eGFR (mL/min/1.73 m²) by the race-free 2021 CKD-EPI creatinine equation, with κ and α."""
    female = norm_sex(sex) == "female"
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = creatinine / kappa
    value = 142 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.200 * 0.9938**age
    return (value * 1.012 if female else value), kappa, alpha


def mdrd(creatinine: float, age: float, sex: str, black: bool = False) -> float:
    """eGFR (mL/min/1.73 m²) by the 4-variable IDMS-traceable MDRD equation (175)."""
    value = 175 * creatinine**-1.154 * age**-0.203
    if norm_sex(sex) == "female":
        value *= 0.742
    if black:
        value *= 1.212
    return value


def crcl(creatinine: float, age: float, sex: str, weight: float) -> float:
    """Cockcroft-Gault creatinine clearance (mL/min) for a given dosing weight (kg)."""
    factor = 0.85 if norm_sex(sex) == "female" else 1.0
    return (140 - age) * weight * factor / (72 * creatinine)


def _adult_flags(age: float) -> list[str]:
    return ["equation developed and validated in adults (age < 18)"] if age < 18 else []


def _renal_derive(facts: NoteFacts, extra: dict[str, str] | None = None) -> dict[str, Fact]:
    mapping = {"age": "age", "creatinine": "creatinine"}
    mapping.update(extra or {})
    out = measurements(facts, mapping)
    sex = sex_fact(facts)
    if sex is not None:
        out["sex"] = sex
    return out


@register
class CkdEpi2021(Calculator):
    id = "ckd_epi_2021"
    name = "CKD-EPI 2021 creatinine eGFR (race-free)"
    reference = (
        "Inker LA, et al. New creatinine- and cystatin C-based equations to estimate GFR "
        "without race. N Engl J Med 2021;385:1737-1749. doi:10.1056/NEJMoa2102953. PMID 34554658"
    )
    unit = "mL/min/1.73 m²"
    relevance = 20
    bands: ClassVar[list[Band]] = KDIGO_GFR_BANDS
    inputs: ClassVar[list[InputSpec]] = [_AGE, _SEX, _SCR]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        return _renal_derive(facts)

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        age, sex, scr = require(values, "age", "sex", "creatinine")
        value, kappa, alpha = ckd_epi_2021(scr, age, sex)
        female = norm_sex(sex) == "female"
        formula = (
            f"142 × min({fmt(scr)}/{kappa}, 1)^{alpha} × max({fmt(scr)}/{kappa}, 1)^-1.200 "
            f"× 0.9938^{fmt(age)}{' × 1.012' if female else ''} = {fmt(value)}"
        )
        return make_result(
            self, values, value, formula, bands=KDIGO_GFR_BANDS, flags=_adult_flags(age)
        )


@register
class Mdrd(Calculator):
    id = "mdrd"
    name = "MDRD GFR equation (4-variable, IDMS-traceable)"
    reference = (
        "Levey AS, et al. Using standardized serum creatinine values in the Modification of Diet "
        "in Renal Disease study equation for estimating glomerular filtration rate. Ann Intern "
        "Med 2006;145:247-254. doi:10.7326/0003-4819-145-4-200608150-00004. PMID 16908915"
    )
    unit = "mL/min/1.73 m²"
    relevance = 25
    bands: ClassVar[list[Band]] = KDIGO_GFR_BANDS
    inputs: ClassVar[list[InputSpec]] = [
        _AGE,
        _SEX,
        _SCR,
        InputSpec(
            name="black",
            label="Black race (race coefficient 1.212)",
            type="bool",
            required=False,
            default=False,
            derivation="'African American' or 'Black' describing the patient; absent -> no",
        ),
    ]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out = _renal_derive(facts)
        black = facts.finding("renal.black")
        if black is not None:
            out["black"] = Fact(value=True, evidence=black.evidence)
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        age, sex, scr = require(values, "age", "sex", "creatinine")
        black = bool(values.get("black") or False)
        value = mdrd(scr, age, sex, black)
        female = norm_sex(sex) == "female"
        formula = (
            f"175 × {fmt(scr)}^-1.154 × {fmt(age)}^-0.203"
            f"{' × 0.742' if female else ''}{' × 1.212' if black else ''} = {fmt(value)}"
        )
        return make_result(
            self, values, value, formula, bands=KDIGO_GFR_BANDS, flags=_adult_flags(age)
        )


@register
class CockcroftGault(Calculator):
    id = "cockcroft_gault"
    name = "Creatinine clearance (Cockcroft-Gault)"
    reference = (
        "Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine. "
        "Nephron 1976;16:31-41. doi:10.1159/000180580. PMID 1244564; weight by BMI: Winter MA, "
        "et al. Pharmacotherapy 2012;32:604-612. doi:10.1002/j.1875-9114.2012.01098.x. "
        "PMID 22576791"
    )
    unit = "mL/min"
    relevance = 22
    inputs: ClassVar[list[InputSpec]] = [
        _AGE,
        _SEX,
        InputSpec(
            name="weight",
            label="Body weight",
            unit="kg",
            minimum=1,
            maximum=400,
            derivation="body weight stated in the note (lb converted to kg)",
        ),
        InputSpec(
            name="height",
            label="Height (for BMI-based dosing weight)",
            unit="cm",
            required=False,
            minimum=50,
            maximum=250,
            derivation="height stated in the note; without it the actual weight is used",
        ),
        _SCR,
        InputSpec(
            name="weight_basis",
            label="Dosing weight rule",
            type="choice",
            required=False,
            choices=["bmi", "actual"],
            default="bmi",
            derivation=(
                "'bmi' (default): BMI >= 25 -> adjusted body weight, 18.5-24.9 -> min(ideal, "
                "actual), < 18.5 -> actual; 'actual': actual body weight"
            ),
        ),
    ]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out = _renal_derive(facts, {"weight": "weight", "height": "height"})
        # the clearance needs a weight and a creatinine of the same time: of several serum
        # creatinine mentions, take the one nearest the body weight used
        weight, scr = out.get("weight"), out.get("creatinine")
        if weight is not None and scr is not None and weight.evidence.start is not None:
            from medassist.risk.readings import suspicious

            mentions = [
                f
                for f in facts.measurements("creatinine")
                if isinstance(f.value, int | float)
                and f.evidence.start is not None
                and not suspicious("creatinine", f, facts)
            ]
            if len(mentions) > 1:
                anchor = weight.evidence.start
                out["creatinine"] = min(
                    mentions, key=lambda f: abs((f.evidence.start or 0) - anchor)
                )
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        age, sex, weight, scr = require(values, "age", "sex", "weight", "creatinine")
        sex = norm_sex(sex)
        height = values.get("height")
        basis = values.get("weight_basis") or "bmi"
        flags: list[str] = []
        used, rule, kind = weight, "actual body weight", "actual body weight"
        if basis == "bmi":
            if height is None:
                flags.append("height not given: actual body weight used")
            else:
                bmi = bmi_value(weight, height)
                ibw = ideal_body_weight(height, sex)
                if bmi >= 25:
                    used = adjusted_body_weight(weight, ibw)
                    kind = f"adjusted body weight, BMI {fmt(round(bmi, 1))}"
                    rule = (
                        f"BMI {fmt(bmi)} >= 25: adjusted body weight {fmt(ibw)} + 0.4 × "
                        f"({fmt(weight)} - {fmt(ibw)}) = {fmt(used)} kg"
                    )
                elif bmi >= 18.5:
                    used = min(ibw, weight)
                    kind = f"lower of ideal and actual weight, BMI {fmt(round(bmi, 1))}"
                    rule = (
                        f"BMI {fmt(bmi)} 18.5-24.9: min(ideal {fmt(ibw)}, actual {fmt(weight)}) kg"
                    )
                else:
                    rule = f"BMI {fmt(bmi)} < 18.5: actual body weight"
                    kind = f"actual body weight, BMI {fmt(round(bmi, 1))}"
        elif basis != "actual":
            raise CalculatorInputError(
                "weight_basis must be 'bmi' or 'actual'", field="weight_basis"
            )
        value = crcl(scr, age, sex, used)
        factor = " × 0.85" if sex == "female" else ""
        formula = (
            f"(140 - {fmt(age)}) × {fmt(used)}{factor} / (72 × {fmt(scr)}) = {fmt(value)} "
            f"[weight: {rule}]"
        )
        interpretation = (
            f"estimated creatinine clearance {fmt(round(value, 1))} mL/min for drug dosing "
            f"(dosing weight {fmt(round(used, 1))} kg: {kind})"
        )
        return make_result(
            self,
            values,
            value,
            formula,
            interpretation=interpretation,
            flags=[*flags, *_adult_flags(age)],
        )


_FENA_BANDS = [
    Band(label="below 1% (pattern often seen with reduced renal perfusion)", low=None, high=1),
    Band(label="1-2% (indeterminate range)", low=1, high=2),
    Band(label="above 2% (pattern often seen with tubular injury)", low=2, high=None),
]


@register
class Fena(Calculator):
    id = "fena"
    name = "Fractional excretion of sodium (FENa)"
    reference = (
        "Espinel CH. The FENa test: use in the differential diagnosis of acute renal failure. "
        "JAMA 1976;236:579-581. doi:10.1001/jama.1976.03270060029022. PMID 947239"
    )
    unit = "%"
    relevance = 40
    bands: ClassVar[list[Band]] = _FENA_BANDS
    inputs: ClassVar[list[InputSpec]] = [
        SODIUM_INPUT,
        InputSpec(
            name="creatinine",
            label="Serum creatinine",
            unit="mg/dL",
            minimum=0.1,
            maximum=30,
            derivation="serum creatinine (µmol/L converted to mg/dL)",
        ),
        InputSpec(
            name="urine_sodium",
            label="Urine sodium",
            unit="mmol/L",
            minimum=0,
            maximum=400,
            derivation="urine/urinary sodium",
        ),
        InputSpec(
            name="urine_creatinine",
            label="Urine creatinine",
            unit="mg/dL",
            minimum=1,
            maximum=1000,
            derivation="urine/urinary creatinine (µmol/L converted)",
        ),
    ]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        return measurements(
            facts,
            {
                "sodium": "sodium",
                "creatinine": "creatinine",
                "urine_sodium": "urine_sodium",
                "urine_creatinine": "urine_creatinine",
            },
        )

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        na, scr, una, ucr = require(
            values, "sodium", "creatinine", "urine_sodium", "urine_creatinine"
        )
        value = 100 * (una * scr) / (na * ucr)
        formula = f"100 × ({fmt(una)} × {fmt(scr)}) / ({fmt(na)} × {fmt(ucr)}) = {fmt(value)} %"
        return make_result(self, values, value, formula, bands=_FENA_BANDS)
