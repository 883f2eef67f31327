"""Anion gap family: anion gap, delta gap, delta ratio and their albumin-corrected forms.

Conventions (as in MDCalc and MedCalc-Bench): AG = Na - (Cl + HCO3); normal AG 12 mEq/L,
normal HCO3 24 mEq/L, normal albumin 4 g/dL; albumin correction + 2.5 × (4 - albumin).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from medassist.risk.base import Band, Calculator, Fact, InputSpec, ScoreResult, register
from medassist.risk.formulas_common import (
    SODIUM_INPUT,
    fmt,
    make_result,
    measurements,
    require,
    same_panel,
)

if TYPE_CHECKING:  # pragma: no cover
    from medassist.risk.facts import NoteFacts

__all__ = [
    "AnionGap",
    "DeltaGap",
    "DeltaRatio",
    "AlbuminCorrectedAnionGap",
    "AlbuminCorrectedDeltaGap",
    "AlbuminCorrectedDeltaRatio",
    "anion_gap",
    "albumin_corrected_anion_gap",
    "NORMAL_ANION_GAP",
    "NORMAL_BICARBONATE",
    "NORMAL_ALBUMIN",
]

NORMAL_ANION_GAP = 12.0
NORMAL_BICARBONATE = 24.0
NORMAL_ALBUMIN = 4.0

_INPUTS = [
    SODIUM_INPUT,
    InputSpec(
        name="chloride",
        label="Chloride",
        unit="mmol/L",
        minimum=50,
        maximum=180,
        derivation="serum chloride (mEq/L = mmol/L)",
    ),
    InputSpec(
        name="bicarbonate",
        label="Bicarbonate",
        unit="mmol/L",
        minimum=1,
        maximum=60,
        derivation="serum bicarbonate / total CO2 (mEq/L = mmol/L)",
    ),
]
_ALBUMIN = InputSpec(
    name="albumin",
    label="Albumin",
    unit="g/dL",
    minimum=0.1,
    maximum=7,
    derivation="serum albumin (g/L converted to g/dL)",
)

_REF_AG = (
    "Emmett M, Narins RG. Clinical use of the anion gap. Medicine (Baltimore) 1977;56:38-54. "
    "doi:10.1097/00005792-197701000-00002. PMID 401925"
)
_REF_DELTA = (
    "Wrenn K. The delta (delta) gap: an approach to mixed acid-base disorders. Ann Emerg Med "
    "1990;19:1310-1313. doi:10.1016/s0196-0644(05)82292-9. PMID 2240729"
)
_REF_ALB = (
    "Figge J, Jabor A, Kazda A, Fencl V. Anion gap and hypoalbuminemia. Crit Care Med "
    "1998;26:1807-1810. doi:10.1097/00003246-199811000-00019. PMID 9824071"
)

_AG_BANDS = [
    Band(label="below the usual reference range (<3 mEq/L)", low=None, high=3),
    Band(label="within the usual reference range (3-12 mEq/L)", low=3, high=12.0001),
    Band(label="above 12 mEq/L (elevated anion gap)", low=12.0001, high=None),
]
_DELTA_RATIO_BANDS = [
    Band(
        label="<0.4: pattern consistent with a normal-anion-gap (hyperchloraemic) acidosis",
        low=None,
        high=0.4,
    ),
    Band(
        label="0.4-0.8: pattern consistent with combined high- and normal-anion-gap acidosis",
        low=0.4,
        high=0.8,
    ),
    Band(
        label="0.8-2.0: pattern consistent with an isolated high-anion-gap acidosis",
        low=0.8,
        high=2.0,
    ),
    Band(
        label=">2.0: pattern consistent with a concurrent metabolic alkalosis or chronic "
        "respiratory acidosis",
        low=2.0,
        high=None,
    ),
]


def anion_gap(sodium: float, chloride: float, bicarbonate: float) -> float:
    return sodium - (chloride + bicarbonate)


def albumin_corrected_anion_gap(
    sodium: float, chloride: float, bicarbonate: float, albumin: float
) -> float:
    return anion_gap(sodium, chloride, bicarbonate) + 2.5 * (NORMAL_ALBUMIN - albumin)


class _GapCalculator(Calculator):
    """Shared arithmetic; subclasses choose albumin correction and the quantity."""

    corrected: ClassVar[bool] = False
    quantity: ClassVar[str] = "gap"  # "gap", "delta_gap" or "delta_ratio"
    unit = "mEq/L"

    def relevant(self, facts: NoteFacts) -> bool:
        """Anion gap: always; delta gap/ratio: when the gap is above 12; corrected forms: when
        albumin is below 4 g/dL."""
        found = self.derive(facts)
        try:
            ag = anion_gap(*(float(found[k].value) for k in ("sodium", "chloride", "bicarbonate")))
        except (KeyError, TypeError, ValueError):
            return self.quantity == "gap"
        if self.corrected:
            albumin = found.get("albumin")
            if albumin is None or not isinstance(albumin.value, int | float) or albumin.value >= 4:
                return False
            ag += 2.5 * (NORMAL_ALBUMIN - albumin.value)
        return self.quantity == "gap" or ag > NORMAL_ANION_GAP

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        mapping = {"sodium": "sodium", "chloride": "chloride", "bicarbonate": "bicarbonate"}
        if self.corrected:
            mapping["albumin"] = "albumin"
        found = measurements(facts, mapping)
        # the gap's three ions come from one sample: when chloride was measured only with a
        # later panel (a blood gas: "Na 139, Cl 122, HCO3 11.3"), take its sodium too
        found = same_panel(facts, found, "chloride", ("sodium", "bicarbonate"))
        if self.corrected:
            # the albumin correction belongs to the anion gap of the same sample
            found = same_panel(facts, found, "albumin", ("sodium", "chloride", "bicarbonate"))
        return found

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        na, cl, hco3 = require(values, "sodium", "chloride", "bicarbonate")
        ag = anion_gap(na, cl, hco3)
        steps = [f"AG = {fmt(na)} - ({fmt(cl)} + {fmt(hco3)}) = {fmt(ag)}"]
        gap = ag
        if self.corrected:
            (albumin,) = require(values, "albumin")
            gap = ag + 2.5 * (NORMAL_ALBUMIN - albumin)
            steps.append(f"corrected AG = {fmt(ag)} + 2.5 × (4 - {fmt(albumin)}) = {fmt(gap)}")
        value = gap
        if self.quantity in {"delta_gap", "delta_ratio"}:
            value = gap - NORMAL_ANION_GAP
            steps.append(f"delta gap = {fmt(gap)} - 12 = {fmt(value)}")
        if self.quantity == "delta_ratio":
            denominator = NORMAL_BICARBONATE - hco3
            if denominator == 0:
                # no fall in bicarbonate to compare the gap's rise with: the ratio is undefined
                steps.append(f"delta ratio = {fmt(value)} / (24 - {fmt(hco3)}) = undefined")
                result = make_result(self, values, None, "; ".join(steps))
                result.interpretation = (
                    "not computed: the delta ratio is undefined when bicarbonate equals the "
                    "normal 24 mEq/L (division by zero); read the delta gap "
                    f"({fmt(value)} mEq/L) instead"
                )
                result.flags.append("delta ratio undefined: bicarbonate = 24 mEq/L")
                return result
            delta_gap = value
            value = delta_gap / denominator
            steps.append(f"delta ratio = {fmt(delta_gap)} / (24 - {fmt(hco3)}) = {fmt(value)}")
            if delta_gap <= 0 or denominator < 0:
                # the ratio compares a RISE of the gap with a FALL of bicarbonate: without
                # both, its bands (which describe a high-anion-gap acidosis) do not apply
                result = make_result(self, values, value, "; ".join(steps))
                why = (
                    f"bicarbonate {fmt(hco3)} mEq/L is not below the normal 24 mEq/L"
                    if denominator < 0
                    else f"the anion gap ({fmt(gap)} mEq/L) is not above the normal 12 mEq/L"
                )
                # a band of its own (a None band would be filled from the value by the API)
                result.band = "not interpretable (no raised anion gap with a fall in bicarbonate)"
                result.interpretation = (
                    f"not interpretable: {why}; the delta ratio reads a high-anion-gap "
                    "acidosis only"
                )
                result.flags.append(f"delta ratio not interpretable: {why}")
                return result
        return make_result(self, values, value, "; ".join(steps))


@register
class AnionGap(_GapCalculator):
    id = "anion_gap"
    name = "Anion gap"
    reference = _REF_AG
    relevance = 30
    bands: ClassVar[list[Band]] = _AG_BANDS
    inputs: ClassVar[list[InputSpec]] = list(_INPUTS)


@register
class DeltaGap(_GapCalculator):
    id = "delta_gap"
    name = "Delta gap"
    reference = _REF_DELTA
    quantity = "delta_gap"
    relevance = 55
    inputs: ClassVar[list[InputSpec]] = list(_INPUTS)


@register
class DeltaRatio(_GapCalculator):
    id = "delta_ratio"
    name = "Delta ratio"
    reference = _REF_DELTA
    quantity = "delta_ratio"
    unit = None
    relevance = 55
    bands: ClassVar[list[Band]] = _DELTA_RATIO_BANDS
    inputs: ClassVar[list[InputSpec]] = list(_INPUTS)


@register
class AlbuminCorrectedAnionGap(_GapCalculator):
    id = "albumin_corrected_anion_gap"
    name = "Albumin-corrected anion gap"
    reference = _REF_ALB
    corrected = True
    relevance = 35
    bands: ClassVar[list[Band]] = _AG_BANDS
    inputs: ClassVar[list[InputSpec]] = [*_INPUTS, _ALBUMIN]


@register
class AlbuminCorrectedDeltaGap(_GapCalculator):
    id = "albumin_corrected_delta_gap"
    name = "Albumin-corrected delta gap"
    reference = f"{_REF_ALB}; {_REF_DELTA}"
    corrected = True
    quantity = "delta_gap"
    relevance = 58
    inputs: ClassVar[list[InputSpec]] = [*_INPUTS, _ALBUMIN]


@register
class AlbuminCorrectedDeltaRatio(_GapCalculator):
    id = "albumin_corrected_delta_ratio"
    name = "Albumin-corrected delta ratio"
    reference = f"{_REF_ALB}; {_REF_DELTA}"
    corrected = True
    quantity = "delta_ratio"
    unit = None
    relevance = 58
    bands: ClassVar[list[Band]] = _DELTA_RATIO_BANDS
    inputs: ClassVar[list[InputSpec]] = [*_INPUTS, _ALBUMIN]
