"""Calculator input units go through the text engine's one converter."""

from __future__ import annotations

import pytest

from medassist.errors import UnitConversionError
from medassist.risk.units import normalize_unit, to_canonical


@pytest.mark.parametrize(
    ("key", "value", "unit", "expected"),
    [
        ("creatinine", 88.42, "µmol/L", 1.0),
        ("creatinine", 88.42, "umol/l", 1.0),
        ("glucose", 5.55, "mmol/L", 100.0),
        ("calcium", 2.5, "mmol/L", 10.0),
        ("calcium", 5.0, "mEq/L", 10.0),  # divalent: 5 mEq/L = 2.5 mmol/L
        ("sodium", 140, "mEq/L", 140.0),
        ("temperature", 98.6, "°F", 37.0),
        ("weight", 154.3, "lb", 70.0),
        ("height", 70, "in", 177.8),
        ("age", 18, "months", 1.5),
        ("qt_interval", 0.44, "s", 440.0),
        ("pao2", 10, "kPa", 75.0),
        ("albumin", 35, "g/L", 3.5),
        ("platelets", 150000, "/µL", 150.0),
        ("urine_creatinine", 8.842, "mmol/L", 100.0),
        ("total_cholesterol", 5.17, "mmol/L", 200.0),
    ],
)
def test_to_canonical(key: str, value: float, unit: str, expected: float) -> None:
    assert to_canonical(key, value, unit) == pytest.approx(expected, rel=2e-3)


def test_unconvertible_unit_names_the_field() -> None:
    with pytest.raises(UnitConversionError) as info:
        to_canonical("bilirubin", 2.0, "mEq/L", field="total_bilirubin")
    assert "total_bilirubin" in info.value.message
    assert info.value.field == "total_bilirubin"


def test_unitless_key_refuses_a_unit() -> None:
    with pytest.raises(UnitConversionError):
        to_canonical("made_up_key", 1.0, "mg/dL")


def test_normalize_unit() -> None:
    assert normalize_unit("mg/dl") == "mg/dL"
    assert normalize_unit(" furlongs ") == "furlongs"
    assert normalize_unit(None) is None
