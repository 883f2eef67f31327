"""Intensive-care severity scores: SOFA and APACHE II.

Both published scores give 0 points to a variable that was not measured (assumed normal);
the result states that assumption for every such variable.
"""

from __future__ import annotations

import re
from typing import Any

from medassist.risk.base import Band, Calculator, Component, Evidence, Fact, ScoreResult, register
from medassist.risk.facts import NoteFacts
from medassist.risk.score_cues import outside
from medassist.risk.scoring import choice, criterion, cue, finish, fmt, item, number, put, val

__all__ = ["Sofa", "Apache2"]

_NORMAL = "not measured -> assumed normal (0 points)"


def _opt(comps: list[Component], name: str, value: Any, points: float) -> None:
    c = item(name, value, points if value is not None else 0)
    if value is None:
        c.evidence = [Evidence(source="assumed", note=_NORMAL)]
    comps.append(c)


#: vasopressor names in writing order (norepinephrine first, so "norEPINEPHrine" is one name)
_PRESSOR_NAME = re.compile(
    r"\b(?:nor(?:epinephrine|adrenaline)|levophed|epinephrine|adrenaline|dopamine|dobutamine"
    r"|vasopressin|phenylephrine)\b",
    re.I,
)
_PRESSOR_CANON = {
    "noradrenaline": "norepinephrine",
    "levophed": "norepinephrine",
    "adrenaline": "epinephrine",
}
_PRESSOR_DOSE = re.compile(
    r"(\d{1,3}(?:\.\d{1,3})?)\s{0,2}(?:mcg|µg|μg|ug)\s{0,2}/\s{0,2}kg\s{0,2}/\s{0,2}min", re.I
)


def _respective_dose(clause: str, drug: str) -> float | None:
    """The dose paired with ``drug`` in "A and B at x and y mcg/kg/min respectively" (a
    finding of the rule ``icu.pressors_respectively``): names and doses matched by order."""
    names = [m.group(0).lower() for m in _PRESSOR_NAME.finditer(clause)]
    names = [_PRESSOR_CANON.get(n, n) for n in names]
    doses = [float(m.group(1)) for m in _PRESSOR_DOSE.finditer(clause)]
    if len(names) < 2 or len(names) != len(doses) or names.count(drug) != 1:
        return None
    return doses[names.index(drug)]


def _vasopressor(facts: NoteFacts, drug: str) -> Fact | None:
    f = facts.finding(f"icu.vasopressor.{drug}")
    if f is None:
        return None
    start = f.evidence.start
    for clause in facts.matches("icu.pressors_respectively"):
        if start is not None and clause.start <= start < clause.end:
            dose = _respective_dose(clause.text, drug)
            if dose is not None:
                note = f"{drug} {fmt(dose)} mcg/kg/min (doses listed 'respectively')"
                return val(f, dose, note=note)
    m = re.findall(r"(\d+(?:\.\d+)?)\s*(?:mcg|µg|μg|ug)", f.value)
    return val(f, float(m[-1])) if m else None


#: the value written before the name: "at 2.3 mg/dL, his bilirubin level has spiked"
_BILI_VALUE_FIRST = (
    r"\b(\d{1,2}(?:\.\d{1,2})?) ?mg/dl,? (?:(?:his|her|the|a|serum|total|plasma) ){0,3}"
    r"(?:total )?bilirubin\b"
)


def _bilirubin_value_first(facts: NoteFacts) -> Fact | None:
    f = facts.finding("icu.bilirubin_value_first.mg_dl_his")
    if f is None:
        return None
    m = re.match(r"\d{1,2}(?:\.\d{1,2})?", f.value)
    return val(f, float(m.group(0))) if m else None


_MAP_INPUT = number(
    "map",
    "Mean arterial pressure",
    "mmHg",
    10,
    250,
    required=False,
    derivation="MAP, or (SBP + 2 x DBP) / 3",
)


@register
class Sofa(Calculator):
    id = "sofa"
    name = "Sequential Organ Failure Assessment (SOFA) score"
    reference = (
        "Vincent JL, et al. The SOFA (Sepsis-related Organ Failure Assessment) score to describe "
        "organ dysfunction/failure. Intensive Care Med. 1996;22(7):707-710. doi:10.1007/BF01709751"
    )
    kind = "score"
    relevance = 22
    inputs = [
        number("pao2", "PaO2", "mmHg", 10, 700, required=False),
        number("fio2", "FiO2", "%", 21, 100, required=False, derivation="FiO2; room air -> 21%"),
        criterion("mechanical_ventilation", "Mechanical ventilation or CPAP"),
        number("platelets", "Platelets", "10^3/µL", 0, 2000, required=False),
        number("gcs", "Glasgow Coma Scale", "points", 3, 15, required=False),
        number("bilirubin", "Bilirubin", "mg/dL", 0.05, 80, required=False),
        _MAP_INPUT,
        number("dopamine", "Dopamine", "mcg/kg/min", 0, 100, required=False),
        number("dobutamine", "Dobutamine", "mcg/kg/min", 0, 100, required=False),
        number("epinephrine", "Epinephrine", "mcg/kg/min", 0, 10, required=False),
        number("norepinephrine", "Norepinephrine", "mcg/kg/min", 0, 10, required=False),
        number("creatinine", "Creatinine", "mg/dL", 0.1, 30, required=False),
        number("urine_output", "Urine output", "mL/day", 0, 20000, required=False),
    ]
    bands = [
        Band(label="0-6: lower organ dysfunction burden", low=0, high=6),
        Band(label="7-9: moderate organ dysfunction", low=7, high=9),
        Band(label="10-12: severe organ dysfunction", low=10, high=12),
        Band(label="13-24: very severe organ dysfunction", low=13, high=24),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        icu = facts.finding("icu.sofa_relevant.icu_intensive_care")
        n = sum(
            facts.measurement(k) is not None
            for k in ("pao2", "platelets", "bilirubin", "creatinine")
        )
        return icu is not None and n >= 3

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        for k in ("pao2", "fio2", "platelets", "gcs", "bilirubin", "creatinine"):
            put(out, k, facts.measurement(k))
        if "bilirubin" not in out:
            put(out, "bilirubin", _bilirubin_value_first(facts))
        if "fio2" not in out:
            ra = facts.finding("icu.sofa.broom_air")
            if ra is not None:
                out["fio2"] = val(ra, 21.0)  # type: ignore[assignment]
        mp = facts.measurement("map")
        sbp, dbp = facts.measurement("sbp"), facts.measurement("dbp")
        if mp is not None:
            out["map"] = mp
        elif sbp is not None and dbp is not None:
            out["map"] = val(
                sbp, round((sbp.value + 2 * dbp.value) / 3, 1), note="MAP from SBP/DBP"
            )  # type: ignore[assignment]
        put(
            out,
            "mechanical_ventilation",
            _any_true(
                cue(facts, "mechanical_ventilation"),
                outside(facts, facts.condition("icu.sofa.cpap"), "acute.oxygen.sleep_pap"),
            ),
        )
        put(out, "dopamine", _vasopressor(facts, "dopamine"))
        put(out, "dobutamine", _vasopressor(facts, "dobutamine"))
        put(out, "epinephrine", _vasopressor(facts, "epinephrine"))
        put(
            out,
            "norepinephrine",
            _vasopressor(facts, "norepinephrine"),
        )
        uo = facts.finding("icu.sofa.urine_output_ml")
        if uo is not None:
            m = re.findall(r"(\d+(?:\.\d+)?)\s*(?:mL|ml|cc)", uo.value)
            if m:
                out["urine_output"] = val(uo, float(m[-1]))  # type: ignore[assignment]
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        comps: list[Component] = []
        pao2, fio2, vent = (
            values.get("pao2"),
            values.get("fio2"),
            bool(values["mechanical_ventilation"]),
        )
        if pao2 is not None and fio2 is not None:
            ratio = pao2 / (fio2 / 100)
            p = (
                0
                if ratio >= 400
                else 1
                if ratio >= 300
                else 2
                if ratio >= 200
                else (3 if ratio >= 100 else 4)
                if vent
                else 2
            )
            comps.append(
                item(
                    "pao2_fio2",
                    f"{ratio:.0f} ({fmt(pao2)} mmHg / {fmt(fio2)}%)"
                    + (", ventilated" if vent else ""),
                    p,
                )
            )
        else:
            _opt(comps, "pao2_fio2", None, 0)
        comps.append(item("mechanical_ventilation", vent, 0))
        plt = values.get("platelets")
        _opt(
            comps,
            "platelets",
            plt,
            0
            if plt is None
            else 0
            if plt >= 150
            else 1
            if plt >= 100
            else 2
            if plt >= 50
            else 3
            if plt >= 20
            else 4,
        )
        gcs = values.get("gcs")
        _opt(
            comps,
            "gcs",
            gcs,
            0
            if gcs is None
            else 0
            if gcs >= 15
            else 1
            if gcs >= 13
            else 2
            if gcs >= 10
            else 3
            if gcs >= 6
            else 4,
        )
        bili = values.get("bilirubin")
        _opt(
            comps,
            "bilirubin",
            bili,
            0
            if bili is None
            else 0
            if bili < 1.2
            else 1
            if bili < 2
            else 2
            if bili < 6
            else 3
            if bili < 12
            else 4,
        )
        dop, dob = values.get("dopamine") or 0, values.get("dobutamine") or 0
        epi, ne = values.get("epinephrine") or 0, values.get("norepinephrine") or 0
        mp = values.get("map")
        if dop > 15 or epi > 0.1 or ne > 0.1:
            cv = 4
        elif dop > 5 or epi > 0 or ne > 0:
            cv = 3
        elif dop > 0 or dob > 0:
            cv = 2
        elif mp is not None and mp < 70:
            cv = 1
        else:
            cv = 0
        pressors = ", ".join(
            f"{n} {fmt(v)}"
            for n, v in (
                ("dopamine", dop),
                ("dobutamine", dob),
                ("epinephrine", epi),
                ("norepinephrine", ne),
            )
            if v
        )
        cv_value = (f"MAP {fmt(mp)}" if mp is not None else "MAP not given") + (
            f"; {pressors} mcg/kg/min" if pressors else ""
        )
        comps.append(item("cardiovascular", cv_value, cv))
        cr, uo = values.get("creatinine"), values.get("urine_output")
        renal = 0
        if cr is not None:
            renal = 0 if cr < 1.2 else 1 if cr < 2 else 2 if cr < 3.5 else 3 if cr < 5 else 4
        if uo is not None:
            renal = max(renal, 4 if uo < 200 else 3 if uo < 500 else 0)
        _opt(
            comps,
            "renal",
            None if cr is None and uo is None else f"creatinine {cr}, urine output {uo}",
            renal,
        )
        return finish(self, comps)


def _any_true(*facts: Fact | None) -> Fact | None:
    present = [f for f in facts if f is not None]
    for f in present:
        if f.value:
            return f
    return present[0] if present else None


#: any mention of chronic kidney disease (affirmed or not) blocks reading renal impairment as acute
_CHRONIC_RENAL = (
    r"\bchronic (?:renal|kidney)\b|\bCKD\b|\bESRD\b|\bend[- ]stage (?:renal|kidney)\b"
    r"|\b(?:h(?:a)?emo|peritoneal )?dialysis\b|\bkidney transplant|\brenal transplant"
)


def _acute_renal_failure(facts: NoteFacts) -> Fact | None:
    """Acute renal failure named, or renal impairment reported on this admission ("creatinine
    4.58 mg/dL, indicating impaired renal function") in a note that documents no chronic
    kidney disease: without a chronic cause, newly impaired renal function in an acutely ill
    patient is read as acute (Knaus 1985 doubles the creatinine points for it)."""
    named = facts.condition(
        "icu.acute_renal_failure.acute_renal_failure",
    )
    if named is not None:
        return named
    impaired = facts.condition(
        "icu.acute_renal_failure.impaired_reduced_decreased",
    )
    if impaired is None or not impaired.value:
        return None
    if facts.finding("icu.acute_renal_failure.bchronic_renal_kidney") is not None:
        return None
    return val(impaired, True, note="renal impairment with no chronic kidney disease documented")


_SURGERY = ["nonoperative", "emergency postoperative", "elective postoperative"]


@register
class Apache2(Calculator):
    id = "apache2"
    name = "APACHE II score"
    reference = (
        "Knaus WA, et al. APACHE II: a severity of disease classification system. Crit Care Med. "
        "1985;13(10):818-829. PMID: 3928249"
    )
    kind = "score"
    relevance = 23
    inputs = [
        number("age", "Age", "years", 0, 120),
        number("temperature", "Temperature (rectal)", "°C", 20, 45, required=False),
        _MAP_INPUT,
        number("heart_rate", "Heart rate", "/min", 0, 300, required=False),
        number("respiratory_rate", "Respiratory rate", "/min", 0, 80, required=False),
        number("fio2", "FiO2", "%", 21, 100, required=False),
        number("pao2", "PaO2", "mmHg", 10, 700, required=False),
        number("a_a_gradient", "A-a gradient", "mmHg", 0, 700, required=False),
        number("ph", "Arterial pH", None, 6.5, 8.0, required=False),
        number("sodium", "Sodium", "mmol/L", 90, 200, required=False),
        number("potassium", "Potassium", "mmol/L", 1, 10, required=False),
        number("creatinine", "Creatinine", "mg/dL", 0.1, 30, required=False),
        criterion("acute_renal_failure", "Acute renal failure (doubles creatinine points)"),
        number("hematocrit", "Hematocrit", "%", 5, 75, required=False),
        number("wbc", "White blood cell count", "10^3/µL", 0, 500, required=False),
        number("gcs", "Glasgow Coma Scale", "points", 3, 15, required=False),
        criterion(
            "chronic_organ_insufficiency",
            "History of severe organ insufficiency or immunocompromise",
        ),
        choice(
            "admission_type",
            "Admission type",
            _SURGERY,
            "'elective'/'emergency' surgery; else nonoperative",
            default="nonoperative",
        ),
    ]
    bands = [
        Band(label="0-9: lower estimated in-hospital mortality", low=0, high=9),
        Band(label="10-19: moderate estimated mortality", low=10, high=19),
        Band(label="20-29: high estimated mortality", low=20, high=29),
        Band(label="30 or more: very high estimated mortality", low=30, high=None),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        icu = facts.finding("icu.apache2_relevant.icu_intensive_care")
        n = sum(
            facts.measurement(k) is not None
            for k in ("ph", "sodium", "potassium", "creatinine", "hematocrit", "wbc")
        )
        return icu is not None and n >= 4

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        for k in (
            "age",
            "temperature",
            "heart_rate",
            "respiratory_rate",
            "fio2",
            "pao2",
            "a_a_gradient",
            "ph",
            "sodium",
            "potassium",
            "creatinine",
            "hematocrit",
            "wbc",
            "gcs",
        ):
            put(out, k, facts.measurement(k))
        mp = facts.measurement("map")
        sbp, dbp = facts.measurement("sbp"), facts.measurement("dbp")
        if mp is not None:
            out["map"] = mp
        elif sbp is not None and dbp is not None:
            out["map"] = val(
                sbp, round((sbp.value + 2 * dbp.value) / 3, 1), note="MAP from SBP/DBP"
            )  # type: ignore[assignment]
        if "fio2" not in out:
            ra = facts.finding("icu.sofa.broom_air")
            if ra is not None:
                out["fio2"] = val(ra, 21.0)  # type: ignore[assignment]
        put(out, "acute_renal_failure", _acute_renal_failure(facts))
        put(
            out,
            "chronic_organ_insufficiency",
            _any_true(
                cue(facts, "immunocompromise"),
                facts.condition(
                    "icu.apache2.cirrhosis",
                ),
            ),
        )
        elective = facts.finding("icu.apache2.belective_surgery_operation")
        emergency = facts.finding("icu.apache2.emergency_emergent_urgent")
        if emergency is not None:
            out["admission_type"] = val(emergency, "emergency postoperative")  # type: ignore[assignment]
        elif elective is not None:
            out["admission_type"] = val(elective, "elective postoperative")  # type: ignore[assignment]
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        v = values.get
        comps: list[Component] = []
        age = values["age"]
        comps.append(
            item(
                "age",
                age,
                0 if age <= 44 else 2 if age <= 54 else 3 if age <= 64 else 5 if age <= 74 else 6,
            )
        )
        t = v("temperature")
        _opt(
            comps,
            "temperature",
            t,
            0
            if t is None
            else 4
            if t >= 41
            else 3
            if t >= 39
            else 1
            if t >= 38.5
            else 0
            if t >= 36
            else 1
            if t >= 34
            else 2
            if t >= 32
            else 3
            if t >= 30
            else 4,
        )
        mp = v("map")
        _opt(
            comps,
            "map",
            mp,
            0
            if mp is None
            else 4
            if mp >= 160
            else 3
            if mp >= 130
            else 2
            if mp >= 110
            else 0
            if mp >= 70
            else 2
            if mp >= 50
            else 4,
        )
        hr = v("heart_rate")
        _opt(
            comps,
            "heart_rate",
            hr,
            0
            if hr is None
            else 4
            if hr >= 180
            else 3
            if hr >= 140
            else 2
            if hr >= 110
            else 0
            if hr >= 70
            else 2
            if hr >= 55
            else 3
            if hr >= 40
            else 4,
        )
        rr = v("respiratory_rate")
        _opt(
            comps,
            "respiratory_rate",
            rr,
            0
            if rr is None
            else 4
            if rr >= 50
            else 3
            if rr >= 35
            else 1
            if rr >= 25
            else 0
            if rr >= 12
            else 1
            if rr >= 10
            else 2
            if rr >= 6
            else 4,
        )
        fio2, pao2, aa = v("fio2"), v("pao2"), v("a_a_gradient")
        if fio2 is not None and fio2 >= 50 and aa is not None:
            comps.append(
                item(
                    "oxygenation",
                    f"A-a gradient {fmt(aa)} (FiO2 {fmt(fio2)}%)",
                    4 if aa >= 500 else 3 if aa >= 350 else 2 if aa >= 200 else 0,
                )
            )
        elif pao2 is not None and (fio2 is None or fio2 < 50):
            comps.append(
                item(
                    "oxygenation",
                    f"PaO2 {fmt(pao2)}",
                    0 if pao2 > 70 else 1 if pao2 >= 61 else 3 if pao2 >= 55 else 4,
                )
            )
        else:
            _opt(comps, "oxygenation", None, 0)
        ph = v("ph")
        _opt(
            comps,
            "ph",
            ph,
            0
            if ph is None
            else 4
            if ph >= 7.7
            else 3
            if ph >= 7.6
            else 1
            if ph >= 7.5
            else 0
            if ph >= 7.33
            else 2
            if ph >= 7.25
            else 3
            if ph >= 7.15
            else 4,
        )
        na = v("sodium")
        _opt(
            comps,
            "sodium",
            na,
            0
            if na is None
            else 4
            if na >= 180
            else 3
            if na >= 160
            else 2
            if na >= 155
            else 1
            if na >= 150
            else 0
            if na >= 130
            else 2
            if na >= 120
            else 3
            if na >= 111
            else 4,
        )
        k = v("potassium")
        _opt(
            comps,
            "potassium",
            k,
            0
            if k is None
            else 4
            if k >= 7
            else 3
            if k >= 6
            else 1
            if k >= 5.5
            else 0
            if k >= 3.5
            else 1
            if k >= 3
            else 2
            if k >= 2.5
            else 4,
        )
        cr = v("creatinine")
        arf = bool(values["acute_renal_failure"])
        cr_p = (
            0
            if cr is None
            else 4
            if cr >= 3.5
            else 3
            if cr >= 2
            else 2
            if cr >= 1.5
            else 0
            if cr >= 0.6
            else 2
        )
        _opt(comps, "creatinine", cr, cr_p * (2 if arf else 1))
        comps.append(item("acute_renal_failure", arf, 0))
        hct = v("hematocrit")
        _opt(
            comps,
            "hematocrit",
            hct,
            0
            if hct is None
            else 4
            if hct >= 60
            else 2
            if hct >= 50
            else 1
            if hct >= 46
            else 0
            if hct >= 30
            else 2
            if hct >= 20
            else 4,
        )
        wbc = v("wbc")
        _opt(
            comps,
            "wbc",
            wbc,
            0
            if wbc is None
            else 4
            if wbc >= 40
            else 2
            if wbc >= 20
            else 1
            if wbc >= 15
            else 0
            if wbc >= 3
            else 2
            if wbc >= 1
            else 4,
        )
        gcs = v("gcs")
        _opt(comps, "gcs", gcs, 0 if gcs is None else 15 - gcs)
        chronic = bool(values["chronic_organ_insufficiency"])
        adm = values["admission_type"]
        comps.append(
            item(
                "chronic_organ_insufficiency",
                chronic,
                (2 if adm == "elective postoperative" else 5) if chronic else 0,
            )
        )
        comps.append(item("admission_type", adm, 0))
        return finish(self, comps)
