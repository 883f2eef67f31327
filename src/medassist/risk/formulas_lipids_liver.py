"""Lipid, liver and insulin-resistance formulas: Friedewald LDL, FIB-4, HOMA-IR."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from medassist.risk.base import Band, Calculator, Fact, InputSpec, ScoreResult, register
from medassist.risk.formulas_common import fmt, make_result, measurements, require

if TYPE_CHECKING:  # pragma: no cover
    from medassist.risk.facts import NoteFacts

__all__ = ["LdlFriedewald", "Fib4", "HomaIr"]

_LDL_BANDS = [
    Band(label="optimal range (<100 mg/dL, NCEP ATP III)", low=None, high=100),
    Band(label="near-optimal range (100-129 mg/dL, NCEP ATP III)", low=100, high=130),
    Band(label="borderline-high range (130-159 mg/dL, NCEP ATP III)", low=130, high=160),
    Band(label="high range (160-189 mg/dL, NCEP ATP III)", low=160, high=190),
    Band(label="very-high range (>=190 mg/dL, NCEP ATP III)", low=190, high=None),
]


@register
class LdlFriedewald(Calculator):
    id = "ldl_friedewald"
    name = "LDL cholesterol (Friedewald)"
    reference = (
        "Friedewald WT, Levy RI, Fredrickson DS. Estimation of the concentration of low-density "
        "lipoprotein cholesterol in plasma, without use of the preparative ultracentrifuge. Clin "
        "Chem 1972;18:499-502. doi:10.1093/clinchem/18.6.499. PMID 4337382"
    )
    unit = "mg/dL"
    relevance = 40
    bands: ClassVar[list[Band]] = _LDL_BANDS
    inputs: ClassVar[list[InputSpec]] = [
        InputSpec(
            name="total_cholesterol",
            label="Total cholesterol",
            unit="mg/dL",
            minimum=20,
            maximum=2000,
            derivation="total cholesterol (mmol/L converted to mg/dL)",
        ),
        InputSpec(
            name="hdl",
            label="HDL cholesterol",
            unit="mg/dL",
            minimum=1,
            maximum=300,
            derivation="HDL cholesterol (mmol/L converted to mg/dL)",
        ),
        InputSpec(
            name="triglycerides",
            label="Triglycerides",
            unit="mg/dL",
            minimum=1,
            maximum=10000,
            derivation="triglycerides (mmol/L converted to mg/dL)",
        ),
    ]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        return measurements(
            facts,
            {
                "total_cholesterol": "total_cholesterol",
                "hdl": "hdl",
                "triglycerides": "triglycerides",
            },
        )

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        tc, hdl, tg = require(values, "total_cholesterol", "hdl", "triglycerides")
        value = tc - hdl - tg / 5
        formula = f"{fmt(tc)} - {fmt(hdl)} - {fmt(tg)}/5 = {fmt(value)} mg/dL"
        flags = (
            ["triglycerides >= 400 mg/dL: the Friedewald estimate is not valid"]
            if tg >= 400
            else []
        )
        return make_result(self, values, value, formula, bands=_LDL_BANDS, flags=flags)


_FIB4_BANDS = [
    Band(label="below 1.45 (low-range value for advanced fibrosis)", low=None, high=1.45),
    Band(label="1.45-3.25 (indeterminate range)", low=1.45, high=3.2501),
    Band(label="above 3.25 (high-range value for advanced fibrosis)", low=3.2501, high=None),
]


def _nearest(candidates: list[Fact], anchor: int) -> Fact | None:
    """The numeric mention closest (in characters) to ``anchor``."""
    numeric = [
        f for f in candidates if isinstance(f.value, int | float) and f.evidence.start is not None
    ]
    if not numeric:
        return None
    return min(numeric, key=lambda f: abs((f.evidence.start or 0) - anchor))


@register
class Fib4(Calculator):
    id = "fib4"
    name = "Fibrosis-4 (FIB-4) index"
    reference = (
        "Sterling RK, et al. Development of a simple noninvasive index to predict significant "
        "fibrosis in patients with HIV/HCV coinfection. Hepatology 2006;43:1317-1325. "
        "doi:10.1002/hep.21178. PMID 16729309"
    )
    unit = None
    relevance = 40
    bands: ClassVar[list[Band]] = _FIB4_BANDS
    inputs: ClassVar[list[InputSpec]] = [
        InputSpec(
            name="age",
            label="Age",
            unit="years",
            minimum=1,
            maximum=120,
            derivation="patient's age",
        ),
        InputSpec(
            name="ast",
            label="AST",
            unit="U/L",
            minimum=1,
            maximum=50000,
            derivation="aspartate aminotransferase (AST/SGOT)",
        ),
        InputSpec(
            name="alt",
            label="ALT",
            unit="U/L",
            minimum=1,
            maximum=50000,
            derivation="alanine aminotransferase (ALT/SGPT)",
        ),
        InputSpec(
            name="platelets",
            label="Platelet count",
            unit="10^9/L",
            minimum=1,
            maximum=3000,
            derivation="platelet count (/µL converted to 10^9/L)",
        ),
    ]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        found = measurements(
            facts, {"age": "age", "ast": "ast", "alt": "alt", "platelets": "platelets"}
        )
        # A case report often gives several liver panels: take the AST/ALT of the panel the
        # platelet count belongs to (the mentions nearest to it), not the first ones.
        platelets = found.get("platelets")
        anchor = platelets.evidence.start if platelets is not None else None
        if anchor is not None:
            for name in ("ast", "alt"):
                near = _nearest(facts.measurements(name), anchor)
                if near is not None and found.get(name) is not None:
                    found[name] = near
        return found

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        age, ast, alt, plt = require(values, "age", "ast", "alt", "platelets")
        value = age * ast / (plt * alt**0.5)
        formula = f"({fmt(age)} × {fmt(ast)}) / ({fmt(plt)} × √{fmt(alt)}) = {fmt(value)}"
        flags = []
        if age < 18:
            # Sterling 2006 derived the index (and its 1.45/3.25 cut-offs) in adults
            flags.append(
                f"FIB-4 was derived in adults; its cut-offs are not validated at age {fmt(age)}"
            )
        return make_result(self, values, value, formula, bands=_FIB4_BANDS, flags=flags)


@register
class HomaIr(Calculator):
    id = "homa_ir"
    name = "HOMA-IR (insulin resistance)"
    reference = (
        "Matthews DR, et al. Homeostasis model assessment: insulin resistance and beta-cell "
        "function from fasting plasma glucose and insulin concentrations in man. Diabetologia "
        "1985;28:412-419. doi:10.1007/BF00280883. PMID 3899825"
    )
    unit = None
    relevance = 60
    inputs: ClassVar[list[InputSpec]] = [
        InputSpec(
            name="insulin",
            label="Fasting insulin",
            unit="µIU/mL",
            minimum=0.1,
            maximum=1000,
            derivation="fasting insulin (pmol/L converted to µIU/mL)",
        ),
        InputSpec(
            name="glucose",
            label="Fasting glucose",
            unit="mg/dL",
            minimum=10,
            maximum=3000,
            derivation="fasting glucose (mmol/L converted to mg/dL)",
        ),
    ]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        return measurements(facts, {"insulin": "insulin", "glucose": "glucose"})

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        insulin, glucose = require(values, "insulin", "glucose")
        value = insulin * glucose / 405
        formula = f"{fmt(insulin)} × {fmt(glucose)} / 405 = {fmt(value)}"
        return make_result(self, values, value, formula)
