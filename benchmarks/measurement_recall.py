"""Recall of the measurement and demographics extractors on MedCalc-Bench notes.

For each row of ``../shared/data/medcalc/medcalc_dev.csv`` and each "Relevant Entities" value
that maps to a medassist measurement (or age/sex), check whether the extraction of the
"Patient Note" contains that value (after unit normalisation, within 1 %).

    python3.11 benchmarks/measurement_recall.py [--csv PATH] [--misses NAME] [--limit N]

Prints recall per measurement name and overall. Data: MedCalc-Bench (CC-BY-SA-4.0).
"""

from __future__ import annotations

import argparse
import ast
import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

from medassist.errors import UnitConversionError
from medassist.text.demographics import extract_demographics
from medassist.text.measurements import extract_measurements
from medassist.text.units import canonical_unit, convert

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT / ".." / "shared" / "data" / "medcalc" / "medcalc_dev.csv"

#: MedCalc-Bench entity name -> medassist names that may hold it
ENTITY_MAP: dict[str, tuple[str, ...]] = {
    "Sodium": ("sodium",),
    "Heart Rate or Pulse": ("heart_rate",),
    "Chloride": ("chloride",),
    "Bicarbonate": ("bicarbonate",),
    "weight": ("weight",),
    "Albumin": ("albumin",),
    "height": ("height",),
    "Systolic Blood Pressure": ("sbp",),
    "Diastolic Blood Pressure": ("dbp",),
    "creatinine": ("creatinine",),
    "Pre-operative creatinine": ("creatinine",),
    "Blood Urea Nitrogen (BUN)": ("bun",),
    "QT interval": ("qt_interval",),
    "Glucose": ("glucose",),
    "Temperature": ("temperature",),
    "respiratory rate": ("respiratory_rate",),
    "Total cholesterol": ("total_cholesterol",),
    "high-density lipoprotein cholesterol": ("hdl",),
    "Triglycerides": ("triglycerides",),
    "Bilirubin": ("bilirubin",),
    "Partial pressure of oxygen (PaO₂) for Apache II": ("pao2",),
    "PaCO₂": ("paco2",),
    "Platelet count": ("platelets",),
    "White blood cell count": ("wbc",),
    "Hematocrit": ("hematocrit",),
    "pH": ("ph",),
    "FiO₂": ("fio2",),
    "Glasgow Coma Score": ("gcs",),
    "Body Mass Index (BMI)": ("bmi",),
    "international normalized ratio": ("inr",),
    "Alanine aminotransferase": ("alt",),
    "Aspartate aminotransferase": ("ast",),
    "O₂ saturation percentage": ("spo2", "sao2"),
    "Calcium": ("calcium",),
    "Hemoglobin": ("hemoglobin",),
    "Potassium": ("potassium",),
    "Insulin": ("insulin",),
    "Urine sodium": ("urine_sodium",),
    "Urine creatinine": ("urine_creatinine",),
}
#: (entity, calculator) pairs whose value is a goal in the note, not a measured value: the
#: reader drops goals and thresholds from the measurements on purpose (the calculator reads
#: its target from its own input)
GOALS = {("Body Mass Index (BMI)", "Target weight")}
_GT_UNITS = {"µL": "/µL", "m^3": "/mm3", "L": "/L"}
_COUNT_NAMES = {"platelets", "wbc"}


def _gt_value(name: str, raw: object) -> float | None:
    if isinstance(raw, list) and len(raw) == 2:
        value, unit = raw
        if not isinstance(value, int | float):
            return None
        if name in _COUNT_NAMES:
            unit = _GT_UNITS.get(unit, unit)
        target = canonical_unit(name)
        if target is None:
            return float(value)
        try:
            return convert(float(value), unit, target, analyte=name)
        except UnitConversionError:
            return None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    return None


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(0.01 * abs(b), 1e-6)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--misses", default=None, help="print the misses of this entity name")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.csv.exists():
        print(f"data file absent: {args.csv}", file=sys.stderr)
        return 2
    with args.csv.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if args.limit:
        rows = rows[: args.limit]
    hits: dict[str, int] = defaultdict(int)
    firsts: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    misses: list[str] = []
    started = time.perf_counter()
    cache: dict[str, tuple[list, object]] = {}
    for row in rows:
        note = row["Patient Note"]
        try:
            entities = ast.literal_eval(row["Relevant Entities"])
        except (ValueError, SyntaxError):
            continue
        if note not in cache:
            cache[note] = (extract_measurements(note), extract_demographics(note))
        found, demo = cache[note]
        for entity, raw in entities.items():
            first_ok = None
            if entity == "age" and isinstance(raw, list):
                factor = {"years": 1.0, "months": 1 / 12, "weeks": 1 / 52, "days": 1 / 365}
                gt = float(raw[0]) * factor.get(raw[1], 1.0)
                key = "age"
                ok = demo.age is not None and abs(demo.age - gt) <= max(0.01 * gt, 0.02)
            elif entity == "sex" and isinstance(raw, str):
                key = "sex"
                ok = demo.sex == raw.lower()
            elif entity in ENTITY_MAP:
                if (entity, row["Calculator Name"]) in GOALS:
                    continue  # a goal the note states ("target BMI is 20.7"), not a measurement
                names = ENTITY_MAP[entity]
                key = names[0]
                gt_value = _gt_value(key, raw)
                if gt_value is None:
                    continue
                ok = any(
                    m.name in names
                    and m.normalized_value is not None
                    and _close(m.normalized_value, gt_value)
                    for m in found
                )
            else:
                continue
            totals[key] += 1
            hits[key] += ok
            firsts[key] += ok if first_ok is None else first_ok
            if not ok and args.misses and args.misses in {entity, key}:
                got = [
                    (m.text, m.normalized_value)
                    for m in found
                    if key in {"age", "sex"} or m.name in ENTITY_MAP.get(entity, (key,))
                ]
                if key == "age":
                    got = [(demo.age_text, demo.age)]
                if key == "sex":
                    got = [(demo.sex_text, demo.sex)]
                misses.append(f"row {row['Row Number']}: gold {raw!r}; found {got}")
    elapsed = time.perf_counter() - started
    print(f"{'name':<22}{'found':>7}{'total':>7}{'recall':>9}{'first ok':>10}")
    for key in sorted(totals, key=lambda k: (-totals[k], k)):
        n = totals[key]
        print(f"{key:<22}{hits[key]:>7}{n:>7}{hits[key] / n:>9.1%}{firsts[key] / n:>10.1%}")
    all_hits, all_total = sum(hits.values()), max(sum(totals.values()), 1)
    all_first = sum(firsts.values())
    print(
        f"{'OVERALL':<22}{all_hits:>7}{all_total:>7}{all_hits / all_total:>9.1%}"
        f"{all_first / all_total:>10.1%}"
    )
    print("recall: the value is among the extracted ones; first ok: the first plausible one is it")
    print(f"{len(rows)} rows, {len(cache)} distinct notes, {elapsed:.1f}s")
    for line in misses:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
