"""Unit parsing and conversion (medassist.text.units)."""

from __future__ import annotations

import math

import pytest

from medassist.errors import UnitConversionError
from medassist.text.units import canonical_unit, convert, parse_unit, same_unit, to_canonical

CONVERSIONS = [
    pytest.param(98.6, "°F", "°C", None, 37.0, id="fahrenheit-to-celsius"),
    pytest.param(38.5, "C", "F", None, 101.3, id="celsius-to-fahrenheit"),
    pytest.param(101.2, "degrees fahrenheit", "°C", None, 38.444, id="degrees-fahrenheit-words"),
    pytest.param(150, "lbs", "kg", None, 68.039, id="pounds-to-kg"),
    pytest.param(70, "inches", "cm", None, 177.8, id="inches-to-cm"),
    pytest.param(1.73, "m", "cm", None, 173.0, id="metres-to-cm"),
    pytest.param(150, "µmol/L", "mg/dL", "creatinine", 1.6968, id="creatinine-umol-to-mgdl"),
    pytest.param(1.2, "mg/dL", "umol/L", "creatinine", 106.08, id="creatinine-mgdl-to-umol"),
    pytest.param(7.0, "mmol/L", "mg/dL", "glucose", 126.11, id="glucose-mmol-to-mgdl"),
    pytest.param(10, "mmol/L", "mg/dL", "bun", 28.01, id="urea-mmol-to-bun-mgdl"),
    pytest.param(2.5, "mmol/L", "mg/dL", "calcium", 10.02, id="calcium-mmol-to-mgdl"),
    pytest.param(5.0, "mEq/L", "mg/dL", "calcium", 10.02, id="calcium-meq-to-mgdl"),
    pytest.param(34.2, "µmol/L", "mg/dL", "bilirubin", 2.0, id="bilirubin-umol-to-mgdl"),
    pytest.param(5.0, "mmol/L", "mg/dL", "total_cholesterol", 193.3, id="cholesterol-mmol"),
    pytest.param(2.0, "mmol/L", "mg/dL", "triglycerides", 177.1, id="triglycerides-mmol"),
    pytest.param(35, "g/L", "g/dL", None, 3.5, id="albumin-gl-to-gdl"),
    pytest.param(98, "g/L", "g/dL", None, 9.8, id="hemoglobin-gl-to-gdl"),
    pytest.param(140, "mEq/L", "mmol/L", "sodium", 140.0, id="sodium-meq-is-mmol"),
    pytest.param(250, "x10^3/uL", "10^9/L", None, 250.0, id="platelets-k-per-ul"),
    pytest.param(250000, "/mm3", "10^9/L", None, 250.0, id="platelets-per-mm3"),
    pytest.param(25, "×10⁴/µL", "10^9/L", None, 250.0, id="platelets-japanese-1e4"),
    pytest.param(7.5, "x 10(9)/L", "10^9/L", None, 7.5, id="wbc-parenthesised-exponent"),
    pytest.param(0.4, "fraction", "%", None, 40.0, id="fio2-fraction-to-percent"),
    pytest.param(7.0, "%", "mmol/mol", "hba1c", 53.0, id="hba1c-ngsp-to-ifcc"),
    pytest.param(53.0, "mmol/mol", "%", "hba1c", 7.0, id="hba1c-ifcc-to-ngsp"),
    pytest.param(10, "µIU/mL", "pmol/L", "insulin", 60.0, id="insulin-uiu-to-pmol"),
    pytest.param(8.0, "kPa", "mmHg", None, 60.0, id="kpa-to-mmhg"),
    pytest.param(0.48, "s", "ms", None, 480.0, id="seconds-to-ms"),
    pytest.param(1.0, "mmol/L", "mg/dL", "magnesium", 2.43, id="magnesium-mmol"),
    pytest.param(132, "mg%", "mg/dL", None, 132.0, id="mg-percent"),
    pytest.param(3, "months", "years", None, 0.25, id="age-months-to-years"),
    pytest.param(0.1, "mcg/kg/min", "µg/kg/min", None, 0.1, id="vasopressor-dose-rate"),
    pytest.param(100, "ng/kg/min", "µg/kg/min", None, 0.1, id="ng-per-kg-min"),
    pytest.param(30, "mL/h", "mL/day", None, 720.0, id="urine-output-rate"),
    pytest.param(54, "mg/dL", "mmol/L", "urea", 8.991, id="urea-mass-to-molar"),
]


@pytest.mark.parametrize(("value", "src", "dst", "analyte", "expected"), CONVERSIONS)
def test_convert(value: float, src: str, dst: str, analyte: str | None, expected: float) -> None:
    assert convert(value, src, dst, analyte=analyte) == pytest.approx(expected, rel=2e-3)


@pytest.mark.parametrize(
    ("value", "src", "dst", "analyte"),
    [
        pytest.param(1.2, "mg/dL", "µmol/L", "creatinine", id="creatinine"),
        pytest.param(100, "°F", "°C", None, id="temperature"),
        pytest.param(5.5, "mmol/L", "mg/dL", "glucose", id="glucose"),
        pytest.param(6.5, "%", "mmol/mol", "hba1c", id="hba1c"),
    ],
)
def test_round_trip(value: float, src: str, dst: str, analyte: str | None) -> None:
    there = convert(value, src, dst, analyte=analyte)
    assert convert(there, dst, src, analyte=analyte) == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize(
    ("src", "dst", "analyte", "words"),
    [
        pytest.param("mg/dL", "mmol/L", None, ["mg/dL", "mmol/L", "analyte"], id="no-analyte"),
        pytest.param("mg/dL", "mmol/L", "albumin_x", ["mg/dL", "mmol/L"], id="unknown-analyte"),
        pytest.param("kg", "cm", None, ["kg", "cm"], id="different-dimensions"),
        pytest.param("furlong", "cm", None, ["furlong"], id="unknown-unit"),
        pytest.param("U/L", "mg/dL", "ast", ["U/L", "mg/dL"], id="enzyme-to-mass"),
    ],
)
def test_not_convertible_names_the_units(
    src: str, dst: str, analyte: str | None, words: list[str]
) -> None:
    with pytest.raises(UnitConversionError) as err:
        convert(1.0, src, dst, analyte=analyte)
    for word in words:
        assert word in str(err.value)
    assert err.value.exit_code == 5


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "12", True, None])
def test_non_numeric_values_raise(bad: object) -> None:
    with pytest.raises(UnitConversionError):
        convert(bad, "kg", "lb")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("written", "symbol"),
    [
        ("mg/dl", "mg/dL"),
        ("MG/DL", "mg/dL"),
        ("mEq/l", "mEq/L"),
        ("μmol/L", "µmol/L"),
        ("umol/l", "µmol/L"),
        ("mcg/mL", "µg/mL"),
        ("beats per minute", "/min"),
        ("breaths/min", "/min"),
        ("mm Hg", "mmHg"),
        ("mm of Hg", "mmHg"),
        ("degrees celsisus", "°C"),
        ("ºC", "°C"),
        ("kg/m²", "kg/m2"),
        ("per mm3", "/mm3"),
        ("K/uL", "10^3/µL"),
        ("x10⁹/L", "10^9/L"),
        ("msec", "ms"),
        ("IU/L", "U/L"),
        ("lbs", "lb"),
        ("pH", "1"),
        ("mL/min/1.73 m2", "mL/min/1.73m2"),
        ("years", "year"),
        ("", "1"),
        (None, "1"),
    ],
)
def test_parse_unit(written: str | None, symbol: str) -> None:
    assert parse_unit(written) == symbol


def test_same_unit_and_canonical() -> None:
    assert same_unit("mg/dl", "mg/dL")
    assert not same_unit("mg/dL", "mmol/L")
    assert not same_unit("bogus", "bogus")
    assert canonical_unit("creatinine") == "mg/dL"
    assert canonical_unit("inr") is None
    value, unit = to_canonical(150, "µmol/L", "creatinine")
    assert unit == "mg/dL" and math.isclose(value, 1.6968, rel_tol=1e-3)
    assert to_canonical(1.3, None, "inr") == (1.3, None)
    with pytest.raises(UnitConversionError):
        canonical_unit("not_a_measurement")


# ---------------------------------------------------------------- one unit table
def test_one_unit_table_serves_calculators_and_safety() -> None:
    import inspect

    import medassist.risk.units as risk_units
    import medassist.safety.quantities as quantities
    from medassist.safety.quantities import find_quantities, normalise_unit, to_mg
    from medassist.text.units import lookup_unit

    # no unit spellings of their own: both ask medassist.text.units
    for module in (risk_units, quantities):
        source = inspect.getsource(module)
        assert "_add(" not in source and "dict[str, UnitInfo]" not in source
        assert "CANONICAL_UNITS" not in source
    assert normalise_unit("milligrams") == lookup_unit("mg")
    assert normalise_unit("beats per minute") == lookup_unit("/min")
    assert to_mg(0.5, "g") == pytest.approx(500)
    assert [q.unit.symbol for q in find_quantities("2 tabs, 3 puffs, 10 units") if q.unit] == [
        "tablet",
        "puff",
        "units",
    ]
    assert risk_units.to_canonical("platelets", 150_000, "/µL") == pytest.approx(150)


@pytest.mark.parametrize(
    ("written", "symbol"),
    [
        ("milligrams per deciliter", "mg/dL"),
        ("mg/hr", "mg/h"),
        ("units/hr", "units/h"),
        ("cc/hr", "mL/h"),
        ("mcg/kg/min", "µg/kg/min"),
    ],
)
def test_spelled_out_and_dose_units(written: str, symbol: str) -> None:
    assert parse_unit(written) == symbol


def test_unit_file_is_strict(tmp_path) -> None:
    import json
    from importlib import resources

    from medassist.text.units import _UnitFile

    data = json.loads(resources.files("medassist.text").joinpath("data/units.json").read_text())
    data["units"][0]["colour"] = "red"
    with pytest.raises(ValueError):
        _UnitFile.model_validate(data)


# ---------------------------------------------------------------- one number-words table
@pytest.mark.parametrize(
    ("text", "value"),
    [("seven", 7), ("twenty-four", 24), ("fifty two", 52), ("one hundred and one", 101)],
)
def test_number_words(text: str, value: float) -> None:
    from medassist.text.number_words import word_number, word_value

    assert word_value(text) == value
    assert word_number(text) == value
    assert word_value("several") is None
