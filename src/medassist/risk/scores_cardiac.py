"""Cardiovascular scores: CHA2DS2-VASc, HEART, HAS-BLED, RCRI, Framingham hard CHD."""

from __future__ import annotations

import math
import re
from typing import Any

from medassist.risk.base import Band, Calculator, Fact, ScoreResult, register
from medassist.risk.facts import NoteFacts
from medassist.risk.score_cues import heart_history, hypertension_history, unhedged_condition
from medassist.risk.scoring import (
    choice,
    criterion,
    cue,
    finish,
    fmt,
    item,
    number,
    put,
    sex_input,
    val,
)
from medassist.text.number_words import number_word_pattern, word_number

__all__ = ["Cha2ds2Vasc", "Heart", "HasBled", "Rcri", "FraminghamChd"]

_NUMBER_WORDS = number_word_pattern(20)  # the one number-words table


def _any(*facts: Fact | None) -> Fact | None:
    """The first affirmed fact, else the first negated one, else None."""
    present = [f for f in facts if f is not None]
    for f in present:
        if f.value:
            return f
    return present[0] if present else None


@register
class Cha2ds2Vasc(Calculator):
    id = "cha2ds2_vasc"
    name = "CHA2DS2-VASc score for atrial fibrillation stroke risk"
    reference = (
        "Lip GYH, et al. Refining clinical risk stratification for predicting stroke and "
        "thromboembolism in atrial fibrillation using a novel risk factor-based approach. "
        "Chest. 2010;137(2):263-272. doi:10.1378/chest.09-1584"
    )
    kind = "score"
    relevance = 30
    inputs = [
        number("age", "Age", "years", 0, 120),
        sex_input(),
        criterion("chf", "Congestive heart failure history"),
        criterion("hypertension", "Hypertension history"),
        criterion("stroke_tia_thromboembolism", "Stroke, TIA or thromboembolism history"),
        criterion(
            "vascular_disease",
            "Vascular disease (prior MI, peripheral artery disease, aortic plaque)",
            "prior MI, coronary artery disease (ESC 2020), peripheral artery disease, aortic or carotid plaque",
        ),
        criterion("diabetes", "Diabetes mellitus"),
    ]
    bands = [
        Band(label="0: low stroke risk", low=0, high=0),
        Band(label="1: low-moderate stroke risk", low=1, high=1),
        Band(label="2 or more: moderate-high stroke risk", low=2, high=None),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        f = facts.condition("cardiac.cha2ds2vasc_relevant.atrial_fibrillation")
        return bool(f and f.value)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(out, "age", facts.measurement("age"))
        put(out, "sex", facts.measurement("sex"))
        put(out, "chf", cue(facts, "chf"))
        put(out, "hypertension", hypertension_history(facts))
        put(out, "stroke_tia_thromboembolism", cue(facts, "stroke", "tia", "thromboembolism"))
        put(out, "vascular_disease", cue(facts, "mi", "pad", "cad"))
        put(out, "diabetes", cue(facts, "diabetes"))
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        age = values["age"]
        comps = [
            item("age", age, 2 if age >= 75 else 1 if age >= 65 else 0),
            item("sex", values["sex"], 1 if values["sex"] == "female" else 0),
            item("chf", values["chf"], 1 if values["chf"] else 0),
            item("hypertension", values["hypertension"], 1 if values["hypertension"] else 0),
            item(
                "stroke_tia_thromboembolism",
                values["stroke_tia_thromboembolism"],
                2 if values["stroke_tia_thromboembolism"] else 0,
            ),
            item(
                "vascular_disease",
                values["vascular_disease"],
                1 if values["vascular_disease"] else 0,
            ),
            item("diabetes", values["diabetes"], 1 if values["diabetes"] else 0),
        ]
        return finish(self, comps)


_HEART_HISTORY = ["slightly suspicious", "moderately suspicious", "highly suspicious"]
_HEART_ECG = ["normal", "non-specific repolarization disturbance", "significant ST deviation"]
_HEART_TROP = ["<= normal limit", "1-3x normal limit", "> 3x normal limit"]


def heart_risk_factors(facts: NoteFacts) -> dict[str, Fact]:
    out: dict[str, Fact] = {}
    put(out, "hypertension", hypertension_history(facts))
    put(out, "hypercholesterolemia", cue(facts, "hyperlipidemia"))
    put(out, "diabetes", cue(facts, "diabetes"))
    obese = cue(facts, "obesity")
    bmi = facts.finding("cardiac.heart_risk_factors.bbmi")
    if bmi is not None:
        m = re.search(r"(\d{2}(?:\.\d+)?)$", bmi.value)
        if m and float(m.group(1)) > 30:
            obese = val(bmi, True)
    put(out, "obesity", obese)
    smoke = cue(facts, "smoking")
    former = facts.finding("cardiac.heart_risk_factors.former_ex_previous")
    if smoke is not None and smoke.value and former is not None:
        smoke = val(former, False, note="former or never smoker")
    put(out, "smoking", smoke)
    fam = cue(facts, "family_history_cad")
    if fam is None or not fam.value:
        rel = facts.finding("cardiac.heart_risk_factors.family_history_father")
        if rel is not None and not re.search(
            r"\bno\b|\bnegative\b|\bnoncontributory\b|\bunremarkable\b", rel.value, re.I
        ):
            fam = val(rel, True)
    put(out, "family_history", fam)
    put(
        out,
        "atherosclerotic_disease",
        _any(*(unhedged_condition(facts, k) for k in ("mi", "cad", "pad", "cerebrovascular"))),
    )
    return out


@register
class Heart(Calculator):
    id = "heart"
    name = "HEART score for major cardiac events"
    reference = (
        "Six AJ, Backus BE, Kelder JC. Chest pain in the emergency room: value of the HEART "
        "score. Neth Heart J. 2008;16(6):191-196. doi:10.1007/BF03086144"
    )
    kind = "score"
    relevance = 28
    inputs = [
        choice(
            "history",
            "History (suspicion of ACS)",
            _HEART_HISTORY,
            "given explicitly; notes describe it in free text",
        ),
        choice(
            "ecg",
            "ECG",
            _HEART_ECG,
            "'normal ECG', 'ST depression/elevation', 'repolarization'/'LBBB'/'LVH'",
        ),
        number("age", "Age", "years", 0, 120),
        criterion("hypertension", "Hypertension"),
        criterion("hypercholesterolemia", "Hypercholesterolemia"),
        criterion("diabetes", "Diabetes mellitus"),
        criterion("obesity", "Obesity (BMI > 30)"),
        criterion("smoking", "Smoking (current or quit within 3 months)"),
        criterion("family_history", "Family history of premature cardiovascular disease"),
        criterion(
            "atherosclerotic_disease",
            "Known atherosclerotic disease (prior MI, PCI/CABG, CVA/TIA, PAD)",
        ),
        choice(
            "troponin",
            "Initial troponin",
            _HEART_TROP,
            "'troponin negative/normal' or 'elevated troponin'",
        ),
    ]
    bands = [
        Band(label="0-3: low risk of a major adverse cardiac event", low=0, high=3),
        Band(label="4-6: moderate risk", low=4, high=6),
        Band(label="7-10: high risk", low=7, high=10),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        f = facts.condition("cardiac.heart_relevant.chest_pain")
        return bool(f and f.value)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out = heart_risk_factors(facts)
        put(out, "age", facts.measurement("age"))
        # the ECG's own sentences only: "ST depression" elsewhere may be an old tracing
        ecg = "cardiac.heart.ecg_sentence"
        if facts.matches(ecg):
            st = facts.condition("cardiac.heart.st_deviation", within=ecg)
            rep = facts.condition("cardiac.heart.repolarization", within=ecg)
            normal = facts.finding("cardiac.heart.ecg_normal", within=ecg)
            if st is not None and st.value:
                out["ecg"] = val(st, _HEART_ECG[2])  # type: ignore[assignment]
            elif rep is not None and rep.value:
                out["ecg"] = val(rep, _HEART_ECG[1])  # type: ignore[assignment]
            elif normal is not None or (st is not None and not st.value):
                out["ecg"] = val(normal or st, _HEART_ECG[0])  # type: ignore[assignment]
        trop = facts.finding("cardiac.heart.btroponin")
        if trop is not None:
            t = trop.value.lower()
            m = re.search(r"(\d+(?:\.\d+)?)\s*(?:times|x|-fold)", t)
            num = re.search(r"(\d+(?:\.\d+)?)\s*(ng/ml|µg/l|ug/l|mcg/l|ng/l|pg/ml)", t)
            if m:
                k = float(m.group(1))
                level = _HEART_TROP[0] if k <= 1 else _HEART_TROP[1] if k <= 3 else _HEART_TROP[2]
                out["troponin"] = val(trop, level)  # type: ignore[assignment]
            elif re.search(r"negative|normal|within|undetectable|unremarkable|not elevated", t):
                out["troponin"] = val(trop, _HEART_TROP[0])  # type: ignore[assignment]
            elif num:
                # no reference range in the note: assumed upper reference limits (99th centile)
                url = 14.0 if num.group(2) in {"ng/l", "pg/ml"} else 0.04
                k = float(num.group(1)) / url
                level = _HEART_TROP[0] if k <= 1 else _HEART_TROP[1] if k <= 3 else _HEART_TROP[2]
                out["troponin"] = val(
                    trop, level, note=f"assumed upper reference limit {url:g} {num.group(2)}"
                )  # type: ignore[assignment]
            elif re.search(r"mildly|slightly|minimal", t):
                out["troponin"] = val(trop, _HEART_TROP[1])  # type: ignore[assignment]
            elif re.search(r"elevat|raised|positive|increased|high", t):
                out["troponin"] = val(trop, _HEART_TROP[2])  # type: ignore[assignment]
        put(out, "history", heart_history(facts))
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        age = values["age"]
        rf_names = (
            "hypertension",
            "hypercholesterolemia",
            "diabetes",
            "obesity",
            "smoking",
            "family_history",
        )
        n_rf = sum(1 for k in rf_names if values[k])
        athero = bool(values["atherosclerotic_disease"])
        rf_points = 2 if (n_rf >= 3 or athero) else 1 if n_rf >= 1 else 0
        comps = [
            item("history", values["history"], _HEART_HISTORY.index(values["history"])),
            item("ecg", values["ecg"], _HEART_ECG.index(values["ecg"])),
            item("age", age, 2 if age >= 65 else 1 if age >= 45 else 0),
            *[item(k, values[k], 0) for k in rf_names],
            item("atherosclerotic_disease", athero, 0),
            item(
                "risk_factors",
                f"{n_rf} risk factor(s)" + (", known atherosclerotic disease" if athero else ""),
                rf_points,
            ),
            item("troponin", values["troponin"], _HEART_TROP.index(values["troponin"])),
        ]
        return finish(
            self,
            comps,
            formula=(
                f"history {comps[0].points:g} + ECG {comps[1].points:g} + age {comps[2].points:g} + "
                f"risk factors {rf_points} + troponin {comps[-1].points:g} = "
                f"{fmt(sum(c.points or 0 for c in comps))}"
            ),
        )


#: transaminases stated as a multiple of normal ("AST and ALT were 4 times the normal value")
_TRANSAMINASE_FOLD = (
    r"\b(?:AST|ALT|SGOT|SGPT|transaminases?|aminotransferases?|liver enzymes)\b[^.;]{0,40}?"
    r"\b(?P<n>\d+(?:\.\d+)?|three|four|five|six|seven|eight|nine|ten)\s?(?:times|x|×|-fold|fold)"
    r"\s(?:the\s)?(?:upper limit of\s)?(?:normal|ULN)"
)


def _hepatic_derangement(facts: NoteFacts) -> Fact | None:
    """HAS-BLED's liver item also counts biochemical evidence of significant hepatic
    derangement (Pisters 2010: e.g. AST/ALT > 3x the upper limit of normal)."""
    f = facts.finding("cardiac.hepatic_derangement.ast_alt_sgot")
    if f is None:
        return None
    m = re.search(_TRANSAMINASE_FOLD, f.value, re.I)
    fold = word_number(m.group("n")) if m else 0.0
    if fold <= 3:
        return None
    return val(f, True, note=f"transaminases {fold:g}x normal: significant hepatic derangement")


#: HAS-BLED's thresholds (Pisters 2010): systolic pressure, serum creatinine (200 µmol/L)
_HAS_BLED_SBP = 160.0
_HAS_BLED_CREATININE = 2.26


def _uncontrolled_hypertension(facts: NoteFacts) -> Fact | None:
    """HAS-BLED's H as the score defines it: uncontrolled hypertension, i.e. a systolic
    pressure > 160 mmHg in the note or hypertension written as uncontrolled; a documented
    hypertension whose pressures stay at or below 160 mmHg does not count."""
    worded = unhedged_condition(facts, "cardiac.hasbled.uncontrolled_hypertension")
    if worded is not None and worded.value:
        return worded
    sbp = facts.extreme("sbp", "max")
    if sbp is not None and isinstance(sbp.value, int | float):
        high = sbp.value > _HAS_BLED_SBP
        return val(sbp, high, note=None if high else "systolic pressure <= 160 mmHg")
    history = hypertension_history(facts)
    if history is not None and history.value:
        return val(history, False, note="hypertension documented, not as uncontrolled")
    return worded or history


def _abnormal_renal_function(facts: NoteFacts) -> Fact | None:
    """HAS-BLED's renal A: chronic dialysis, a kidney transplant or serum creatinine > 2.26
    mg/dL (200 µmol/L, the current value); a chronic kidney disease mention alone does not
    count."""
    renal = unhedged_condition(facts, "cardiac.hasbled.renal")
    if renal is not None and renal.value:
        return renal
    cr = facts.measurement("creatinine")
    if cr is not None and isinstance(cr.value, int | float):
        high = cr.value > _HAS_BLED_CREATININE
        return val(cr, high, note=None if high else "creatinine <= 2.26 mg/dL")
    ckd = cue(facts, "renal_disease")
    if ckd is not None and ckd.value:
        return val(
            ckd,
            False,
            note="kidney disease documented without dialysis, transplant or creatinine > 2.26 mg/dL",
        )
    return renal or ckd


@register
class HasBled(Calculator):
    id = "has_bled"
    name = "HAS-BLED score for major bleeding risk"
    reference = (
        "Pisters R, et al. A novel user-friendly score (HAS-BLED) to assess 1-year risk of major "
        "bleeding in patients with atrial fibrillation. Chest. 2010;138(5):1093-1100. "
        "doi:10.1378/chest.10-0134"
    )
    kind = "score"
    relevance = 31
    inputs = [
        criterion("hypertension", "Hypertension (uncontrolled, SBP > 160 mmHg)"),
        criterion(
            "renal_disease", "Abnormal renal function (dialysis, transplant, Cr > 2.26 mg/dL)"
        ),
        criterion(
            "liver_disease",
            "Abnormal liver function (cirrhosis or bilirubin > 2x / AST/ALT > 3x normal)",
        ),
        criterion("stroke", "Stroke history"),
        criterion("bleeding", "Prior major bleeding or predisposition to bleeding"),
        criterion("labile_inr", "Labile INR"),
        number("age", "Age", "years", 0, 120),
        criterion(
            "bleeding_medication", "Medication predisposing to bleeding (antiplatelet, NSAID)"
        ),
        criterion("alcohol", "Alcohol use (8 or more drinks a week)"),
        number(
            "alcohol_drinks_per_week",
            "Alcoholic drinks per week",
            "drinks/week",
            0,
            500,
            required=False,
        ),
    ]
    bands = [
        Band(label="0-1: relatively low bleeding risk", low=0, high=1),
        Band(label="2: moderate bleeding risk", low=2, high=2),
        Band(
            label="3 or more: high bleeding risk - review modifiable risk factors", low=3, high=None
        ),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        f = facts.condition("cardiac.hasbled_relevant.atrial_fibrillation")
        return bool(f and f.value)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(out, "age", facts.measurement("age"))
        put(out, "hypertension", _uncontrolled_hypertension(facts))
        put(out, "renal_disease", _abnormal_renal_function(facts))
        liver = unhedged_condition(facts, "liver_disease")
        if liver is None or not liver.value:
            liver = _hepatic_derangement(facts) or liver
        put(out, "liver_disease", liver)
        put(out, "stroke", cue(facts, "stroke"))
        put(out, "bleeding", cue(facts, "bleeding_history"))
        put(
            out,
            "labile_inr",
            facts.condition(
                "cardiac.hasbled.labile_inr",
            ),
        )
        put(out, "bleeding_medication", facts.medication("bleeding_drugs"))
        put(out, "alcohol", cue(facts, "alcohol"))
        drinks = facts.finding("cardiac.hasbled.zero_one_two")
        if drinks is not None:
            word = drinks.value.split()[0].lower()
            n = word_number(word)
            out["alcohol_drinks_per_week"] = val(drinks, n)  # type: ignore[assignment]
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        drinks = values.get("alcohol_drinks_per_week")
        alcohol = bool(values["alcohol"]) or (drinks is not None and drinks >= 8)
        comps = [
            item(k, values[k], 1 if values[k] else 0)
            for k in (
                "hypertension",
                "renal_disease",
                "liver_disease",
                "stroke",
                "bleeding",
                "labile_inr",
            )
        ]
        comps.append(item("age", values["age"], 1 if values["age"] > 65 else 0))
        comps.append(
            item(
                "bleeding_medication",
                values["bleeding_medication"],
                1 if values["bleeding_medication"] else 0,
            )
        )
        comps.append(
            item(
                "alcohol",
                alcohol if drinks is None else f"{fmt(drinks)} drinks/week",
                1 if alcohol else 0,
            )
        )
        return finish(self, comps)


@register
class Rcri(Calculator):
    id = "rcri"
    name = "Revised Cardiac Risk Index (RCRI) for pre-operative risk"
    reference = (
        "Lee TH, et al. Derivation and prospective validation of a simple index for prediction of "
        "cardiac risk of major noncardiac surgery. Circulation. 1999;100(10):1043-1049. "
        "doi:10.1161/01.cir.100.10.1043"
    )
    kind = "score"
    relevance = 35
    inputs = [
        criterion(
            "high_risk_surgery",
            "Elevated-risk surgery (intraperitoneal, intrathoracic, suprainguinal vascular)",
        ),
        criterion("ischemic_heart_disease", "History of ischemic heart disease"),
        criterion("chf", "History of congestive heart failure"),
        criterion("cerebrovascular_disease", "History of cerebrovascular disease"),
        criterion("insulin", "Pre-operative treatment with insulin"),
        number("creatinine", "Pre-operative creatinine", "mg/dL", 0.1, 30, required=False),
    ]
    bands = [
        Band(
            label="0: class I - lowest estimated risk of major cardiac complications", low=0, high=0
        ),
        Band(label="1: class II - low estimated risk", low=1, high=1),
        Band(label="2: class III - elevated estimated risk", low=2, high=2),
        Band(label="3 or more: class IV - high estimated risk", low=3, high=None),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        f = facts.finding("cardiac.rcri_relevant.pre_operative_preop")
        return f is not None

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(
            out,
            "high_risk_surgery",
            facts.procedure(
                "cardiac.rcri.intraperitoneal_intra_abdominal",
            ),
        )
        put(
            out,
            "ischemic_heart_disease",
            _any(
                cue(facts, "mi"),
                cue(facts, "cad"),
                facts.condition("cardiac.rcri.positive_exercise_stress"),
            ),
        )
        put(
            out,
            "chf",
            _any(
                cue(facts, "chf"),
                facts.condition(
                    "cardiac.rcri.pulmonary_edema",
                ),
            ),
        )
        put(out, "cerebrovascular_disease", cue(facts, "cerebrovascular"))
        put(out, "insulin", facts.medication("insulin"))
        put(out, "creatinine", facts.measurement("creatinine"))
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        comps = [
            item(k, values[k], 1 if values[k] else 0)
            for k in (
                "high_risk_surgery",
                "ischemic_heart_disease",
                "chf",
                "cerebrovascular_disease",
                "insulin",
            )
        ]
        cr = values.get("creatinine")
        comps.append(item("creatinine", cr, 1 if (cr is not None and cr > 2) else 0))
        return finish(self, comps)


@register
class FraminghamChd(Calculator):
    id = "framingham_chd"
    name = "Framingham risk score for hard coronary heart disease (10-year)"
    reference = (
        "Expert Panel on Detection, Evaluation, and Treatment of High Blood Cholesterol in Adults. "
        "Executive Summary of the Third Report of the NCEP (ATP III). JAMA. "
        "2001;285(19):2486-2497. doi:10.1001/jama.285.19.2486"
    )
    kind = "formula"
    unit = "%"
    relevance = 45
    inputs = [
        number("age", "Age", "years", 30, 79, "age (the model covers 30-79 years)"),
        sex_input(),
        criterion("smoker", "Current smoker"),
        number("total_cholesterol", "Total cholesterol", "mg/dL", 40, 1500),
        number("hdl", "HDL cholesterol", "mg/dL", 5, 200),
        number("sbp", "Systolic blood pressure", "mmHg", 60, 300),
        criterion("bp_treated", "Blood pressure treated with medication"),
    ]
    bands = [
        Band(label="below 10%: lower 10-year risk", low=None, high=9.9999),
        Band(label="10-20%: intermediate 10-year risk", low=10, high=20),
        Band(label="over 20%: higher 10-year risk", low=20.0001, high=None),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        return (
            facts.measurement("hdl") is not None
            and facts.measurement("total_cholesterol") is not None
        )

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        for k in ("age", "sex", "total_cholesterol", "hdl", "sbp"):
            put(out, k, facts.measurement(k))
        rf = heart_risk_factors(facts)
        put(out, "smoker", rf.get("smoking"))
        htn = cue(facts, "hypertension")
        meds = facts.medication(
            "cardiac.framinghamchd.pril",
        )
        put(
            out,
            "bp_treated",
            meds
            if (meds is not None and meds.value)
            else (htn if htn is not None and not htn.value else None),
        )
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        age, tc, hdl, sbp = values["age"], values["total_cholesterol"], values["hdl"], values["sbp"]
        smoker, treated = 1 if values["smoker"] else 0, 1 if values["bp_treated"] else 0
        la, ltc, lh, ls = math.log(age), math.log(tc), math.log(hdl), math.log(sbp)
        if values["sex"] == "male":
            la_s = math.log(min(age, 70))
            lsum = (
                52.00961 * la
                + 20.014077 * ltc
                - 0.905964 * lh
                + 1.305784 * ls
                + 0.241549 * treated
                + 12.096316 * smoker
                - 4.605038 * la * ltc
                - 2.84367 * la_s * smoker
                - 2.93323 * la * la
                - 172.300168
            )
            s0 = 0.9402
        else:
            la_s = math.log(min(age, 78))
            lsum = (
                31.764001 * la
                + 22.465206 * ltc
                - 1.187731 * lh
                + 2.552905 * ls
                + 0.420251 * treated
                + 13.07543 * smoker
                - 5.060998 * la * ltc
                - 2.996945 * la_s * smoker
                - 146.5933061
            )
            s0 = 0.98767
        risk = (1 - s0 ** math.exp(lsum)) * 100
        comps = [
            item(k, values[k], None)
            for k in ("age", "sex", "smoker", "total_cholesterol", "hdl", "sbp", "bp_treated")
        ]  # type: ignore[arg-type]
        return finish(
            self,
            comps,
            value=round(risk, 1),  # ATP III risk, in percent to one decimal
            formula=f"risk = (1 - {s0}^exp(L)) x 100, L = {lsum:.4f} (ATP III sex-specific coefficients) = {risk:.2f}%",
        )
