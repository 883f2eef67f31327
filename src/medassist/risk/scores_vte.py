"""Venous thromboembolism scores: Wells (PE), Wells (DVT), PERC rule, Caprini (2005)."""

from __future__ import annotations

from typing import Any

from medassist.risk.base import Band, Calculator, Evidence, Fact, ScoreResult, register
from medassist.risk.facts import NoteFacts
from medassist.risk.score_cues import unhedged_condition
from medassist.risk.scoring import (
    choice,
    criterion,
    cue,
    finish,
    item,
    number,
    put,
    sex_input,
    val,
)
from medassist.risk.tables import load_table

__all__ = ["WellsPe", "WellsDvt", "Perc", "Caprini"]

_RECENT_SURGERY = (
    r"(?:underwent|underwent an?|status post|s/p|post-?operative(?: day)?|after|following|recent)\s+"
    r"(?:\w+\s+){0,4}(?:surgery|operation|repair|replacement|arthroplasty|resection|ectomy|otomy|plasty|fixation"
    r"|c(?:a)?esarean (?:section|delivery)|C-section)"
)
_IMMOBILIZATION = (
    r"(?:bed-?ridden|bedbound|bed-bound|immobili[sz](?:ed|ation)|confined to bed|bed rest|long-haul flight|"
    r"prolonged (?:travel|immobility|sitting)|long (?:flight|car ride|drive|journey))"
)


_DVT_SUSPECTED = (
    r"\b(?:concern|suspicion|suspected|suspect|rule out|r/o|evaluat\w{0,5}|work-?up) (?:for |of )?(?:an? )?"
    r"(?:DVT|deep ve(?:in|nous) thrombosis|thrombo\w{0,6} (?:process|event) in the (?:left |right )?"
    r"(?:leg|calf|lower (?:extremity|limb)))"
)


def _prior_vte(facts: NoteFacts) -> Fact | None:
    return cue(facts, "previous_dvt_pe")


def _malignancy(facts: NoteFacts) -> Fact | None:
    return unhedged_condition(facts, "cancer")


@register
class WellsPe(Calculator):
    id = "wells_pe"
    name = "Wells' criteria for pulmonary embolism"
    reference = (
        "Wells PS, et al. Derivation of a simple clinical model to categorize patients probability "
        "of pulmonary embolism: increasing the models utility with the SimpliRED D-dimer. Thromb "
        "Haemost. 2000;83(3):416-420. PMID: 10744147"
    )
    kind = "score"
    relevance = 32
    inputs = [
        criterion(
            "dvt_signs",
            "Clinical signs and symptoms of DVT",
            "leg swelling and pain on palpation of deep veins",
        ),
        criterion(
            "pe_most_likely",
            "PE is the #1 diagnosis or equally likely",
            "stated as the leading diagnosis, suspected, or confirmed by imaging in the note",
        ),
        number(
            "heart_rate",
            "Heart rate",
            "/min",
            0,
            300,
            required=False,
            derivation="highest heart rate in the note (tachycardia at any assessment); > 100/min scores",
        ),
        criterion(
            "immobilization_or_surgery",
            "Immobilization at least 3 days or surgery in the previous 4 weeks",
        ),
        criterion("previous_pe_dvt", "Previously documented PE or DVT"),
        criterion("hemoptysis", "Hemoptysis"),
        criterion("malignancy", "Malignancy with treatment within 6 months or palliative"),
    ]
    bands = [
        Band(
            label="0-1: low pre-test probability (three-tier model); PE unlikely (two-tier)",
            low=0,
            high=1,
        ),
        Band(
            label="1.5-4: moderate pre-test probability; PE unlikely (two-tier, 4 or less)",
            low=1.5,
            high=4,
        ),
        Band(
            label="4.5-6: moderate pre-test probability; PE likely (two-tier, over 4)",
            low=4.5,
            high=6,
        ),
        Band(label="over 6: high pre-test probability; PE likely", low=6.5, high=None),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        f = facts.condition("vte.wellspe_relevant.pulmonary_embol")
        return bool(f and f.value)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(out, "heart_rate", facts.extreme("heart_rate", "max"))
        put(out, "dvt_signs", _dvt_signs(facts))
        put(
            out,
            "pe_most_likely",
            facts.condition(
                "vte.wellspe.pe_pulmonary_embol",
            ),
        )
        put(out, "immobilization_or_surgery", facts.condition("vte.wellspe.underwent_underwent_an"))
        put(out, "previous_pe_dvt", _prior_vte(facts))
        put(out, "hemoptysis", cue(facts, "hemoptysis"))
        put(out, "malignancy", _malignancy(facts))
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        hr = values.get("heart_rate")
        comps = [
            item("dvt_signs", values["dvt_signs"], 3 if values["dvt_signs"] else 0),
            item("pe_most_likely", values["pe_most_likely"], 3 if values["pe_most_likely"] else 0),
            item("heart_rate", hr, 1.5 if (hr is not None and hr > 100) else 0),
            item(
                "immobilization_or_surgery",
                values["immobilization_or_surgery"],
                1.5 if values["immobilization_or_surgery"] else 0,
            ),
            item(
                "previous_pe_dvt",
                values["previous_pe_dvt"],
                1.5 if values["previous_pe_dvt"] else 0,
            ),
            item("hemoptysis", values["hemoptysis"], 1 if values["hemoptysis"] else 0),
            item("malignancy", values["malignancy"], 1 if values["malignancy"] else 0),
        ]
        if hr is None:
            comps[2].evidence = [
                Evidence(source="assumed", note="heart rate not mentioned -> criterion not met")
            ]
        r = finish(self, comps)
        if isinstance(r.value, float) and r.value.is_integer():
            r.value = float(r.value)
        return r


def _dvt_signs(facts: NoteFacts) -> Fact | None:
    return cue(facts, "dvt_signs")


@register
class WellsDvt(Calculator):
    id = "wells_dvt"
    name = "Wells' criteria for deep vein thrombosis"
    reference = (
        "Wells PS, et al. Evaluation of D-dimer in the diagnosis of suspected deep-vein thrombosis. "
        "N Engl J Med. 2003;349(13):1227-1235. doi:10.1056/NEJMoa023153"
    )
    kind = "score"
    relevance = 33
    inputs = [
        criterion("active_cancer", "Active cancer (treatment within 6 months or palliative)"),
        criterion(
            "bedridden_or_surgery", "Bedridden recently > 3 days or major surgery within 12 weeks"
        ),
        criterion("calf_swelling", "Calf swelling > 3 cm compared with the other leg"),
        criterion("collateral_veins", "Collateral (non-varicose) superficial veins"),
        criterion("entire_leg_swollen", "Entire leg swollen"),
        criterion("localized_tenderness", "Localized tenderness along the deep venous system"),
        criterion("pitting_edema", "Pitting edema confined to the symptomatic leg"),
        criterion(
            "paralysis_or_cast",
            "Paralysis, paresis or recent plaster immobilization of the lower limb",
        ),
        criterion("previous_dvt", "Previously documented DVT"),
        criterion(
            "alternative_diagnosis",
            "Alternative diagnosis at least as likely as DVT",
            "stated alternative (cellulitis, Baker's cyst, ...), or the note works up a problem other than DVT",
        ),
    ]
    bands = [
        Band(
            label="-2 to 0: low pre-test probability; DVT unlikely (two-tier, below 2)",
            low=-2,
            high=0,
        ),
        Band(label="1-2: moderate pre-test probability", low=1, high=2),
        Band(label="3 or more: high pre-test probability; DVT likely", low=3, high=None),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        f = facts.condition("vte.wellsdvt_relevant.deep_vein_thrombosis")
        return bool(f and f.value)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(out, "active_cancer", _malignancy(facts))
        put(out, "bedridden_or_surgery", facts.condition("vte.wellspe.underwent_underwent_an"))
        put(
            out,
            "calf_swelling",
            facts.condition(
                "vte.wellsdvt.calf_circumference_swelling",
            ),
        )
        put(
            out,
            "collateral_veins",
            facts.condition(
                "vte.wellsdvt.collateral_superficial_veins",
            ),
        )
        put(
            out,
            "entire_leg_swollen",
            facts.condition(
                "vte.wellsdvt.entire_whole_left",
            ),
        )
        put(
            out,
            "localized_tenderness",
            facts.condition(
                "vte.wellsdvt.tenderness_along_over",
            ),
        )
        put(
            out,
            "pitting_edema",
            facts.condition(
                "vte.wellsdvt.pitting_edema_of",
            ),
        )
        put(
            out,
            "paralysis_or_cast",
            facts.condition(
                "vte.wellsdvt.paralysis",
            ),
        )
        put(
            out,
            "previous_dvt",
            facts.condition("vte.wellsdvt.history_of_prior"),
        )
        alt = unhedged_condition(
            facts,
            "vte.wellsdvt.alternative_other_diagnos",
        )
        dvt = facts.condition(
            "vte.wellsdvt.deep_vein_thrombosis",
        )
        if dvt is None:
            # a suspected DVT is still the working diagnosis ("concern for a thrombotic process")
            dvt = val(facts.finding("vte.wellsdvt.concern_suspicion_suspected"), True)
        if alt is not None and alt.value:
            out["alternative_diagnosis"] = alt
        elif dvt is None or not dvt.value:
            # the note works up another problem: DVT is not the leading diagnosis
            out["alternative_diagnosis"] = Fact(
                value=True,
                evidence=Evidence(
                    source="derived", note="the note does not present DVT as the leading diagnosis"
                ),
            )
        else:
            out["alternative_diagnosis"] = val(dvt, False)  # type: ignore[assignment]
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        names = (
            "active_cancer",
            "bedridden_or_surgery",
            "calf_swelling",
            "collateral_veins",
            "entire_leg_swollen",
            "localized_tenderness",
            "pitting_edema",
            "paralysis_or_cast",
            "previous_dvt",
        )
        comps = [item(k, values[k], 1 if values[k] else 0) for k in names]
        comps.append(
            item(
                "alternative_diagnosis",
                values["alternative_diagnosis"],
                -2 if values["alternative_diagnosis"] else 0,
            )
        )
        return finish(self, comps)


@register
class Perc(Calculator):
    id = "perc"
    name = "PERC rule for pulmonary embolism"
    reference = (
        "Kline JA, et al. Clinical criteria to prevent unnecessary diagnostic testing in "
        "emergency department patients with suspected pulmonary embolism. J Thromb Haemost. "
        "2004;2(8):1247-1255. doi:10.1111/j.1538-7836.2004.00790.x"
    )
    kind = "score"
    relevance = 34
    inputs = [
        number("age", "Age", "years", 0, 120),
        number("heart_rate", "Heart rate", "/min", 0, 300),
        number("spo2", "Oxygen saturation", "%", 40, 100),
        criterion("unilateral_leg_swelling", "Unilateral leg swelling"),
        criterion("hemoptysis", "Hemoptysis"),
        criterion(
            "recent_surgery_trauma",
            "Surgery or trauma within 4 weeks requiring general anaesthesia",
        ),
        criterion("prior_pe_dvt", "Prior PE or DVT"),
        criterion(
            "hormone_use", "Hormone use (oral contraceptives, hormone replacement, estrogen)"
        ),
    ]
    bands = [
        Band(
            label="0 criteria: PERC negative - rule-out criteria met if pre-test probability is low",
            low=0,
            high=0,
        ),
        Band(
            label="1 or more criteria: PERC positive - the rule cannot be used to exclude PE",
            low=1,
            high=None,
        ),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        f = facts.condition("vte.perc_relevant.pulmonary_embol")
        return bool(f and f.value)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(out, "age", facts.measurement("age"))
        put(out, "heart_rate", facts.measurement("heart_rate"))
        put(out, "spo2", facts.measurement("spo2"))
        put(
            out,
            "unilateral_leg_swelling",
            facts.condition(
                "vte.perc.unilateral_left_right",
            ),
        )
        put(out, "hemoptysis", cue(facts, "hemoptysis"))
        put(
            out,
            "recent_surgery_trauma",
            facts.condition(
                "vte.perc.underwent_underwent_an",
            ),
        )
        put(out, "prior_pe_dvt", _prior_vte(facts))
        put(
            out,
            "hormone_use",
            facts.medication("hormone_use"),
        )
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        comps = [
            item("age", values["age"], 1 if values["age"] >= 50 else 0),
            item("heart_rate", values["heart_rate"], 1 if values["heart_rate"] >= 100 else 0),
            item("spo2", values["spo2"], 1 if values["spo2"] < 95 else 0),
        ]
        for k in (
            "unilateral_leg_swelling",
            "hemoptysis",
            "recent_surgery_trauma",
            "prior_pe_dvt",
            "hormone_use",
        ):
            comps.append(item(k, values[k], 1 if values[k] else 0))
        return finish(self, comps)


#: Caprini's points (risk factors, surgery type, mobility) and bands: risk/data/caprini.json
_CAPRINI = load_table("caprini")


@register
class Caprini(Calculator):
    id = "caprini"
    name = "Caprini score for venous thromboembolism (2005)"
    reference = (
        "Caprini JA. Thrombosis risk assessment as a guide to quality patient care. Dis Mon. "
        "2005;51(2-3):70-78. doi:10.1016/j.disamonth.2005.02.003"
    )
    kind = "score"
    relevance = 44
    inputs = [
        number("age", "Age", "years", 0, 120),
        sex_input(),
        choice(
            "surgery_type",
            "Type of surgery",
            list(_CAPRINI.choices["surgery_type"]),
            "operation described in the note",
            default="none",
        ),
        choice(
            "mobility",
            "Mobility",
            list(_CAPRINI.choices["mobility"]),
            "bed rest / confined to bed",
            default="normal/ambulatory",
        ),
        *[criterion(i.name, i.label) for i in _CAPRINI.items],
    ]
    bands = _CAPRINI.band_models()

    def relevant(self, facts: NoteFacts) -> bool:
        return facts.finding("vte.caprini_relevant.vte_dvt_thrombo") is not None

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(out, "age", facts.measurement("age"))
        put(out, "sex", facts.measurement("sex"))
        for it in _CAPRINI.items:
            if it.finding:
                read = facts.family_history if it.family else facts.condition
                put(out, it.name, read(it.finding))

        def affirmed(rule: str) -> Fact | None:
            f = facts.condition(rule)
            return f if f is not None and f.value else None

        def operation(rule: str) -> Fact | None:  # done or planned: Caprini is pre-op
            f = facts.procedure(rule)
            return f if f is not None and f.value else None

        arth = operation("caprini.surgery.arthroplasty")
        lap = operation("caprini.surgery.laparoscopic")
        minor = operation("caprini.surgery.minor")
        major = operation("caprini.surgery.major")
        surg = (
            val(arth, "elective major lower extremity arthroplasty")
            if arth
            else val(lap, "laparoscopic (over 45 min)")
            if lap
            else val(minor, "minor")
            if minor
            else val(major, "major (over 45 min)")
            if major
            else None
        )
        put(out, "surgery_type", surg)
        bed72 = affirmed("caprini.mobility.bed72")
        bed = affirmed("caprini.mobility.bed")
        put(
            out,
            "mobility",
            val(bed72, "confined to bed over 72 hours")
            if bed72
            else val(bed, "medical patient at bed rest")
            if bed
            else None,
        )
        bmi = facts.finding("vte.caprini.bbmi")
        if bmi is not None:
            import re

            n = float(re.findall(r"\d{2}(?:\.\d+)?", bmi.value)[-1])
            out["bmi_over_25"] = val(bmi, n > 25)  # type: ignore[assignment]
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        age = values["age"]
        comps = [
            item("age", age, 3 if age >= 75 else 2 if age >= 61 else 1 if age >= 41 else 0),
            item(
                "surgery_type",
                values["surgery_type"],
                _CAPRINI.choices["surgery_type"][values["surgery_type"]],
            ),
            item("mobility", values["mobility"], _CAPRINI.choices["mobility"][values["mobility"]]),
        ]
        female = values["sex"] == "female"
        for it in _CAPRINI.items:
            v = values[it.name]
            if it.women_only and not female:
                comps.append(item(it.name, v, 0))
                continue
            comps.append(item(it.name, v, it.points if v else 0))
        return finish(
            self,
            comps,
            formula=" + ".join(f"{c.name} {c.points:g}" for c in comps if c.points)
            + f" = {sum(c.points or 0 for c in comps):g}",
        )
