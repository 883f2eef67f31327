"""The formula calculators against MedCalc-Bench (dev split and one-shot examples).

1. compute() on the rows' "Relevant Entities" must land inside the ground-truth tolerance
   for every row except the documented label disputes below.
2. derive() + compute() from the raw note (through ``medassist.risk.api.calculate``) must
   reach >= 85% overall and >= 60% per calculator (disputed rows left out).
"""

from __future__ import annotations

import ast
import csv
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from medassist.errors import MedassistError
from medassist.risk.api import calculate
from medassist.risk.base import get_calculator
from medassist.risk.formulas_common import question_inputs

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "medcalc"

NAME_TO_ID = {
    "Creatinine Clearance (Cockcroft-Gault Equation)": "cockcroft_gault",
    "CKD-EPI Equations for Glomerular Filtration Rate": "ckd_epi_2021",
    "Mean Arterial Pressure (MAP)": "map",
    "Body Mass Index (BMI)": "bmi",
    "Calcium Correction for Hypoalbuminemia": "calcium_correction",
    "MDRD GFR Equation": "mdrd",
    "Ideal Body Weight": "ideal_body_weight",
    "QTc Bazett Calculator": "qtc_bazett",
    "Estimated Due Date": "due_date",
    "Fibrosis-4 (FIB-4) Index for Liver Fibrosis": "fib4",
    "Maintenance Fluids Calculations": "maintenance_fluids",
    "Steroid Conversion Calculator": "steroid_conversion",
    "Sodium Correction for Hyperglycemia": "sodium_correction",
    "Serum Osmolality": "serum_osmolality",
    "HOMA-IR (Homeostatic Model Assessment for Insulin Resistance)": "homa_ir",
    "Free Water Deficit": "free_water_deficit",
    "Anion Gap": "anion_gap",
    "Fractional Excretion of Sodium (FENa)": "fena",
    "LDL Calculated": "ldl_friedewald",
    "Morphine Milligram Equivalents (MME) Calculator": "mme",
    "QTc Fridericia Calculator": "qtc_fridericia",
    "QTc Framingham Calculator": "qtc_framingham",
    "QTc Hodges Calculator": "qtc_hodges",
    "QTc Rautaharju Calculator": "qtc_rautaharju",
    "Body Surface Area Calculator": "bsa",
    "Target weight": "target_weight",
    "Adjusted Body Weight": "adjusted_body_weight",
    "Delta Gap": "delta_gap",
    "Delta Ratio": "delta_ratio",
    "Albumin Corrected Anion Gap": "albumin_corrected_anion_gap",
    "Albumin Corrected Delta Gap": "albumin_corrected_delta_gap",
    "Albumin Corrected Delta Ratio": "albumin_corrected_delta_ratio",
    "Estimated of Conception": "conception_date",
    "Estimated Date of Conception": "conception_date",
    "Estimated Gestational Age": "gestational_age",
}

#: (file, row number) -> why the label departs from the published definition
FORMULA_DISPUTES: dict[tuple[str, str], str] = {
    **{
        (
            "dev",
            row,
        ): "due date: label adds |cycle - 28| days; Naegele/Parikh subtract for cycles < 28"
        for row in ("930", "931", "938", "940", "945")
    },
    (
        "dev",
        "521",
    ): "LDL: label rounds 0.0045 mol to 0.005 mol converting cholesterol (193.3 vs 174.0 mg/dL)",
}
#: (file, row number) -> why the label's inputs depart from the note (entities are disputed)
NOTE_DISPUTES: dict[tuple[str, str], str] = {
    ("dev", "322"): "maintenance fluids: 2.3 kg is a weight the patient lifts, not his body weight",
    ("dev", "323"): "maintenance fluids: 20 kg is the weight gained, not the body weight",
    ("dev", "772"): "albumin-corrected AG: the note states no albumin (label uses 17.1 g/dL)",
    ("dev", "780"): "albumin-corrected AG: 'albumin 3.2 mg/dl' is g/dL (3.2 mg/dL is impossible)",
    (
        "dev",
        "3",
    ): "Cockcroft-Gault: label pairs the admission creatinine with a weight 2 years later",
    ("dev", "425"): "HOMA-IR: 'insulin (−26uIU/ml)' is a change over 6 months, no fasting insulin",
    ("dev", "150"): "MDRD: label takes the last follow-up creatinine, not the admission one",
    ("dev", "291"): "FIB-4: label pairs AST/ALT of the last visit with an earlier platelet count",
    ("dev", "495"): "anion gap: label takes the ABG bicarbonate over the panel's serum CO2",
    ("dev", "755"): "delta ratio: label takes the panel after transfer, not the first panel",
    ("one_shot", "40"): "MME: note says morphine 20 mg, label uses 50 mg",
}
LABEL_DISPUTES = {**FORMULA_DISPUTES, **NOTE_DISPUTES}

_KEYS = {
    "sex": "sex",
    "age": "age",
    "weight": "weight",
    "height": "height",
    "creatinine": "creatinine",
    "Systolic Blood Pressure": "sbp",
    "Diastolic Blood Pressure": "dbp",
    "Calcium": "calcium",
    "Albumin": "albumin",
    "Heart Rate or Pulse": "heart_rate",
    "QT interval": "qt_interval",
    "QT Interval": "qt_interval",
    "Sodium": "sodium",
    "Chloride": "chloride",
    "Bicarbonate": "bicarbonate",
    "Glucose": "glucose",
    "Blood Urea Nitrogen (BUN)": "bun",
    "Insulin": "insulin",
    "Total cholesterol": "total_cholesterol",
    "high-density lipoprotein cholesterol": "hdl",
    "Triglycerides": "triglycerides",
    "Alanine aminotransferase": "alt",
    "Aspartate aminotransferase": "ast",
    "Platelet count": "platelets",
    "Urine sodium": "urine_sodium",
    "Urine creatinine": "urine_creatinine",
    "Body Mass Index (BMI)": "target_bmi",
    "cycle length": "cycle_length",
    "Last menstrual date": "lmp",
    "Current Date": "current_date",
}
# entity units the API's converter is not asked about (bench-specific spellings)
_BENCH_UNITS = {
    ("platelets", "µL"): lambda v: v / 1000,
    ("platelets", "L"): lambda v: v / 1e9,
    ("albumin", "mg/dL"): lambda v: v / 1000,
    ("age", "months"): lambda v: v / 12,
    ("weight", "lbs"): lambda v: v * 0.45359237,
    ("weight", "g"): lambda v: v / 1000,
    ("height", "m"): lambda v: v * 100,
    ("height", "in"): lambda v: v * 2.54,
    ("creatinine", "µmol/L"): lambda v: v / 88.42,
    ("albumin", "g/L"): lambda v: v / 10,
    ("glucose", "mmol/L"): lambda v: v * 18.016,
    ("bun", "mmol/L"): lambda v: v * 2.801,
    ("total_cholesterol", "mmol/L"): lambda v: v * 38.67,
    ("hdl", "mmol/L"): lambda v: v * 38.67,
    ("triglycerides", "mmol/L"): lambda v: v * 88.57,
}


def _rows() -> list[tuple[str, dict[str, str]]]:
    if not DATA.is_dir():
        pytest.skip(f"shared data folder absent: {DATA}")
    out = []
    for tag, name in (("dev", "medcalc_dev.csv"), ("one_shot", "medcalc_one_shot_examples.csv")):
        with open(DATA / name, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["Calculator Name"] in NAME_TO_ID:
                    out.append((tag, row))
    return out


def _disputed(tag: str, row: dict[str, str], table: dict | None = None) -> bool:
    return (tag, row["Row Number"]) in (LABEL_DISPUTES if table is None else table)


def _entity_inputs(cid: str, entities: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if cid == "mme":
        for key, (amount, *_rest) in entities.items():
            drug = key.replace(" Dose Per Day", "").replace(" Dose", "").lower().replace(" ", "_")
            values[f"{drug}_{'doses_per_day' if key.endswith('Per Day') else 'dose'}"] = amount
        return values
    if cid == "steroid_conversion":
        source = entities["input steroid"]
        return {
            "steroid": source[0],
            "steroid_dose": source[1],
            "target_steroid": entities["target steroid"],
        }
    for key, raw in entities.items():
        if key == "Race":
            values["black"] = raw == "Black"
            continue
        name = _KEYS[key]
        if isinstance(raw, list):
            amount, unit = float(raw[0]), raw[1]
            convert = _BENCH_UNITS.get((name, unit))
            values[name] = convert(amount) if convert else amount
        else:
            values[name] = raw
    return values


def _matches(cid: str, value: Any, row: dict[str, str]) -> bool:
    truth = row["Ground Truth Answer"]
    if isinstance(value, int | float):
        return float(row["Lower Limit"]) <= value <= float(row["Upper Limit"])
    if not isinstance(value, str):
        return False
    if cid in {"due_date", "conception_date"}:
        year, month, day = value.split("-")
        return f"{month}/{day}/{year}" == truth
    numbers = [int(n) for n in re.findall(r"\d+", value)]
    return numbers == [int(n) for n in re.findall(r"\d+", truth)]


def test_compute_on_relevant_entities() -> None:
    failures = []
    for tag, row in _rows():
        cid = NAME_TO_ID[row["Calculator Name"]]
        values = _entity_inputs(cid, ast.literal_eval(row["Relevant Entities"]))
        calc = get_calculator(cid)
        for spec in calc.inputs:
            values.setdefault(spec.name, None)
        result = calc.compute(values)
        ok = _matches(cid, result.value, row)
        if ok == _disputed(tag, row, FORMULA_DISPUTES):
            failures.append((tag, row["Row Number"], cid, result.value, row["Ground Truth Answer"]))
    assert not failures, failures


def _derive_accuracy() -> tuple[dict[str, list[int]], list[tuple[str, str, Any]]]:
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for tag, row in _rows():
        if _disputed(tag, row):
            continue
        cid = NAME_TO_ID[row["Calculator Name"]]
        inputs = question_inputs(cid, row["Question"]) or None
        try:
            value = calculate(cid, text=row["Patient Note"], inputs=inputs).value
        except MedassistError:  # e.g. delta ratio with bicarbonate at 24: a clear error, a miss
            value = None
        ok = _matches(cid, value, row)
        stats[cid][0] += ok
        stats[cid][1] += 1
        if not ok:
            misses.append((row["Row Number"], cid, value))
    return stats, misses


@pytest.mark.slow
def test_derive_from_notes_reaches_targets() -> None:
    """~280 real notes through the text engine (about a minute on 2 cores)."""
    stats, misses = _derive_accuracy()
    hits = sum(h for h, _ in stats.values())
    total = sum(n for _, n in stats.values())
    assert total > 250
    assert hits / total >= 0.85, (hits, total, misses)
    low = {cid: (h, n) for cid, (h, n) in stats.items() if n >= 3 and h / n < 0.6}
    assert not low, low


def test_template_rows_are_exact() -> None:
    """Template notes (QTc, dates, MME, steroids, target weight) leave nothing to judge."""
    for tag, row in _rows():
        if row["Note Type"] != "Template" or _disputed(tag, row):
            continue
        cid = NAME_TO_ID[row["Calculator Name"]]
        inputs = question_inputs(cid, row["Question"]) or None
        result = calculate(cid, text=row["Patient Note"], inputs=inputs)
        assert _matches(cid, result.value, row), (row["Row Number"], cid, result.value)
