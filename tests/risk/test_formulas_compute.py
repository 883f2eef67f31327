"""compute() of the formula calculators on structured inputs: worked examples, band edges,
input errors."""

from __future__ import annotations

import pytest

import medassist.risk.api  # noqa: F401  (registers every calculator)
from medassist.errors import CalculatorInputError
from medassist.risk.api import calculate
from medassist.risk.base import get_calculator
from medassist.risk.formulas_common import band_label, fmt, parse_date

FORMULA_IDS = [
    "ckd_epi_2021",
    "mdrd",
    "cockcroft_gault",
    "map",
    "bmi",
    "bsa",
    "ideal_body_weight",
    "adjusted_body_weight",
    "target_weight",
    "anion_gap",
    "delta_gap",
    "delta_ratio",
    "albumin_corrected_anion_gap",
    "albumin_corrected_delta_gap",
    "albumin_corrected_delta_ratio",
    "calcium_correction",
    "sodium_correction",
    "serum_osmolality",
    "free_water_deficit",
    "ldl_friedewald",
    "fib4",
    "homa_ir",
    "fena",
    "qtc_bazett",
    "qtc_fridericia",
    "qtc_framingham",
    "qtc_hodges",
    "qtc_rautaharju",
    "maintenance_fluids",
    "mme",
    "steroid_conversion",
    "due_date",
    "conception_date",
    "gestational_age",
]


def run(cid: str, **values):
    return get_calculator(cid).compute(values)


@pytest.mark.parametrize("cid", FORMULA_IDS)
def test_declared(cid: str) -> None:
    calc = get_calculator(cid)
    assert calc.id == cid
    assert calc.name and calc.inputs
    assert "doi" in calc.reference.lower() or "pmid" in calc.reference.lower()
    for spec in calc.inputs:
        assert spec.derivation, f"{cid}.{spec.name} has no derivation text"
        if spec.type == "number":
            assert spec.minimum is not None and spec.maximum is not None


# --- worked examples (values from the references / MedCalc-Bench one-shot explanations) ----
@pytest.mark.parametrize(
    ("cid", "values", "expected", "tol"),
    [
        ("ckd_epi_2021", {"age": 81, "sex": "male", "creatinine": 1.7}, 39.99991, 1e-3),
        ("ckd_epi_2021", {"age": 50, "sex": "female", "creatinine": 0.6}, 109.283, 1e-2),
        ("mdrd", {"age": 85, "sex": "female", "creatinine": 1.36, "black": False}, 36.95439, 1e-3),
        (
            "cockcroft_gault",
            {"age": 53, "sex": "male", "weight": 87, "height": 175, "creatinine": 1.39},
            67.00495,
            1e-3,
        ),
        (
            "cockcroft_gault",
            {
                "age": 53,
                "sex": "male",
                "weight": 87,
                "height": 175,
                "creatinine": 1.39,
                "weight_basis": "actual",
            },
            (140 - 53) * 87 / (72 * 1.39),
            1e-4,
        ),
        ("map", {"sbp": 110, "dbp": 70}, 83.33333, 1e-4),
        ("bmi", {"weight": 68, "height": 182}, 20.52892, 1e-4),
        ("bsa", {"weight": 85, "height": 180}, 2.06155, 1e-4),
        ("ideal_body_weight", {"sex": "male", "height": 173}, 68.65362, 1e-3),
        ("adjusted_body_weight", {"sex": "female", "height": 160, "weight": 78}, 62.62918, 1e-3),
        ("target_weight", {"height": 72 * 2.54, "target_bmi": 23.2}, 77.59262, 1e-3),
        ("anion_gap", {"sodium": 140, "chloride": 110, "bicarbonate": 9.4}, 20.6, 1e-9),
        ("delta_gap", {"sodium": 142, "chloride": 123, "bicarbonate": 14}, -7.0, 1e-9),
        ("delta_ratio", {"sodium": 148, "chloride": 117, "bicarbonate": 8.6}, 0.67532, 1e-5),
        (
            "albumin_corrected_anion_gap",
            {"sodium": 127, "chloride": 101, "bicarbonate": 9, "albumin": 1.8},
            22.5,
            1e-9,
        ),
        (
            "albumin_corrected_delta_gap",
            {"sodium": 143, "chloride": 120, "bicarbonate": 12.5, "albumin": 2.1},
            3.25,
            1e-9,
        ),
        (
            "albumin_corrected_delta_ratio",
            {"sodium": 142.8, "chloride": 125.5, "bicarbonate": 7.5, "albumin": 4.2},
            -0.16364,
            1e-5,
        ),
        ("calcium_correction", {"calcium": 8.4, "albumin": 3.3, "normal_albumin": 4.0}, 8.96, 1e-9),
        ("sodium_correction", {"sodium": 132, "glucose": 350}, 138.0, 1e-9),
        ("serum_osmolality", {"sodium": 136.4, "bun": 11, "glucose": 125}, 283.67302, 1e-4),
        (
            "free_water_deficit",
            {"age": 17, "sex": "female", "weight": 35, "sodium": 126, "target_sodium": 140},
            -2.1,
            1e-9,
        ),
        ("ldl_friedewald", {"total_cholesterol": 161, "hdl": 39, "triglycerides": 95}, 103.0, 1e-9),
        ("fib4", {"age": 35, "ast": 107, "alt": 104, "platelets": 181}, 2.02888, 1e-4),
        ("homa_ir", {"insulin": 14.5, "glucose": 298}, 10.66914, 1e-4),
        (
            "fena",
            {"sodium": 197, "creatinine": 1.56, "urine_sodium": 12, "urine_creatinine": 128.1},
            0.07418,
            1e-5,
        ),
        ("qtc_bazett", {"qt_interval": 330, "heart_rate": 113}, 452.87563, 1e-2),
        ("qtc_fridericia", {"qt_interval": 373, "heart_rate": 161}, 518.32325, 1e-2),
        ("qtc_framingham", {"qt_interval": 405, "heart_rate": 87}, 452.79236, 1e-2),
        ("qtc_hodges", {"qt_interval": 280, "heart_rate": 101}, 351.75, 1e-3),
        ("qtc_rautaharju", {"qt_interval": 321, "heart_rate": 68}, 335.26667, 1e-3),
        ("maintenance_fluids", {"weight": 76}, 116.0, 1e-9),
        ("maintenance_fluids", {"weight": 15}, 50.0, 1e-9),
        ("maintenance_fluids", {"weight": 8}, 32.0, 1e-9),
        (
            "steroid_conversion",
            {
                "steroid": "hydrocortisone",
                "steroid_dose": 65.867,
                "target_steroid": "dexamethasone",
            },
            2.47001,
            1e-4,
        ),
        (
            "steroid_conversion",
            {"steroid": "Betamethasone IV", "steroid_dose": 6.33, "target_steroid": "Cortisone PO"},
            211.0,
            1e-6,
        ),
    ],
)
def test_worked_examples(cid: str, values: dict, expected: float, tol: float) -> None:
    result = run(cid, **values)
    assert result.value == pytest.approx(expected, abs=tol)
    assert result.formula and "=" in result.formula
    assert result.reference
    assert {c.name for c in result.components} <= {s.name for s in get_calculator(cid).inputs}


def test_mme_cdc_factors_and_patch() -> None:
    result = run(
        "mme",
        hydromorphone_dose=60,
        hydromorphone_doses_per_day=1,
        tapentadol_dose=30,
        tapentadol_doses_per_day=3,
        oxymorphone_dose=10,
        oxymorphone_doses_per_day=3,
    )
    assert result.value == pytest.approx(426.0)
    patch = run("mme", fentanyl_patch_dose=25, fentanyl_patch_doses_per_day=1)
    assert patch.value == pytest.approx(60.0)  # 25 µg/h × 2.4
    assert patch.band and patch.band.startswith("50-89")


def test_mme_assumes_one_dose_a_day_and_flags_it() -> None:
    result = run("mme", oxycodone_dose=10)
    assert result.value == pytest.approx(15.0)
    assert any("1 assumed" in f for f in result.flags)


def test_mme_without_any_dose_is_an_input_error() -> None:
    with pytest.raises(CalculatorInputError):
        run("mme")


def test_buprenorphine_is_flagged_as_outside_cdc_table() -> None:
    result = run("mme", buprenorphine_dose=2, buprenorphine_doses_per_day=1)
    assert result.value == pytest.approx(20.0)
    assert any("CDC" in f for f in result.flags)


def test_steroid_same_drug_is_identity() -> None:
    assert run(
        "steroid_conversion",
        steroid="dexamethasone",
        steroid_dose=6.86,
        target_steroid="dexamethasone",
    ).value == pytest.approx(6.86)


def test_steroid_unknown_name() -> None:
    with pytest.raises(CalculatorInputError) as info:
        run("steroid_conversion", steroid="aspirin", steroid_dose=5, target_steroid="prednisone")
    assert info.value.field == "steroid"


# --- dates --------------------------------------------------------------------------------
def test_due_date_naegele_and_cycle_adjustment() -> None:
    assert run("due_date", lmp="2000-02-24", cycle_length=30).value == "2000-12-02"
    assert run("due_date", lmp="2000-02-24", cycle_length=28).value == "2000-11-30"
    # a shorter cycle means earlier ovulation, so an earlier due date
    assert run("due_date", lmp="2002-02-13", cycle_length=25).value == "2002-11-17"
    assert run("due_date", lmp="02/13/2002", cycle_length=None).value == "2002-11-20"


def test_conception_date() -> None:
    result = run("conception_date", lmp="2017-01-07", cycle_length=None)
    assert result.value == "2017-01-21"
    longer = run("conception_date", lmp="2009-12-18", cycle_length=35)
    assert longer.value == "2010-01-01"
    assert "01/08/2010" in (longer.interpretation or "")


def test_gestational_age_rendering_and_trimesters() -> None:
    result = run("gestational_age", lmp="2020-12-23", current_date="2021-08-21")
    assert result.value == "(34 weeks, 3 days)"
    assert result.band and result.band.startswith("third")
    assert run("gestational_age", lmp="2021-01-01", current_date="2021-01-09").value == (
        "(1 week, 1 day)"
    )
    assert run("gestational_age", lmp="2021-01-01", current_date="2021-04-09").band.startswith(
        "second"
    )


def test_gestational_age_before_lmp() -> None:
    with pytest.raises(CalculatorInputError):
        run("gestational_age", lmp="2021-02-01", current_date="2021-01-01")


def test_bad_date() -> None:
    with pytest.raises(CalculatorInputError):
        parse_date("31/31/2020", "lmp")


# --- band edges ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "stage"),
    [
        (14.99, "G5"),
        (15, "G4"),
        (29.99, "G4"),
        (30, "G3b"),
        (44.99, "G3b"),
        (45, "G3a"),
        (59.99, "G3a"),
        (60, "G2"),
        (89.99, "G2"),
        (90, "G1"),
        (140, "G1"),
    ],
)
def test_kdigo_band_edges(value: float, stage: str) -> None:
    calc = get_calculator("ckd_epi_2021")
    assert band_label(value, calc.bands).startswith(stage)


@pytest.mark.parametrize(
    ("bmi", "label"),
    [
        (18.49, "underweight"),
        (18.5, "healthy"),
        (24.99, "healthy"),
        (25, "overweight"),
        (29.99, "overweight"),
        (30, "obesity class I "),
        (34.99, "obesity class I "),
        (35, "obesity class II "),
        (40, "obesity class III"),
    ],
)
def test_bmi_band_edges(bmi: float, label: str) -> None:
    assert band_label(bmi, get_calculator("bmi").bands).startswith(label)


def test_bmi_band_in_result() -> None:
    # height 100 cm: BMI = weight exactly
    assert run("bmi", weight=25, height=100).band.startswith("overweight")
    assert run("bmi", weight=24.9, height=100).band.startswith("healthy")


@pytest.mark.parametrize(
    ("cid", "value", "label"),
    [
        ("anion_gap", 2.9, "below"),
        ("anion_gap", 3, "within"),
        ("anion_gap", 12, "within"),
        ("anion_gap", 12.1, "above"),
        ("delta_ratio", 0.39, "<0.4"),
        ("delta_ratio", 0.4, "0.4-0.8"),
        ("delta_ratio", 0.8, "0.8-2.0"),
        ("delta_ratio", 2.0, ">2.0"),
        ("fib4", 1.44, "below 1.45"),
        ("fib4", 1.45, "1.45-3.25"),
        ("fib4", 3.25, "1.45-3.25"),
        ("fib4", 3.26, "above 3.25"),
        ("ldl_friedewald", 99.9, "optimal"),
        ("ldl_friedewald", 100, "near-optimal"),
        ("ldl_friedewald", 130, "borderline"),
        ("ldl_friedewald", 160, "high"),
        ("ldl_friedewald", 190, "very-high"),
        ("qtc_bazett", 449.9, "below 450"),
        ("qtc_bazett", 450, "450-499"),
        ("qtc_bazett", 500, ">=500"),
        ("mme", 49.9, "below 50"),
        ("mme", 50, "50-89"),
        ("mme", 90, ">=90"),
        ("fena", 0.99, "below 1%"),
        ("fena", 1, "1-2%"),
        ("fena", 2, "above 2%"),
        ("calcium_correction", 8.49, "below"),
        ("calcium_correction", 8.5, "within"),
        ("calcium_correction", 10.5, "within"),
        ("calcium_correction", 10.6, "above"),
        ("sodium_correction", 134.9, "below"),
        ("sodium_correction", 145, "within"),
        ("sodium_correction", 145.1, "above"),
        ("serum_osmolality", 274.9, "below"),
        ("serum_osmolality", 295, "within"),
        ("serum_osmolality", 295.1, "above"),
        ("map", 64.9, "below 65"),
        ("map", 65, "65 mmHg or above"),
        ("free_water_deficit", 0, "zero or negative"),
        ("free_water_deficit", 0.1, "positive"),
    ],
)
def test_band_edges(cid: str, value: float, label: str) -> None:
    assert band_label(value, get_calculator(cid).bands).startswith(label)


def test_bands_are_worded_without_a_diagnosis() -> None:
    for cid in FORMULA_IDS:
        for band in get_calculator(cid).bands:
            assert "diagnos" not in band.label.lower()


# --- special rules ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("weight", "rule"),
    [(87, "adjusted"), (70, "min("), (50, "actual")],
)
def test_cockcroft_gault_weight_rule_by_bmi(weight: float, rule: str) -> None:
    result = run("cockcroft_gault", age=60, sex="female", weight=weight, height=175, creatinine=1.0)
    assert rule in result.formula


def test_cockcroft_gault_without_height_uses_actual_weight() -> None:
    result = run("cockcroft_gault", age=60, sex="male", weight=80, height=None, creatinine=1.0)
    assert result.value == pytest.approx(80 * 80 / 72)
    assert any("height" in f for f in result.flags)


@pytest.mark.parametrize(
    ("age", "sex", "fraction"),
    [
        (10, "male", 0.6),
        (17, "female", 0.6),
        (18, "male", 0.6),
        (18, "female", 0.5),
        (64, "female", 0.5),
        (65, "male", 0.5),
        (65, "female", 0.45),
    ],
)
def test_free_water_fraction_groups(age: int, sex: str, fraction: float) -> None:
    result = run("free_water_deficit", age=age, sex=sex, weight=70, sodium=154, target_sodium=None)
    assert result.value == pytest.approx(fraction * 70 * (154 / 140 - 1))


def test_delta_ratio_undefined_at_normal_bicarbonate() -> None:
    """Bicarbonate of exactly 24: no division by zero, a clear 'undefined' result."""
    for cid in ("delta_ratio", "albumin_corrected_delta_ratio"):
        result = run(cid, sodium=140, chloride=100, bicarbonate=24, albumin=3.0)
        assert result.value is None
        assert "undefined" in (result.interpretation or "")
        assert any("bicarbonate = 24" in f for f in result.flags)
    via_api = calculate("delta_ratio", inputs={"sodium": 140, "chloride": 100, "bicarbonate": 24})
    assert via_api.value is None and via_api.band is None
    assert "undefined" in (via_api.interpretation or "")


def test_mdrd_race_coefficient() -> None:
    base = run("mdrd", age=60, sex="male", creatinine=1.2, black=False).value
    assert run("mdrd", age=60, sex="male", creatinine=1.2, black=True).value == pytest.approx(
        base * 1.212, rel=1e-4
    )


def test_ldl_flag_when_triglycerides_high() -> None:
    assert run("ldl_friedewald", total_cholesterol=250, hdl=40, triglycerides=450).flags


def test_sex_spelling_and_error() -> None:
    assert run("ideal_body_weight", sex="F", height=160).value == pytest.approx(
        run("ideal_body_weight", sex="female", height=160).value
    )
    with pytest.raises(CalculatorInputError):
        run("ideal_body_weight", sex="x", height=160)


def test_missing_input_is_an_error() -> None:
    with pytest.raises(CalculatorInputError) as info:
        run("bmi", weight=70)
    assert info.value.field == "height"


def test_fmt() -> None:
    assert fmt(3.0) == "3"
    assert fmt(1.234567) == "1.23457"
    assert fmt(-0.0000001) == "0"


# --- unit conversion through the API ----------------------------------------------------------
@pytest.mark.parametrize(
    ("cid", "inputs", "expected", "tol"),
    [
        # creatinine 123.8 µmol/L = 1.4 mg/dL
        (
            "ckd_epi_2021",
            {"age": 60, "sex": "male", "creatinine": {"value": 123.788, "unit": "µmol/L"}},
            get_calculator("ckd_epi_2021")
            .compute({"age": 60, "sex": "male", "creatinine": 1.4})
            .value,
            0.05,
        ),
        # 154.3 lb = 70 kg; 69 in = 175.26 cm
        (
            "bmi",
            {"weight": {"value": 154.324, "unit": "lb"}, "height": {"value": 69, "unit": "in"}},
            70 / 1.7526**2,
            1e-2,
        ),
        (
            "bsa",
            {"weight": {"value": 70000, "unit": "g"}, "height": {"value": 1.75, "unit": "m"}},
            (70 * 175 / 3600) ** 0.5,
            1e-3,
        ),
        # glucose 19.43 mmol/L ≈ 350 mg/dL
        (
            "sodium_correction",
            {
                "sodium": {"value": 132, "unit": "mEq/L"},
                "glucose": {"value": 19.427, "unit": "mmol/L"},
            },
            138.0,
            0.01,
        ),
        # albumin 33 g/L = 3.3 g/dL
        (
            "calcium_correction",
            {"calcium": 8.4, "albumin": {"value": 33, "unit": "g/L"}},
            8.96,
            1e-6,
        ),
        # QT 0.33 s = 330 ms
        (
            "qtc_bazett",
            {"qt_interval": {"value": 0.33, "unit": "s"}, "heart_rate": 113},
            452.87,
            0.01,
        ),
    ],
)
def test_unit_conversion_via_api(cid: str, inputs: dict, expected: float, tol: float) -> None:
    from medassist.risk.api import calculate

    result = calculate(cid, inputs=inputs)
    assert result.value == pytest.approx(expected, abs=tol)


def test_out_of_range_input_via_api() -> None:
    from medassist.risk.api import calculate

    with pytest.raises(CalculatorInputError) as info:
        calculate("bmi", inputs={"weight": 70, "height": 1000})
    assert info.value.field == "height"


def test_missing_inputs_via_api_are_listed() -> None:
    from medassist.risk.api import calculate

    result = calculate("cockcroft_gault", inputs={"age": 60, "sex": "male"})
    assert result.value is None
    assert set(result.missing) == {"weight", "creatinine"}


def test_fib4_flags_a_child() -> None:
    """FIB-4 and its cut-offs come from adults: a child's value carries a flag, an adult's not."""
    child = run("fib4", age=2, ast=387, alt=449, platelets=61)
    assert child.value == pytest.approx(2 * 387 / (61 * 449**0.5), rel=1e-4)
    assert any("not validated at age 2" in f for f in child.flags)
    adult = run("fib4", age=50, ast=40, alt=40, platelets=200)
    assert not any("derived in adults" in f for f in adult.flags)
