"""MedCalc-Bench (dev split) accuracy of medassist's calculators, from the note alone (no LLM).

    python benchmarks/medcalc.py                       # every row, notes only
    python benchmarks/medcalc.py --calculator curb65   # one calculator (id or MedCalc name)
    python benchmarks/medcalc.py --inputs-from-entities  # feed the gold "Relevant Entities"
    python benchmarks/medcalc.py --misses              # list each miss with the extracted inputs
    python benchmarks/medcalc.py --split tune          # the half rules may be tuned on

Held-out split: the dev file is cut in two halves by a fixed hash of the note id (SHA-256 of
``medassist/medcalc-split/v1:<note id>``, first byte even = tune, odd = report; a template
note's id is only unique within its calculator, so it is keyed ``<calculator id>/<note id>``).
Misses may be read and fixed on the tune half only; the default ``--split report`` is the
half nobody tunes on. (An unsalted SHA-256 of the note id is not used: the shared dev file
itself was cut from MedCalc-Bench that way, so every row would fall in one half.)

Labels: ``raw`` is MedCalc-Bench v1.0's label. ``verified`` is the label of the later
MedCalc-Bench-Verified release, given for the rows where that release kept the same note
(../shared/data/medcalc/medcalc_dev_verified.csv, column ``label_source`` == verified);
accuracy on Verified labels is computed over those rows only.

Scoring follows MedCalc-Bench: a numeric answer must fall within [Lower Limit, Upper Limit];
integer scores must match exactly; dates must match. When a point score cannot be computed
because inputs are missing, the benchmark answers with the lower end of ``possible_range``
(every missing item at its normal value), the convention MedCalc-Bench's explanations use.
Rows listed in ``benchmarks/medcalc_label_disputes.md`` (labels that disagree with the
published definition) are reported separately: accuracy is given with and without them, and
(column acc+) with each disputed row judged against the published definition applied to the
row's gold entities, after the file's 'Entity corrections' (gold entities that misread the
note, each quoting the note) are applied.

Data: ../shared/data/medcalc/medcalc_dev.csv (CC-BY-SA-4.0, MedCalc-Bench v1.0).
"""

from __future__ import annotations

import argparse
import ast
import csv
import datetime as dt
import hashlib
import json
import re
import sys
import time
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "medcalc" / "medcalc_dev.csv"
VERIFIED = ROOT / ".." / "shared" / "data" / "medcalc" / "medcalc_dev_verified.csv"
DISPUTES = Path(__file__).resolve().parent / "medcalc_label_disputes.md"
SPLIT_SALT = "medassist/medcalc-split/v1:"

#: MedCalc-Bench calculator name -> medassist calculator id
NAME_TO_ID: dict[str, str] = {
    "APACHE II Score": "apache2",
    "Adjusted Body Weight": "adjusted_body_weight",
    "Albumin Corrected Anion Gap": "albumin_corrected_anion_gap",
    "Albumin Corrected Delta Gap": "albumin_corrected_delta_gap",
    "Albumin Corrected Delta Ratio": "albumin_corrected_delta_ratio",
    "Anion Gap": "anion_gap",
    "Body Mass Index (BMI)": "bmi",
    "Body Surface Area Calculator": "bsa",
    "CHA2DS2-VASc Score for Atrial Fibrillation Stroke Risk": "cha2ds2_vasc",
    "CKD-EPI Equations for Glomerular Filtration Rate": "ckd_epi_2021",
    "CURB-65 Score for Pneumonia Severity": "curb65",
    "Calcium Correction for Hypoalbuminemia": "calcium_correction",
    "Caprini Score for Venous Thromboembolism (2005)": "caprini",
    "Centor Score (Modified/McIsaac) for Strep Pharyngitis": "centor_mcisaac",
    "Charlson Comorbidity Index (CCI)": "charlson",
    "Child-Pugh Score for Cirrhosis Mortality": "child_pugh",
    "Creatinine Clearance (Cockcroft-Gault Equation)": "cockcroft_gault",
    "Delta Gap": "delta_gap",
    "Delta Ratio": "delta_ratio",
    "Estimated Due Date": "due_date",
    "Estimated Gestational Age": "gestational_age",
    "Estimated of Conception": "conception_date",
    "Estimated Date of Conception": "conception_date",
    "FeverPAIN Score for Strep Pharyngitis": "feverpain",
    "Fibrosis-4 (FIB-4) Index for Liver Fibrosis": "fib4",
    "Fractional Excretion of Sodium (FENa)": "fena",
    "Framingham Risk Score for Hard Coronary Heart Disease": "framingham_chd",
    "Free Water Deficit": "free_water_deficit",
    "Glasgow Coma Score (GCS)": "gcs",
    "Glasgow-Blatchford Bleeding Score (GBS)": "glasgow_blatchford",
    "HAS-BLED Score for Major Bleeding Risk": "has_bled",
    "HEART Score for Major Cardiac Events": "heart",
    "HOMA-IR (Homeostatic Model Assessment for Insulin Resistance)": "homa_ir",
    "Ideal Body Weight": "ideal_body_weight",
    "LDL Calculated": "ldl_friedewald",
    "MDRD GFR Equation": "mdrd",
    "MELD Na (UNOS/OPTN)": "meld_na",
    "Maintenance Fluids Calculations": "maintenance_fluids",
    "Mean Arterial Pressure (MAP)": "map",
    "Morphine Milligram Equivalents (MME) Calculator": "mme",
    "PERC Rule for Pulmonary Embolism": "perc",
    "PSI Score: Pneumonia Severity Index for CAP": "psi",
    "QTc Bazett Calculator": "qtc_bazett",
    "QTc Framingham Calculator": "qtc_framingham",
    "QTc Fridericia Calculator": "qtc_fridericia",
    "QTc Hodges Calculator": "qtc_hodges",
    "QTc Rautaharju Calculator": "qtc_rautaharju",
    "Revised Cardiac Risk Index for Pre-Operative Risk": "rcri",
    "SIRS Criteria": "sirs",
    "Sequential Organ Failure Assessment (SOFA) Score": "sofa",
    "Serum Osmolality": "serum_osmolality",
    "Sodium Correction for Hyperglycemia": "sodium_correction",
    "Steroid Conversion Calculator": "steroid_conversion",
    "Target weight": "target_weight",
    "Wells' Criteria for DVT": "wells_dvt",
    "Wells' Criteria for Pulmonary Embolism": "wells_pe",
}

# ---------------------------------------------------------------- gold entities -> inputs
#: MedCalc-Bench entity name -> candidate input names (the first the calculator has is used)
ENTITY_TO_INPUT: dict[str, tuple[str, ...]] = {
    "age": ("age",),
    "sex": ("sex",),
    "weight": ("weight",),
    "height": ("height",),
    "creatinine": ("creatinine",),
    "Pre-operative creatinine": ("creatinine",),
    "Heart Rate or Pulse": ("heart_rate",),
    "Systolic Blood Pressure": ("sbp",),
    "Diastolic Blood Pressure": ("dbp",),
    "respiratory rate": ("respiratory_rate",),
    "Temperature": ("temperature",),
    "O₂ saturation percentage": ("spo2",),
    "Sodium": ("sodium",),
    "Potassium": ("potassium",),
    "Chloride": ("chloride",),
    "Bicarbonate": ("bicarbonate",),
    "Blood Urea Nitrogen (BUN)": ("bun",),
    "Glucose": ("glucose",),
    "Albumin": ("albumin",),
    "Calcium": ("calcium",),
    "Bilirubin": ("bilirubin",),
    "international normalized ratio": ("inr",),
    "Platelet count": ("platelets",),
    "White blood cell count": ("wbc",),
    "Hemoglobin": ("hemoglobin",),
    "Hematocrit": ("hematocrit",),
    "pH": ("ph",),
    "Partial pressure of oxygen (PaO₂) for Apache II": ("pao2",),
    "Partial pressure of oxygen": ("pao2",),
    "PaO2": ("pao2",),
    "FiO2": ("fio2",),
    "Renal disease history": ("renal_disease",),
    "Liver disease history": ("liver_disease",),
    "Chronic Pulmonary Disease": ("copd",),
    "Diabetes mellitus": ("diabetes",),
    "Continuous positive airway pressure": ("mechanical_ventilation",),
    "PaCO₂": ("paco2",),
    "FiO₂": ("fio2",),
    "A-a gradient": ("a_a_gradient",),
    "QT interval": ("qt_interval",),
    "Alanine aminotransferase": ("alt",),
    "Aspartate aminotransferase": ("ast",),
    "Total cholesterol": ("total_cholesterol",),
    "high-density lipoprotein cholesterol": ("hdl",),
    "Triglycerides": ("triglycerides",),
    "Insulin": ("insulin",),
    "Urine sodium": ("urine_sodium",),
    "Urine creatinine": ("urine_creatinine",),
    "Urine Output": ("urine_output",),
    "Body Mass Index (BMI)": ("target_bmi", "bmi", "bmi_over_25"),
    "Glasgow Coma Score": ("gcs",),
    "cycle length": ("cycle_length",),
    "Last menstrual date": ("lmp",),
    "Current Date": ("current_date",),
    "Race": ("black",),
    # CHA2DS2-VASc / HAS-BLED / HEART / RCRI / Framingham
    "Congestive Heart Faliure": ("chf",),
    "Hypertension history": ("hypertension",),
    "Diabetes history": ("diabetes",),
    "Vascular disease history": ("vascular_disease",),
    "Stroke": ("stroke_tia_thromboembolism", "stroke"),
    "Transient Ischemic Attacks History": ("stroke_tia_thromboembolism", "cva_tia"),
    "Thromboembolism history": ("stroke_tia_thromboembolism",),
    "Liver disease criteria for the HAS-BLED rule": ("liver_disease",),
    "Renal disease criteria for the HAS-BLED rule": ("renal_disease",),
    "Prior major bleeding or predisposition to bleeding": ("bleeding",),
    "Labile international normalized ratio": ("labile_inr",),
    "Medication usage predisposing to bleeding": ("bleeding_medication",),
    "Number of Alcoholic Drinks Per Week": ("alcohol_drinks_per_week",),
    "Suspicion History": ("history",),
    "Electrocardiogram Test": ("ecg",),
    "Initial troponin": ("troponin",),
    "hypercholesterolemia": ("hypercholesterolemia",),
    "obesity": ("obesity",),
    "smoking": ("smoking",),
    "Smoker": ("smoker",),
    "parent or sibling with Cardiovascular disease before age 65": ("family_history",),
    "atherosclerotic disease": ("atherosclerotic_disease",),
    "Diabetes mellitus criteria for CCI rule": ("diabetes",),
    "Blood pressure being treated with medicines": ("bp_treated",),
    "Elevated-risk surgery": ("high_risk_surgery",),
    "History of ischemic heart disease": ("ischemic_heart_disease",),
    "Congestive Heart Failure criteria for the Cardiac Risk Index rule": ("chf",),
    "History of cerebrovascular disease": ("cerebrovascular_disease",),
    "Cerebrovascular disease history": ("cerebrovascular_disease",),
    "Pre-operative treatment with insulin": ("insulin",),
    # CURB-65, PSI, Centor, FeverPAIN
    "Confusion": ("confusion",),
    "Nursing home resident": ("nursing_home",),
    "Neoplastic disease": ("neoplastic_disease",),
    "Liver disease severity": ("liver_disease",),
    "Renal disease": ("renal_disease",),
    "Altered mental status": ("altered_mental_status",),
    "Pleural effusion on x-ray": ("pleural_effusion",),
    "Cough Absent": ("cough_absent",),
    "Exudate or swelling on tonsils": ("tonsillar_exudate",),
    "Tender/swollen anterior cervical lymph nodes": ("cervical_nodes",),
    "Fever in past 24 hours": ("fever",),
    "Purulent tonsils": ("purulence",),
    "Symptom onset ≤3 days": ("attend_rapidly",),
    "Severe tonsil inflammation": ("inflamed_tonsils",),
    "Absence of cough or coryza": ("no_cough_coryza",),
    # Wells, PERC
    "Clinical signs and symptoms of Deep Vein Thrombosis": ("dvt_signs",),
    "Pulmonary Embolism is #1 diagnosis OR equally likely": ("pe_most_likely",),
    "Immobilization for at least 3 days": ("immobilization_or_surgery",),
    "Surgery in the previous 4 weeks": ("immobilization_or_surgery",),
    "Previously Documented Pulmonary Embolism": ("previous_pe_dvt", "prior_pe_dvt", "history_vte"),
    "Previously documented Deep Vein Thrombosis": (
        "previous_pe_dvt",
        "prior_pe_dvt",
        "previous_dvt",
        "history_vte",
    ),
    "Hemoptysis": ("hemoptysis",),
    "Malignancy with treatment within 6 months or palliative": ("malignancy",),
    "Active cancer": ("active_cancer",),
    "Bedridden recently >3 days or major surgery within 12 weeks": ("bedridden_or_surgery",),
    "Major surgery within 12 weeks": ("bedridden_or_surgery",),
    "Calf swelling >3 centimeters compared to the other leg": ("calf_swelling",),
    "Collateral (nonvaricose) superficial veins present": ("collateral_veins",),
    "Entire Leg Swollen": ("entire_leg_swollen",),
    "Localized tenderness along the deep venous system": ("localized_tenderness",),
    "Pitting edema, confined to symptomatic leg": ("pitting_edema",),
    "Paralysis, paresis, or recent plaster immobilization of the lower extremity": (
        "paralysis_or_cast",
    ),
    "Alternative diagnosis to Deep Vein Thrombosis as likely or more likely": (
        "alternative_diagnosis",
    ),
    "Unilateral Leg Swelling": ("unilateral_leg_swelling",),
    "Recent surgery or trauma": ("recent_surgery_trauma",),
    "Hormone use": ("hormone_use",),
    # Child-Pugh, MELD
    "Ascites": ("ascites",),
    "Encephalopathy": ("encephalopathy",),
    "Dialysis at least twice in the past week": ("dialysis",),
    "Continuous veno-venous hemodialysis for ≥24 hours in the past week": ("dialysis",),
    # GBS
    "Hepatic disease history": ("hepatic_disease",),
    "Recent syncope": ("syncope",),
    "Cardiac failure present": ("cardiac_failure",),
    "Melena present": ("melena",),
    # Charlson
    "Myocardial infarction": ("mi",),
    "Peripheral vascular disease": ("pvd",),
    "Cerebrovascular Accident": ("cva_tia",),
    "Dementia": ("dementia",),
    "Chronic Obstructive Pulmonary Disease": ("copd",),
    "Connective tissue disease": ("connective_tissue",),
    "Peptic ulcer disease": ("peptic_ulcer",),
    "Hemiplegia": ("hemiplegia",),
    "Moderate to severe Chronic Kidney Disease": ("ckd_moderate_severe",),
    "Solid tumor": ("solid_tumor",),
    "Leukemia": ("leukemia",),
    "Lymphoma": ("lymphoma",),
    "AIDS": ("aids",),
    # SOFA / APACHE II
    "On mechanical ventilation": ("mechanical_ventilation",),
    "Continous positive airway pressure": ("mechanical_ventilation",),
    "DOPamine": ("dopamine",),
    "DOBUTamine": ("dobutamine",),
    "EPINEPHrine": ("epinephrine",),
    "norEPINEPHrine": ("norepinephrine",),
    "Acute renal failure": ("acute_renal_failure",),
    "History of severe organ failure or immunocompromise": ("chronic_organ_insufficiency",),
    "Surgery Type": ("admission_type", "surgery_type"),
    # Caprini
    "Major Surgery in the last month": ("recent_major_surgery",),
    "Congestive Heart Failure in the last month": ("recent_chf",),
    "Sepsis in the last month": ("recent_sepsis",),
    "Pneumonia in the last month": ("recent_pneumonia",),
    "Immobilizing plaster cast in the last month": ("plaster_cast",),
    "Hip, pelvis, or leg fracture in the last month": ("hip_pelvis_leg_fracture",),
    "Stroke in the last month": ("recent_stroke",),
    "Multiple trauma in the last month": ("multiple_trauma",),
    "Acute spinal cord injury causing paralysis in the last month": ("spinal_cord_injury",),
    "Varicose veins": ("varicose_veins",),
    "Current swollen legs": ("swollen_legs",),
    "Current central venous access": ("central_venous_access",),
    "Family history of thrombosis": ("family_history_thrombosis",),
    "Positive Factor V Leiden": ("factor_v_leiden",),
    "Positive prothrombin 20210A": ("prothrombin_20210a",),
    "Elevated serum homocysteine": ("homocysteine",),
    "Positive lupus anticoagulant": ("lupus_anticoagulant",),
    "Elevated anticardiolipin antibody": ("anticardiolipin",),
    "Heparin-induced thrombocytopenia": ("hit",),
    "Other congenital or acquired thrombophilia": ("other_thrombophilia",),
    "Mobility": ("mobility",),
    "History of inflammatory bowel disease": ("ibd",),
    "Acute Myocardial infarction": ("acute_mi",),
    "Present or previous malignancy": ("malignancy",),
}

#: written MedCalc units -> units medassist understands
UNIT_FIX = {
    "degrees fahreinheit": "°F",
    "degrees fahrenheit": "°F",
    "degrees celsisus": "°C",
    "degrees celsius": "°C",
    "beats per minute": "/min",
    "bpm": "/min",
    "breaths per minute": "/min",
    "mm hg": "mmHg",
    "mm Hg": "mmHg",
    "msec": "ms",
    "µL": "/µL",
    "m^3": "/µL",
    "L": "/L",  # 'Platelet count': [147000000000.0, 'L'] is a count per litre
    "mm^3": "/µL",
    "mc/kg/min": "mcg/kg/min",
    "per day": None,
}

#: choice values as MedCalc writes them -> medassist choices (per input name)
CHOICE_FIX: dict[str, dict[str, Any]] = {
    "history": {
        "slightly suspicious": "slightly suspicious",
        "moderately suspicious": "moderately suspicious",
        "highly suspicious": "highly suspicious",
    },
    "ecg": {
        "normal": "normal",
        "non-specific repolarization": "non-specific repolarization disturbance",
        "significant st deviation": "significant ST deviation",
    },
    "troponin": {
        "less than or equal": "<= normal limit",
        "between": "1-3x normal limit",
        "greater than three": "> 3x normal limit",
    },
    "encephalopathy": {
        "no encephalopathy": "none",
        "grade 1-2": "grade 1-2",
        "grade 3-4": "grade 3-4",
    },
    "liver_disease": {
        "mild": "mild",
        "moderate to severe": "moderate to severe",
        "false": "none",
        "true": "mild",
    },
    "solid_tumor": {
        "metastatic": "metastatic",
        "localized": "localized",
        "true": "localized",
        "false": "none",
    },
    "diabetes": {
        "uncomplicated": "uncomplicated",
        "end-organ damage": "end-organ damage",
        "none": "none",
    },
    "admission_type": {
        "nonoperative": "nonoperative",
        "elective": "elective postoperative",
        "emergency": "emergency postoperative",
    },
    "surgery_type": {
        "none": "none",
        "minor": "minor",
        "major": "major (over 45 min)",
        "laparoscopic": "laparoscopic (over 45 min)",
        "elective major lower": "elective major lower extremity arthroplasty",
    },
    "mobility": {
        "normal": "normal/ambulatory",
        "on bed rest": "medical patient at bed rest",
        "confined to bed": "confined to bed over 72 hours",
    },
    "eye": {
        "eyes open spontaneously": 4,
        "eye opening to verbal command": 3,
        "eye opening to pain": 2,
        "no eye opening": 1,
    },
    "verbal": {
        "oriented": 5,
        "confused": 4,
        "inappropriate words": 3,
        "incomprehensible sounds": 2,
        "no verbal response": 1,
    },
    "motor": {
        "obeys commands": 6,
        "localizes pain": 5,
        "withdrawal from pain": 4,
        "flexion to pain": 3,
        "extension to pain": 2,
        "no motor response": 1,
    },
}

GCS_ENTITY = {
    "Best eye response": "eye",
    "Best verbal response": "verbal",
    "Best motor response": "motor",
}


def _fix_choice(name: str, raw: Any, choices: list[str] | None) -> Any:
    table = CHOICE_FIX.get(name)
    text = str(raw).strip().lower()
    if table:
        for key, out in sorted(table.items(), key=lambda kv: -len(kv[0])):  # most specific first
            if text.startswith(key) or key in text:
                return out
    if isinstance(raw, bool) and name == "diabetes" and choices:
        return "uncomplicated" if raw else "none"
    return raw


def entities_to_inputs(calculator_id: str, entities: dict[str, Any]) -> dict[str, Any]:
    """Translate MedCalc-Bench 'Relevant Entities' into medassist inputs for one calculator."""
    from medassist.risk.base import get_calculator

    calc = get_calculator(calculator_id)
    specs = {s.name: s for s in calc.inputs}
    if calculator_id == "mme":
        return _mme_inputs(entities)
    if calculator_id == "steroid_conversion":
        name, dose, _unit = entities["input steroid"]
        return {"steroid": name, "steroid_dose": dose, "target_steroid": entities["target steroid"]}
    out: dict[str, Any] = {}
    for key, raw in entities.items():
        names = (GCS_ENTITY[key],) if key in GCS_ENTITY else ENTITY_TO_INPUT.get(key, ())
        name = next((n for n in names if n in specs), None)
        if name is None:
            name = _snake(key) if _snake(key) in specs else None
        if name is None:
            continue
        spec = specs[name]
        if name == "bmi_over_25" and isinstance(raw, list):
            out[name] = float(raw[0]) > 25
            continue
        if spec.type in {"number", "int"} and isinstance(raw, list) and len(raw) == 2:
            value, unit = raw
            unit = UNIT_FIX.get(unit, unit)
            if name == "age" and unit == "months":
                value, unit = value / 12, None
            elif name == "age":
                unit = None
            if spec.unit is None:
                unit = None
            value_out: Any = value if unit is None else {"value": value, "unit": unit}
        elif spec.type == "choice":
            value_out = _fix_choice(
                name, raw.lower() if isinstance(raw, str) and name == "sex" else raw, spec.choices
            )
        elif spec.type in {"number", "int"} and name in CHOICE_FIX:
            value_out = _fix_choice(name, raw, None)
        elif spec.type == "bool" and name in out and out[name] is True:
            continue  # several entities feed one criterion: any true wins
        elif spec.type == "date" and isinstance(raw, str):
            value_out = _date(raw)
        else:
            value_out = raw
        if name == "black" and isinstance(raw, str):
            value_out = raw.lower() == "black"
        if name == "fio2" and isinstance(value_out, dict):
            value_out = value_out["value"]
        out[name] = value_out
    if "map" in specs and "map" not in out:  # APACHE II reads the MAP from the two pressures
        sbp, dbp = _pressure(entities, "Systolic"), _pressure(entities, "Diastolic")
        if sbp is not None and dbp is not None:
            out["map"] = round((sbp + 2 * dbp) / 3, 1)
    return out


def _mme_inputs(entities: dict[str, Any]) -> dict[str, Any]:
    """'HYDROmorphone Dose' [60, 'mg'] / 'HYDROmorphone Dose Per Day' [1, 'per day'] ->
    hydromorphone_dose / hydromorphone_doses_per_day."""
    out: dict[str, Any] = {}
    for key, (amount, *_rest) in entities.items():
        drug = key.replace(" Dose Per Day", "").replace(" Dose", "").lower().replace(" ", "_")
        out[f"{drug}_{'doses_per_day' if key.endswith('Per Day') else 'dose'}"] = amount
    return out


def _pressure(entities: dict[str, Any], kind: str) -> float | None:
    raw = entities.get(f"{kind} Blood Pressure")
    return float(raw[0]) if isinstance(raw, list) and raw else None


def _snake(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


def _date(s: str) -> str:
    return dt.datetime.strptime(s.strip(), "%m/%d/%Y").date().isoformat()


# ---------------------------------------------------------------- scoring
def _answer_value(result: Any) -> Any:
    if result.value is not None:
        return result.value
    if result.possible_range is not None:
        return result.possible_range[0]
    return None


def is_correct(row: dict[str, str], value: Any) -> bool:
    if value is None:
        return False
    kind = row["Output Type"]
    gt = row["Ground Truth Answer"].strip()
    if gt.startswith("("):  # gestational age: ('3 weeks', '4 days')
        w, d = (int(x) for x in re.findall(r"\d+", gt)[:2])
        got = [int(x) for x in re.findall(r"\d+", str(value))]
        if isinstance(value, int | float):
            total = float(value)
            return abs(total - (w + d / 7)) < 1 / 14 or abs(total - (w * 7 + d)) < 0.5
        return got[:2] == [w, d]
    if kind == "date":
        try:
            want = _date(gt)
        except ValueError:
            return False
        return str(value)[:10] == want or _norm_date(str(value)) == want
    try:
        v = float(value)
        lo, hi = float(row["Lower Limit"]), float(row["Upper Limit"])
    except (TypeError, ValueError):
        return False
    if kind == "integer":
        return abs(v - float(gt)) < 1e-6
    return lo - 1e-9 <= v <= hi + 1e-9


def _norm_date(s: str) -> str:
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(s.strip(), fmt).date().isoformat()
        except ValueError:
            continue
    return s


def _matches_definition(cid: str, row: dict[str, str], value: Any) -> bool:
    """Whether ``value`` equals the published definition applied to the row's gold entities.

    Entities the disputes file corrects (gold entities that misread the note) are replaced
    first; a row whose corrected entities lack a required input is judged "not computable",
    and then only an answer of ``None`` matches."""
    want = definition_value(cid, row)
    if value is None or want is None:
        return value is None and want is None
    try:
        lo, hi = float(row["Lower Limit"]), float(row["Upper Limit"])
        gt = float(row["Ground Truth Answer"])
        tol = (hi - lo) / 2 if gt else 0.0
        return abs(float(value) - float(want)) <= max(
            tol * abs(float(want) / gt) if gt else 0.0, 1e-6
        )
    except (TypeError, ValueError, ZeroDivisionError):
        return str(value) == str(want)


def definition_value(cid: str, row: dict[str, str]) -> Any:
    """The published definition applied to the row's gold entities, with the disputes file's
    entity corrections applied; ``None`` when the corrected entities cannot give a value."""
    from medassist.errors import MedassistError
    from medassist.risk.api import calculate

    entities = corrected_entities(row)
    try:
        ref = calculate(cid, inputs=entities_to_inputs(cid, entities))
    except MedassistError:
        return None
    return _answer_value(ref)


_ABSENT = "absent"
_CORRECTIONS_SECTION = "## Entity corrections"


@lru_cache(maxsize=1)
def load_entity_corrections() -> dict[str, dict[str, Any]]:
    """Row -> {entity name: corrected value, or ``_ABSENT``} from the disputes file.

    Table rows of the section ``## Entity corrections``: ``| row | entity | corrected | why |``;
    ``corrected`` is a Python literal as in 'Relevant Entities' (``False``, ``[39.0, 'kg']``)
    or ``absent`` when the note does not state the entity at all."""
    if not DISPUTES.exists():
        return {}
    _, _, section = DISPUTES.read_text(encoding="utf-8").partition(_CORRECTIONS_SECTION)
    section = section.split("\n## ", 1)[0]
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].isdigit():
            continue
        entity = cells[1].strip("`")
        raw = cells[2].strip("`")
        out[cells[0]][entity] = _ABSENT if raw == _ABSENT else ast.literal_eval(raw)
    return dict(out)


def corrected_entities(row: dict[str, str]) -> dict[str, Any]:
    """The row's gold 'Relevant Entities' with the disputes file's corrections applied."""
    entities = dict(ast.literal_eval(row["Relevant Entities"]))
    for name, fixed in load_entity_corrections().get(row["Row Number"], {}).items():
        if fixed == _ABSENT:
            entities.pop(name, None)
        else:
            entities[name] = fixed
    return entities


def soft_disputes() -> set[str]:
    """Disputed rows whose reason is a time-point or judgement choice (not a definition)."""
    if not DISPUTES.exists():
        return set()
    rows = set()
    for line in DISPUTES.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        reason = cells[4].split(":", 1)[0] if len(cells) >= 5 else ""
        soft = "judgement" in reason or "time point" in reason
        if soft and cells[0].isdigit():
            rows.add(cells[0])
    return rows


def load_disputes() -> set[str]:
    """Row numbers listed in the disputes file (table rows starting with '| <row> |')."""
    if not DISPUTES.exists():
        return set()
    rows = set()
    for line in DISPUTES.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|", line)
        if m:
            rows.add(m.group(1))
    return rows


def split_key(row: dict[str, str]) -> str:
    """The key a row is split by: its note id (template note ids are per calculator)."""
    if row.get("Note Type", "Extracted") == "Extracted":
        return row["Note ID"]
    return f"{row['Calculator ID']}/{row['Note ID']}"


def split_of(row: dict[str, str]) -> str:
    """'tune' or 'report': a fixed hash of the note id (see the module docstring)."""
    digest = hashlib.sha256((SPLIT_SALT + split_key(row)).encode("utf-8")).digest()
    return "tune" if digest[0] % 2 == 0 else "report"


def load_verified(path: Path = VERIFIED) -> dict[str, dict[str, str]]:
    """Row number -> the Verified release's label columns, for rows that carry one."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as fh:
        return {
            r["Row Number"]: r for r in csv.DictReader(fh) if r.get("label_source") == "verified"
        }


def _inputs_summary(result: Any) -> str:
    parts = []
    for c in result.components:
        ev = c.evidence[0] if c.evidence else None
        src = "" if ev is None else ev.source if ev.source != "note" else repr((ev.text or "")[:40])
        pts = "" if c.points is None else f"[{c.points:g}]"
        parts.append(f"{c.name}={c.value}{pts} {src}".strip())
    if result.missing:
        parts.append(f"MISSING {result.missing} range={result.possible_range}")
    return "; ".join(parts)


def run(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from medassist.errors import MedassistError
    from medassist.risk.api import calculate
    from medassist.risk.formulas_common import question_inputs

    path = Path(args.data)
    if not path.exists():
        print(f"MedCalc data not found at {path} (shared data folder absent)")
        return 2
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    want = args.calculator
    if want:
        wanted = {w.strip() for w in want.split(",")}
        rows = [
            r
            for r in rows
            if NAME_TO_ID.get(r["Calculator Name"]) in wanted or r["Calculator Name"] in wanted
        ]
    if args.split != "all":
        rows = [r for r in rows if split_of(r) == args.split]
    if args.limit:
        rows = rows[: args.limit]
    verified = load_verified(Path(args.verified))
    # calculator -> [correct on Verified labels, rows with a Verified label]
    per_verified: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    disputes = load_disputes()
    soft = soft_disputes()
    soft_n = soft_hits = 0
    # correct, total, correct_nd, total_nd, correct_by_definition
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    misses: list[str] = []
    t0 = time.perf_counter()
    for row in rows:
        cid = NAME_TO_ID[row["Calculator Name"]]
        try:
            if args.inputs_from_entities:
                ents = ast.literal_eval(row["Relevant Entities"])
                result = calculate(cid, inputs=entities_to_inputs(cid, ents))
            else:
                result = calculate(
                    cid,
                    text=row["Patient Note"],
                    inputs=question_inputs(cid, row.get("Question", "")) or None,
                )
            value = _answer_value(result)
            detail = _inputs_summary(result)
        except MedassistError as exc:
            value, detail = None, f"error: {exc.message}"
        ok = is_correct(row, value)
        vrow = verified.get(row["Row Number"])
        if vrow is not None:
            per_verified[cid][0] += is_correct(vrow, value)
            per_verified[cid][1] += 1
        disputed = row["Row Number"] in disputes
        stats = per[cid]
        stats[0] += ok
        stats[1] += 1
        if not disputed:
            stats[2] += ok
            stats[3] += 1
            stats[4] += ok
        else:  # judged against the published definition applied to the gold entities
            by_definition = _matches_definition(cid, row, value)
            stats[4] += by_definition
            if row["Row Number"] in soft:
                soft_n += 1
                soft_hits += by_definition
        if not ok:
            tag = (
                f" (label disputed; the definition, from corrected entities: {definition_value(cid, row)!r})"
                if disputed
                else ""
            )
            misses.append(
                f"- row {row['Row Number']} {cid}: got {value!r}, want {row['Ground Truth Answer']} "
                f"[{row['Lower Limit']}, {row['Upper Limit']}]{tag}\n    {detail}"
            )
    elapsed = time.perf_counter() - t0
    total = sum(s[1] for s in per.values())
    correct = sum(s[0] for s in per.values())
    total_nd = sum(s[3] for s in per.values())
    correct_nd = sum(s[2] for s in per.values())
    correct_def = sum(s[4] for s in per.values())
    mode = "gold entities as inputs" if args.inputs_from_entities else "note only"
    v_correct = sum(v[0] for v in per_verified.values())
    v_total = sum(v[1] for v in per_verified.values())
    if args.json:
        print(
            json.dumps(
                {
                    "mode": mode,
                    "split": args.split,
                    "rows": total,
                    "correct": correct,
                    "accuracy": correct / total if total else None,
                    "accuracy_without_disputed": correct_nd / total_nd if total_nd else None,
                    "accuracy_by_definition": correct_def / total if total else None,
                    "verified_rows": v_total,
                    "verified_correct": v_correct,
                    "accuracy_verified": v_correct / v_total if v_total else None,
                    "per_calculator": {
                        k: {
                            "correct": v[0],
                            "total": v[1],
                            "correct_undisputed": v[2],
                            "total_undisputed": v[3],
                            "correct_by_definition": v[4],
                            "correct_verified": per_verified[k][0],
                            "total_verified": per_verified[k][1],
                        }
                        for k, v in sorted(per.items())
                    },
                },
                indent=2,
            )
        )
        return 0
    print(f"MedCalc-Bench dev ({mode}), split {args.split}: {len(rows)} rows in {elapsed:.1f}s")
    print(
        f"{'calculator':32} {'raw':>6} {'n':>4}   {'ver':>6} {'nv':>4}   {'acc*':>6} {'n*':>4}"
        f"   {'acc+':>6}   (raw: v1.0 labels; ver: Verified labels where they exist;"
        " * without disputed labels; + disputed rows judged by the published definition)"
    )
    for cid, (c, n, cnd, nnd, cdef) in sorted(per.items()):
        acc_nd = f"{cnd / nnd:6.1%}" if nnd else "     -"
        vc, vn = per_verified[cid]
        acc_v = f"{vc / vn:6.1%}" if vn else "     -"
        print(
            f"{cid:32} {c / n:6.1%} {n:4d}   {acc_v} {vn:4d}   {acc_nd} {nnd:4d}   {cdef / n:6.1%}"
        )
    if total:
        acc_v = f"{v_correct / v_total:6.1%}" if v_total else "     -"
        print(
            f"{'OVERALL':32} {correct / total:6.1%} {total:4d}   {acc_v} {v_total:4d}   "
            f"{(correct_nd / total_nd if total_nd else 0):6.1%} {total_nd:4d}   {correct_def / total:6.1%}"
        )
        print(
            f"disputed rows: {total - total_nd}; {soft_n} of them rest on a time-point or "
            "judgement choice, not a published definition (reasons marked 'time point' or "
            f"'judgement'); counting those as misses, acc+ = {(correct_def - soft_hits) / total:.1%}"
        )
    if args.misses and misses:
        print("\nMisses:")
        print("\n".join(misses))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--data", default=str(DATA), help="MedCalc-Bench CSV (default: shared dev split)"
    )
    p.add_argument(
        "--calculator", help="only these calculators (ids or MedCalc names, comma-separated)"
    )
    p.add_argument(
        "--inputs-from-entities",
        action="store_true",
        help="feed the gold 'Relevant Entities' as inputs (separates formula from extraction errors)",
    )
    p.add_argument(
        "--misses", action="store_true", help="list every miss with the extracted inputs"
    )
    p.add_argument(
        "--split",
        choices=("tune", "report", "all"),
        default="report",
        help="which half of the dev file (fixed hash of the note id; default: report)",
    )
    p.add_argument(
        "--verified",
        default=str(VERIFIED),
        help="MedCalc-Bench-Verified labels for the dev rows (default: shared file)",
    )
    p.add_argument("--limit", type=int, default=0, help="first N rows only")
    p.add_argument("--json", action="store_true", help="machine-readable summary")
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
