"""QT interval corrected for heart rate: Bazett, Fridericia, Framingham, Hodges, Rautaharju."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from medassist.risk.base import Band, Calculator, Fact, InputSpec, ScoreResult, register
from medassist.risk.formulas_common import finding_value, fmt, make_result, measurements, require

if TYPE_CHECKING:  # pragma: no cover
    from medassist.risk.facts import NoteFacts

__all__ = [
    "QtcBazett",
    "QtcFridericia",
    "QtcFramingham",
    "QtcHodges",
    "QtcRautaharju",
    "QTC_FORMULAS",
]

_REVIEW = (
    "Vandenberk B, et al. Which QT correction formulae to use for QT monitoring? J Am Heart "
    "Assoc 2016;5:e003264. doi:10.1161/JAHA.116.003264. PMID 27317349"
)

_QTC_BANDS = [
    Band(label="below 450 ms (not prolonged by common thresholds)", low=None, high=450),
    Band(
        label="450-499 ms (prolonged by common sex-specific thresholds: >=450 ms men, "
        ">=460 ms women)",
        low=450,
        high=500,
    ),
    Band(label=">=500 ms (markedly prolonged range)", low=500, high=None),
]

_INPUTS = [
    InputSpec(
        name="qt_interval",
        label="QT interval",
        unit="ms",
        minimum=150,
        maximum=800,
        derivation="measured QT interval (s converted to ms)",
    ),
    InputSpec(
        name="heart_rate",
        label="Heart rate",
        unit="beats/min",
        minimum=20,
        maximum=300,
        derivation="heart rate / pulse at the time of the ECG",
    ),
]


def _rr(hr: float) -> float:
    return 60.0 / hr


#: formula id -> (QTc function of (qt ms, hr bpm), formula text template)
QTC_FORMULAS: dict[str, tuple[Callable[[float, float], float], str]] = {
    "bazett": (lambda qt, hr: qt / _rr(hr) ** 0.5, "{qt} / √(60/{hr} = {rr} s)"),
    "fridericia": (lambda qt, hr: qt / _rr(hr) ** (1 / 3), "{qt} / ∛(60/{hr} = {rr} s)"),
    "framingham": (lambda qt, hr: qt + 154 * (1 - _rr(hr)), "{qt} + 154 × (1 - 60/{hr} = {rr} s)"),
    "hodges": (lambda qt, hr: qt + 1.75 * (hr - 60), "{qt} + 1.75 × ({hr} - 60)"),
    "rautaharju": (lambda qt, hr: qt * (120 + hr) / 180, "{qt} × (120 + {hr}) / 180"),
}


class _Qtc(Calculator):
    formula_id: ClassVar[str]
    unit = "ms"
    relevance = 50
    bands: ClassVar[list[Band]] = _QTC_BANDS
    inputs: ClassVar[list[InputSpec]] = list(_INPUTS)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out = measurements(facts, {"qt_interval": "qt_interval", "heart_rate": "heart_rate"})
        if "qt_interval" not in out:
            fact = finding_value(facts, "qtc.qt_interval")
            if fact is not None:
                out["qt_interval"] = fact
        if "heart_rate" not in out:
            fact = finding_value(facts, "qtc.heart_rate")
            if fact is not None:
                out["heart_rate"] = fact
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        qt, hr = require(values, "qt_interval", "heart_rate")
        function, template = QTC_FORMULAS[self.formula_id]
        value = function(qt, hr)
        text = template.format(qt=fmt(qt), hr=fmt(hr), rr=fmt(_rr(hr)))
        return make_result(self, values, value, f"{text} = {fmt(value)} ms", bands=_QTC_BANDS)


@register
class QtcBazett(_Qtc):
    id = "qtc_bazett"
    name = "QTc (Bazett)"
    formula_id = "bazett"
    reference = f"Bazett HC. An analysis of the time-relations of electrocardiograms. Heart 1920;7:353-370; {_REVIEW}"


@register
class QtcFridericia(_Qtc):
    id = "qtc_fridericia"
    name = "QTc (Fridericia)"
    formula_id = "fridericia"
    reference = (
        "Fridericia LS. Die Systolendauer im Elektrokardiogramm bei normalen Menschen und bei "
        "Herzkranken. Acta Med Scand 1920;53:469-486. doi:10.1111/j.0954-6820.1920.tb18266.x; "
        f"{_REVIEW}"
    )


@register
class QtcFramingham(_Qtc):
    id = "qtc_framingham"
    name = "QTc (Framingham)"
    relevance = 70

    def relevant(self, facts: NoteFacts) -> bool:
        """Alternative corrections: run on request, not listed in every report."""
        return False

    formula_id = "framingham"
    reference = (
        "Sagie A, et al. An improved method for adjusting the QT interval for heart rate (the "
        "Framingham Heart Study). Am J Cardiol 1992;70:797-801. "
        "doi:10.1016/0002-9149(92)90562-d. PMID 1519533"
    )


@register
class QtcHodges(_Qtc):
    id = "qtc_hodges"
    name = "QTc (Hodges)"
    relevance = 70

    def relevant(self, facts: NoteFacts) -> bool:
        """Alternative corrections: run on request, not listed in every report."""
        return False

    formula_id = "hodges"
    reference = (
        "Hodges M, et al. Bazett's QT correction reviewed: evidence that a linear QT correction "
        f"for heart rate is better. J Am Coll Cardiol 1983;1:694 (abstract); {_REVIEW}"
    )


@register
class QtcRautaharju(_Qtc):
    id = "qtc_rautaharju"
    name = "QTc (Rautaharju)"
    relevance = 70

    def relevant(self, facts: NoteFacts) -> bool:
        """Alternative corrections: run on request, not listed in every report."""
        return False

    formula_id = "rautaharju"
    reference = (
        "Rautaharju PM, Mason JW, Akiyama T. New age- and sex-specific criteria for QT "
        "prolongation based on rate correction formulas that minimize bias at the upper normal "
        "limits. Int J Cardiol 2014;174:535-540. doi:10.1016/j.ijcard.2014.04.133. PMID 24825030"
    )
