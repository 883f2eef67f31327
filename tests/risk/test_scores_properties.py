"""Property tests: every score stays inside the range its missing-input bounds give, and
monotone scores do not fall when a criterion is added."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from score_ids import SCORE_IDS

from medassist.risk import calculate
from medassist.risk.base import InputSpec, get_calculator

SCORES = [s for s in SCORE_IDS if s not in {"shock_index", "framingham_chd"}]

#: published bounds of each score
BOUNDS = {
    "news2": (0, 20),
    "qsofa": (0, 3),
    "curb65": (0, 5),
    "cha2ds2_vasc": (0, 9),
    "heart": (0, 10),
    "wells_pe": (0, 12.5),
    "wells_dvt": (-2, 9),
    "perc": (0, 8),
    "centor_mcisaac": (-1, 5),
    "feverpain": (0, 5),
    "sirs": (0, 4),
    "gcs": (3, 15),
    "child_pugh": (5, 15),
    "meld_na": (6, 40),
    "has_bled": (0, 9),
    "rcri": (0, 6),
    "charlson": (0, 37),
    "glasgow_blatchford": (0, 23),
    "sofa": (0, 24),
    "apache2": (0, 71),
}


def _value(spec: InputSpec) -> st.SearchStrategy[Any]:
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "choice":
        return st.sampled_from(spec.choices or [])
    lo, hi = spec.minimum or 0.0, spec.maximum or 100.0
    if spec.type == "int":
        return st.integers(int(lo), int(hi))
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def _inputs(draw: st.DrawFn, cid: str) -> dict[str, Any]:
    calc = get_calculator(cid)
    out = {}
    for spec in calc.inputs:
        if not spec.required and draw(st.booleans()):
            continue
        out[spec.name] = draw(_value(spec))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_scores_stay_within_published_bounds_and_empty_range(data: st.DataObject) -> None:
    cid = data.draw(st.sampled_from(SCORES))
    inputs = data.draw(_inputs(cid))
    result = calculate(cid, inputs=inputs)
    assert result.value is not None and not result.missing
    if cid in BOUNDS:
        lo, hi = BOUNDS[cid]
        assert lo <= result.value <= hi, (cid, inputs, result.value)
    # leaving out the required inputs gives a possible range that holds the full result
    required = {s.name for s in get_calculator(cid).inputs if s.required}
    partial = calculate(cid, inputs={k: v for k, v in inputs.items() if k not in required})
    if required:
        assert partial.value is None and partial.possible_range is not None
        lo, hi = partial.possible_range
        assert lo - 1e-9 <= result.value <= hi + 1e-9, (
            cid,
            inputs,
            result.value,
            partial.possible_range,
        )
    assert sum(c.points or 0 for c in result.components) == result.value or cid in {
        "meld_na",
        "heart",
    }


@settings(max_examples=40, deadline=None)
@given(
    cid=st.sampled_from(
        ["cha2ds2_vasc", "has_bled", "rcri", "wells_pe", "perc", "feverpain", "caprini", "charlson"]
    ),
    data=st.data(),
)
def test_adding_a_criterion_never_lowers_the_score(cid: str, data: st.DataObject) -> None:
    inputs = data.draw(_inputs(cid))
    bools = [s.name for s in get_calculator(cid).inputs if s.type == "bool"]
    name = data.draw(st.sampled_from(bools))
    without = calculate(cid, inputs={**inputs, name: False}).value
    with_ = calculate(cid, inputs={**inputs, name: True}).value
    assert with_ >= without


@settings(max_examples=30, deadline=None)
@given(age=st.floats(0, 119), extra=st.floats(0, 1))
def test_age_monotone(age: float, extra: float) -> None:
    base = {"bun": 10, "respiratory_rate": 16, "sbp": 120, "dbp": 80}
    assert (
        calculate("curb65", inputs={**base, "age": age + extra}).value
        >= calculate("curb65", inputs={**base, "age": age}).value
    )
    assert (
        calculate("cha2ds2_vasc", inputs={"sex": "male", "age": age + extra}).value
        >= calculate("cha2ds2_vasc", inputs={"sex": "male", "age": age}).value
    )


@settings(max_examples=30, deadline=None)
@given(
    cr=st.floats(0.1, 29), bili=st.floats(0.05, 79), inr=st.floats(0.5, 19), na=st.floats(90, 199)
)
def test_meld_na_monotone_in_bilirubin(cr: float, bili: float, inr: float, na: float) -> None:
    a = calculate(
        "meld_na", inputs={"creatinine": cr, "bilirubin": bili, "inr": inr, "sodium": na}
    ).value
    b = calculate(
        "meld_na", inputs={"creatinine": cr, "bilirubin": bili + 1, "inr": inr, "sodium": na}
    ).value
    assert b >= a
