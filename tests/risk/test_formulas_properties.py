"""Property tests of the formula calculators (hypothesis): positivity, monotonicity,
consistency between related formulas."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import medassist.risk.api  # noqa: F401  (registers every calculator)
from medassist.risk.base import get_calculator

SETTINGS = settings(max_examples=60, deadline=None)

ages = st.floats(min_value=18, max_value=100)
sexes = st.sampled_from(["male", "female"])
creatinine = st.floats(min_value=0.2, max_value=15)
weights = st.floats(min_value=30, max_value=250)
heights = st.floats(min_value=140, max_value=210)


def value(cid: str, **values) -> float:
    return get_calculator(cid).compute(values).value


@SETTINGS
@given(age=ages, sex=sexes, scr=creatinine, factor=st.floats(min_value=1.01, max_value=3))
def test_gfr_positive_and_falls_as_creatinine_rises(age, sex, scr, factor) -> None:
    for cid in ("ckd_epi_2021", "mdrd"):
        low = value(cid, age=age, sex=sex, creatinine=scr)
        high = value(cid, age=age, sex=sex, creatinine=scr * factor)
        assert low > 0 and high > 0
        assert high < low


@SETTINGS
@given(age=st.floats(min_value=18, max_value=90), sex=sexes, scr=creatinine)
def test_gfr_falls_with_age(age, sex, scr) -> None:
    for cid in ("ckd_epi_2021", "mdrd"):
        assert value(cid, age=age + 5, sex=sex, creatinine=scr) < value(
            cid, age=age, sex=sex, creatinine=scr
        )


@SETTINGS
@given(age=st.floats(min_value=18, max_value=100), sex=sexes, w=weights, h=heights, scr=creatinine)
def test_crcl_positive_and_monotone(age, sex, w, h, scr) -> None:
    v = value("cockcroft_gault", age=age, sex=sex, weight=w, height=h, creatinine=scr)
    assert v > 0
    assert value("cockcroft_gault", age=age, sex=sex, weight=w, height=h, creatinine=scr * 2) < v


@SETTINGS
@given(w=weights, h=heights, extra=st.floats(min_value=0.5, max_value=50))
def test_bmi_bsa_grow_with_weight(w, h, extra) -> None:
    assert value("bmi", weight=w + extra, height=h) > value("bmi", weight=w, height=h) > 0
    assert value("bsa", weight=w + extra, height=h) > value("bsa", weight=w, height=h) > 0


@SETTINGS
@given(w=weights, h=heights, sex=sexes)
def test_adjusted_weight_between_ideal_and_actual(w, h, sex) -> None:
    ibw = value("ideal_body_weight", sex=sex, height=h)
    abw = value("adjusted_body_weight", sex=sex, height=h, weight=w)
    assert min(ibw, w) - 1e-6 <= abw <= max(ibw, w) + 1e-6


@SETTINGS
@given(h=heights, bmi=st.floats(min_value=15, max_value=45))
def test_target_weight_inverts_bmi(h, bmi) -> None:
    target = value("target_weight", height=h, target_bmi=bmi)
    assert value("bmi", weight=target, height=h) == pytest.approx(bmi, abs=1e-3)


@SETTINGS
@given(
    na=st.floats(min_value=110, max_value=170),
    cl=st.floats(min_value=70, max_value=130),
    hco3=st.floats(min_value=2, max_value=40),
    alb=st.floats(min_value=1, max_value=5.5),
)
def test_gap_family_is_consistent(na, cl, hco3, alb) -> None:
    ag = value("anion_gap", sodium=na, chloride=cl, bicarbonate=hco3)
    assert ag == pytest.approx(na - cl - hco3, abs=1e-4)
    dg = value("delta_gap", sodium=na, chloride=cl, bicarbonate=hco3)
    assert dg == pytest.approx(ag - 12, abs=1e-4)
    cag = value(
        "albumin_corrected_anion_gap", sodium=na, chloride=cl, bicarbonate=hco3, albumin=alb
    )
    assert (cag >= ag - 1e-4) == (alb <= 4)  # lower albumin raises the corrected gap
    if abs(24 - hco3) > 0.5:
        dr = value("delta_ratio", sodium=na, chloride=cl, bicarbonate=hco3)
        assert dr == pytest.approx(dg / (24 - hco3), abs=1e-3)


@SETTINGS
@given(qt=st.floats(min_value=250, max_value=600), hr=st.floats(min_value=40, max_value=180))
def test_qtc_equals_qt_at_60_bpm_and_rises_with_rate(qt, hr) -> None:
    for cid in ("qtc_bazett", "qtc_fridericia", "qtc_framingham", "qtc_hodges"):
        assert value(cid, qt_interval=qt, heart_rate=60) == pytest.approx(qt, abs=1e-3)
        assert value(cid, qt_interval=qt, heart_rate=hr + 10) > value(
            cid, qt_interval=qt, heart_rate=hr
        )
    assert value("qtc_rautaharju", qt_interval=qt, heart_rate=hr + 10) > value(
        "qtc_rautaharju", qt_interval=qt, heart_rate=hr
    )


@SETTINGS
@given(w=st.floats(min_value=0.5, max_value=200), extra=st.floats(min_value=0.1, max_value=30))
def test_maintenance_fluids_monotone_and_continuous(w, extra) -> None:
    assert value("maintenance_fluids", weight=w + extra) > value("maintenance_fluids", weight=w) > 0
    for edge in (10, 20):
        assert value("maintenance_fluids", weight=edge - 1e-9) == pytest.approx(
            value("maintenance_fluids", weight=edge), abs=1e-6
        )


@SETTINGS
@given(dose=st.floats(min_value=0.1, max_value=500), n=st.integers(min_value=1, max_value=6))
def test_mme_linear_in_dose_and_frequency(dose, n) -> None:
    one = value("mme", morphine_dose=dose, morphine_doses_per_day=1)
    assert one == pytest.approx(dose, rel=1e-4)
    assert value("mme", oxycodone_dose=dose, oxycodone_doses_per_day=n) == pytest.approx(
        dose * n * 1.5, rel=1e-4
    )


@SETTINGS
@given(
    dose=st.floats(min_value=0.5, max_value=500),
    a=st.sampled_from(
        [
            "prednisone",
            "hydrocortisone",
            "dexamethasone",
            "methylprednisolone",
            "betamethasone",
            "cortisone",
            "prednisolone",
            "triamcinolone",
        ]
    ),
    b=st.sampled_from(["prednisone", "hydrocortisone", "dexamethasone", "methylprednisolone"]),
)
def test_steroid_conversion_round_trip(dose, a, b) -> None:
    there = value("steroid_conversion", steroid=a, steroid_dose=dose, target_steroid=b)
    back = value("steroid_conversion", steroid=b, steroid_dose=there, target_steroid=a)
    assert back == pytest.approx(dose, rel=1e-3)


@SETTINGS
@given(
    lmp=st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 1, 1)),
    days=st.integers(min_value=0, max_value=300),
    cycle=st.integers(min_value=21, max_value=35),
)
def test_pregnancy_dates(lmp, days, cycle) -> None:
    ga = (
        get_calculator("gestational_age")
        .compute({"lmp": lmp.isoformat(), "current_date": (lmp + timedelta(days=days)).isoformat()})
        .value
    )
    assert ga.startswith(f"({days // 7} week") and f" {days % 7} day" in ga
    due = date.fromisoformat(value("due_date", lmp=lmp.isoformat(), cycle_length=cycle))
    assert (due - lmp).days == 280 + cycle - 28
    conception = date.fromisoformat(
        value("conception_date", lmp=lmp.isoformat(), cycle_length=None)
    )
    assert (conception - lmp).days == 14


@SETTINGS
@given(ca=st.floats(min_value=5, max_value=14), alb=st.floats(min_value=1, max_value=5.5))
def test_corrected_calcium_rises_as_albumin_falls(ca, alb) -> None:
    assert value("calcium_correction", calcium=ca, albumin=alb - 0.5) > value(
        "calcium_correction", calcium=ca, albumin=alb
    )


@SETTINGS
@given(na=st.floats(min_value=110, max_value=170), glucose=st.floats(min_value=50, max_value=1500))
def test_corrected_sodium_and_osmolality(na, glucose) -> None:
    assert value("sodium_correction", sodium=na, glucose=glucose + 100) > value(
        "sodium_correction", sodium=na, glucose=glucose
    )
    assert value("serum_osmolality", sodium=na, bun=10, glucose=glucose) > 2 * na
