"""Venous thromboembolism scores: Wells (PE), Wells (DVT), PERC rule, Caprini (2005)."""

from __future__ import annotations

from typing import Any

from medassist.risk.base import Band, Calculator, Evidence, Fact, ScoreResult, register
from medassist.risk.facts import NoteFacts
from medassist.risk.score_cues import unhedged_condition
from medassist.risk.scoring import (
    _cues,
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
    return unhedged_condition(facts, *_cues()["cancer"])


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
        f = facts.condition(
            "pulmonary embol\\w*", "PE", "dyspnea", "shortness of breath", "pleuritic chest pain"
        )
        return bool(f and f.value)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(out, "heart_rate", facts.extreme("heart_rate", "max"))
        put(out, "dvt_signs", _dvt_signs(facts))
        put(
            out,
            "pe_most_likely",
            facts.condition(
                r"(?:PE|pulmonary embol\w*) (?:is|was) (?:considered )?(?:the )?(?:most likely|leading|primary|#1) diagnosis",
                r"(?:high|strong) (?:clinical )?suspicion (?:of|for) (?:PE|pulmonary embol\w*)",
                r"(?:confirmed|revealed|showed|demonstrated|consistent with|diagnosed with|diagnosis of|"
                r"suspected|suspicion of|concern for|evidence of)[^.;]{0,40}?(?:\bPE\b|pulmonary embol\w*|saddle embol\w*)",
            ),
        )
        put(out, "immobilization_or_surgery", facts.condition(_RECENT_SURGERY, _IMMOBILIZATION))
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
        f = facts.condition("deep vein thrombosis", "DVT", r"(?:leg|calf) (?:swelling|pain)")
        return bool(f and f.value)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(out, "active_cancer", _malignancy(facts))
        put(out, "bedridden_or_surgery", facts.condition(_RECENT_SURGERY, _IMMOBILIZATION))
        put(
            out,
            "calf_swelling",
            facts.condition(
                r"calf (?:circumference|swelling)[^.]{0,40}(?:[3-9]|\d\d)(?:\.\d)? ?cm (?:larger|greater|more)",
                r"(?:[3-9]|\d\d)(?:\.\d)? ?cm (?:larger|greater|increase)[^.]{0,30}calf",
            ),
        )
        put(
            out,
            "collateral_veins",
            facts.condition(
                r"collateral (?:superficial )?veins",
                r"superficial venous collaterals?",
                r"(?:newly )?(?:prominent|dilated|distended|engorged|visible) superficial ve(?:ins|nous channels)",
            ),
        )
        put(
            out,
            "entire_leg_swollen",
            facts.condition(
                r"(?:entire|whole) (?:left |right )?(?:leg|lower (?:extremity|limb)) (?:was |is )?swollen",
                r"swelling of the (?:entire|whole) (?:left |right )?(?:leg|lower (?:extremity|limb))",
                r"(?:entire|whole) (?:left |right )?(?:leg|lower (?:extremity|limb))[^.]{0,20}(?:swelling|edema)",
            ),
        )
        put(
            out,
            "localized_tenderness",
            facts.condition(
                r"tenderness (?:along|over) the (?:deep vein|deep venous|femoral|popliteal|course)",
                r"(?:calf|thigh|popliteal) tenderness",
                r"tender (?:calf|thigh|popliteal)",
                r"palpation of the (?:left |right )?calf elicits pain",
                r"(?:focal|localized|point) tenderness (?:along|over|in) the (?:\w+ ){0,2}(?:calf|thigh|popliteal|venous)",
                r"tender\w*[^.;]{0,120}?\b(?:course of the |along the )deep ven(?:ous system|ous|s)\b",
            ),
        )
        put(
            out,
            "pitting_edema",
            facts.condition(
                r"pitting (?:o)?edema (?:of|in) the (?:left|right|symptomatic|affected)",
                r"(?:left|right|unilateral) (?:leg |lower extremity |lower limb )?pitting (?:o)?edema",
            ),
        )
        put(
            out,
            "paralysis_or_cast",
            facts.condition(
                "paralysis",
                "paresis",
                "plaster cast",
                r"(?:leg|lower limb) cast",
                "hemiplegia",
                "paraplegia",
            ),
        )
        put(
            out,
            "previous_dvt",
            facts.condition(
                r"(?:history of|prior|previous|past) (?:deep vein thrombosis|deep venous thrombosis|DVT)"
            ),
        )
        alt = unhedged_condition(
            facts,
            r"(?:alternative|other) diagnos[ie]s (?:is |was )?(?:more |as )?likely",
            "cellulitis",
            "Baker'?s cyst",
            r"(?:muscle|calf) (?:strain|injury|hematoma)",
            "superficial thrombophlebitis",
            "lymphedema",
        )
        dvt = facts.condition(
            "deep vein thrombosis",
            "deep venous thrombosis",
            "DVT",
            r"(?:leg|calf|popliteal|femoral) vein thrombosis",
        )
        if dvt is None:
            # a suspected DVT is still the working diagnosis ("concern for a thrombotic process")
            dvt = val(facts.find(_DVT_SUSPECTED), True)
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
        f = facts.condition("pulmonary embol\\w*", "PE")
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
                r"(?:unilateral|left|right) (?:leg|calf|lower (?:extremity|limb)) (?:swelling|edema|oedema)",
                r"swollen (?:left|right) (?:leg|calf)",
                r"(?:left|right) (?:leg|calf|lower extremity) (?:was |is )?swollen",
                r"swelling (?:of|in) (?:the|his|her) (?:left|right) (?:leg|calf|thigh|lower (?:extremity|limb))",
                r"(?:leg|calf) swelling (?:on|of|in) (?:the|his|her) (?:left|right)",
            ),
        )
        put(out, "hemoptysis", cue(facts, "hemoptysis"))
        put(
            out,
            "recent_surgery_trauma",
            facts.condition(
                _RECENT_SURGERY,
                r"(?:recent|major|blunt|penetrating|multiple|significant|severe) trauma",
                r"traumatic injur\w+",
                r"motor vehicle (?:accident|collision|crash)",
                "MVA",
                "MVC",
                r"fractur(?:e|ed|es)",
            ),
        )
        put(out, "prior_pe_dvt", _prior_vte(facts))
        put(
            out,
            "hormone_use",
            facts.medication(
                *__import__("medassist.risk.scoring", fromlist=["_cues"])._cues()["hormone_use"]
            ),
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


_CAPRINI_SURGERY = {
    "none": 0,
    "minor": 1,
    "major (over 45 min)": 2,
    "laparoscopic (over 45 min)": 2,
    "elective major lower extremity arthroplasty": 5,
}
_CAPRINI_MOBILITY = {
    "normal/ambulatory": 0,
    "medical patient at bed rest": 1,
    "confined to bed over 72 hours": 2,
}
#: a thrombophilia test named and then reported normal is not a positive result
_LAB_NORMAL = (
    r"(?! (?:gene )?(?:mutation )?(?:antibod(?:y|ies) )?(?:test(?:ing)? )?(?:level )?"
    r"(?:is|was|were|are|came back|returned) (?:normal|negative|within normal|wild[- ]type|not detected|unremarkable))"
)

#: a completed operation: "after a bowel resection", "admitted following ... thromboembolism
#: removal", "underwent ... repair"; not a minor one, not one dated months or years back
#: ("status post" is left out: it mostly heads remote surgical history)
_DONE_SURGERY = (
    r"(?:after|following|underwent|undergone) (?:an? |the |his |her )?"
    r"(?:(?!(?:minor|risks?)\b)[\w-]{1,30} ){0,4}?(?:surgery|operation|resection|laparotomy|thoracotomy"
    r"|craniotomy|\w{2,20}ectomy|arthroplasty|bypass|transplant\w{0,6}|repair|fixation"
    r"|(?:joint|hip|knee|shoulder|valve) replacement"
    r"|(?:surgical|operative|thromb\w{0,12}|embol\w{0,8}|clot|tumou?r|mass|cyst) removal)\b"
    r"(?![^.;]{0,40}\b(?:(?:years?|months?) (?:ago|earlier|before|prior)|in (?:19|20)\d\d"
    r"|\d{1,2}/\d{1,2}/\d{2,4}))"
)

_CAPRINI_ITEMS: list[tuple[str, str, int, tuple[str, ...]]] = [
    (
        "recent_major_surgery",
        "Major surgery in the last month",
        1,
        (
            r"(?:major )?surgery (?:\d+|two|three) weeks? ago",
            # an operation the patient has already had ("confined to bed after a bowel
            # resection", "admitted following ... thromboembolism removal"), unless minor or
            # dated months/years back
            _DONE_SURGERY,
        ),
    ),
    (
        "recent_chf",
        "Congestive heart failure in the last month",
        1,
        ("congestive heart failure", "CHF", "heart failure"),
    ),
    ("recent_sepsis", "Sepsis in the last month", 1, ("sepsis", "septic")),
    ("recent_pneumonia", "Pneumonia in the last month", 1, ("pneumonia",)),
    (
        "plaster_cast",
        "Immobilizing plaster cast in the last month",
        2,
        ("plaster cast", r"\bcast\b", "splint"),
    ),
    (
        "hip_pelvis_leg_fracture",
        "Hip, pelvis or leg fracture in the last month",
        5,
        (
            r"(?:hip|pelvi[cs]|femu?r\w*|tibia\w*|fibula\w*|leg|ankle) fractures?",
            r"fractured? (?:of )?(?:the )?(?:left |right )?(?:hip|pelvis|femur|tibia|fibula|leg)",
        ),
    ),
    ("recent_stroke", "Stroke in the last month", 5, ("stroke", "CVA", "cerebrovascular accident")),
    (
        "multiple_trauma",
        "Multiple trauma in the last month",
        5,
        (
            "multiple trauma",
            "polytrauma",
            "multiple injuries",
            r"multiple (?:fractures|traumatic injuries)",
        ),  # a motor vehicle accident is a mechanism; Caprini's item is polytrauma
    ),
    (
        "spinal_cord_injury",
        "Acute spinal cord injury with paralysis in the last month",
        5,
        # Caprini's item is acute spinal cord injury with paralysis: a spinal (column) injury
        # in a patient who walks is not it
        (
            r"spinal cord (?:injur(?:y|ies)|lesion|compression|trauma)",
            r"(?:para|quadri|tetra)pleg\w+",
            r"(?:paralysis|paralyzed|paralysed) (?:of|in) (?:both|the) (?:legs|lower (?:limbs|extremities))",
        ),
    ),
    ("varicose_veins", "Varicose veins", 1, ("varicose veins?", "varicosities")),
    (
        "swollen_legs",
        "Current swollen legs",
        1,
        (
            r"(?:swollen|swelling of the) (?:legs|lower extremities)",
            r"(?:leg|lower extremity|bilateral) (?:swelling|edema)",
            r"legs? (?:were|was|are|is) (?:found to be |noted to be )?swollen",
            r"swollen legs",
            r"swelling (?:was |were )?(?:noted |seen |present |found )?(?:in|of) (?:the |both |his |her )?(?:legs|lower extremities|lower limbs)",
        ),
    ),
    (
        "central_venous_access",
        "Current central venous access",
        2,
        (
            "central (?:venous )?(?:line|catheter|access)",
            "PICC",
            "port-a-cath",
            "central venous catheter",
        ),
    ),
    (
        "history_vte",
        "History of DVT/PE",
        3,
        (
            r"(?:history of|prior|previous) (?:deep vein thrombosis|DVT|pulmonary embol\w*|PE|VTE)",
            r"pulmonary embol(?:ism|us|i)",
            r"deep (?:vein|venous) thrombosis",
        ),
    ),
    (
        "family_history_thrombosis",
        "Family history of thrombosis",
        3,
        (
            r"family history of (?:\w+ )?(?:thrombo\w+|DVT|VTE|clots?|pulmonary embol\w*)",
            r"family (?:has|had) (?:a )?(?:strong )?history of (?:\w+ )?(?:thrombo\w+|DVT|VTE|clots?)",
        ),
    ),
    (
        "factor_v_leiden",
        "Positive factor V Leiden",
        3,
        (r"factor V(?: Leiden)?(?! deficiency)" + _LAB_NORMAL,),
    ),
    (
        "prothrombin_20210a",
        "Positive prothrombin 20210A",
        3,
        ("prothrombin (?:gene )?(?:mutation|20210A?)" + _LAB_NORMAL,),
    ),
    (
        "homocysteine",
        "Elevated serum homocysteine",
        3,
        ("(?:elevated|high) (?:serum )?homocysteine", "hyperhomocyst\\w+"),
    ),
    (
        "lupus_anticoagulant",
        "Positive lupus anticoagulant",
        3,
        ("lupus anticoagulant" + _LAB_NORMAL,),
    ),
    ("anticardiolipin", "Elevated anticardiolipin antibody", 3, ("anticardiolipin" + _LAB_NORMAL,)),
    (
        "hit",
        "Heparin-induced thrombocytopenia",
        3,
        ("heparin-induced thrombocytopenia", r"\bHIT\b"),
    ),
    (
        "other_thrombophilia",
        "Other congenital or acquired thrombophilia",
        3,
        ("thrombophilia", "antiphospholipid", "protein [CS] deficiency", "antithrombin deficiency"),
    ),
    (
        "ibd",
        "History of inflammatory bowel disease",
        1,
        ("inflammatory bowel disease", "Crohn'?s?", "ulcerative colitis", "IBD"),
    ),
    ("bmi_over_25", "BMI over 25", 1, ("obes\\w+", "overweight")),
    (
        "acute_mi",
        "Acute myocardial infarction",
        1,
        # MDCalc's Caprini form lists acute MI under "other present and past history": a
        # documented (past) myocardial infarction counts; the bare abbreviation only in capitals
        (
            "acute myocardial infarction",
            "STEMI",
            "NSTEMI",
            "acute MI",
            "myocardial infarction",
            "heart attack",
            r"MI(?<=(?-i:MI))",
        ),
    ),
    ("copd", "COPD", 1, ("COPD", "chronic obstructive pulmonary disease", "emphysema")),
    (
        "malignancy",
        "Present or previous malignancy",
        2,
        (
            "cancer",
            "malignan\\w+",
            "carcinoma",
            "lymphoma",
            "leuka?emia",
            "sarcoma",
            "metasta\\w+",
            "myeloma",
        ),
    ),
    ("other_risk_factors", "Other risk factors", 1, ()),
    (
        "pregnant_postpartum",
        "Pregnant or postpartum (women)",
        1,
        ("pregnan\\w+", "postpartum", "post-partum"),
    ),
    (
        "stillborn_abortion",
        "Unexplained stillborn or recurrent spontaneous abortion (women)",
        1,
        ("stillb\\w+", "recurrent (?:spontaneous )?(?:abortion|miscarriage)s?"),
    ),
    (
        "hormones",
        "Oral contraceptives or hormone replacement (women)",
        1,
        ("oral contraceptives?", "OCPs?", "hormone replacement", "HRT", "birth control"),
    ),
]
_WOMEN_ONLY = {"pregnant_postpartum", "stillborn_abortion", "hormones"}


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
            list(_CAPRINI_SURGERY),
            "operation described in the note",
            default="none",
        ),
        choice(
            "mobility",
            "Mobility",
            list(_CAPRINI_MOBILITY),
            "bed rest / confined to bed",
            default="normal/ambulatory",
        ),
        *[criterion(name, label) for name, label, _, _ in _CAPRINI_ITEMS],
    ]
    bands = [
        Band(label="0: lowest estimated VTE risk", low=0, high=0),
        Band(label="1-2: low estimated VTE risk", low=1, high=2),
        Band(label="3-4: moderate estimated VTE risk", low=3, high=4),
        Band(label="5 or more: high estimated VTE risk", low=5, high=None),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        return (
            facts.find(
                r"\b(?:VTE|DVT|thrombo)[- ]?prophylaxis\b|\bpre-?operative(?:ly)?\b|\bpost-?operative day\b"
                r"|\bscheduled for (?:an? )?(?:\w+ )?(?:surgery|operation|\w+ectomy|\w+plasty)\b"
            )
            is not None
        )

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(out, "age", facts.measurement("age"))
        put(out, "sex", facts.measurement("sex"))
        for name, _label, _pts, patterns in _CAPRINI_ITEMS:
            if patterns:
                read = facts.family_history if name.startswith("family_") else facts.condition
                put(out, name, read(*patterns))

        def affirmed(*patterns: str) -> Fact | None:
            f = facts.condition(*patterns)
            return f if f is not None and f.value else None

        def operation(*patterns: str) -> Fact | None:  # done or planned: Caprini is pre-op
            f = facts.procedure(*patterns)
            return f if f is not None and f.value else None

        arth = operation(
            r"total (?:hip|knee) (?:arthroplasty|replacement)",
            r"(?:hip|knee) arthroplasty",
            r"(?:major )?lower (?:extremity|limb) (?:arthroplasty|joint replacement)",
            "THA",
            "TKA",
        )
        lap = operation(r"laparoscop\w+")
        minor = operation(
            r"minor (?:surgery|procedure|operation)", "excision", "biopsy", r"arthroscop\w+"
        )
        major = operation(
            "major surgery",
            "laparotomy",
            r"\w+ectomy",
            r"\w+otomy",
            r"open (?:reduction|repair)",
            "resection",
            "bypass",
            r"transplant\w*",
        )
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
        bed72 = affirmed(
            r"(?:confined to (?:his |her |the )?bed|bed[- ]?ridden|bed[- ]?bound|bed rest|immobili[sz]ed)[^.;]{0,30}?(?:more than|over|>|for) ?(?:72 hours|(?:3|4|5|6|7|three|four|five|six|seven|several) days|a week|weeks)",
            r"confined to (?:his |her |the )?bed (?:for )?(?:more than|over) (?:72 hours|3 days)",
            r"(?:been|stayed|remained|lying) in bed (?:for )?(?:the )?(?:past |last )?(?:more than |over )?"
            r"(?:72 hours|(?:[4-9]|\d\d|four|five|six|seven|several) days|a week|weeks)",
        )
        bed = affirmed(r"bed ?rest", r"bed[- ]?bound", r"bed[- ]?ridden", "confined to bed")
        put(
            out,
            "mobility",
            val(bed72, "confined to bed over 72 hours")
            if bed72
            else val(bed, "medical patient at bed rest")
            if bed
            else None,
        )
        bmi = facts.find(r"\bBMI\b[^\d\n]{0,20}\d{2}(?:\.\d+)?")
        if bmi is not None:
            import re

            n = float(re.findall(r"\d{2}(?:\.\d+)?", bmi.value)[-1])
            out["bmi_over_25"] = val(bmi, n > 25)  # type: ignore[assignment]
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        age = values["age"]
        comps = [
            item("age", age, 3 if age >= 75 else 2 if age >= 61 else 1 if age >= 41 else 0),
            item("surgery_type", values["surgery_type"], _CAPRINI_SURGERY[values["surgery_type"]]),
            item("mobility", values["mobility"], _CAPRINI_MOBILITY[values["mobility"]]),
        ]
        female = values["sex"] == "female"
        for name, _label, pts, _ in _CAPRINI_ITEMS:
            v = values[name]
            if name in _WOMEN_ONLY and not female:
                comps.append(item(name, v, 0))
                continue
            comps.append(item(name, v, pts if v else 0))
        return finish(
            self,
            comps,
            formula=" + ".join(f"{c.name} {c.points:g}" for c in comps if c.points)
            + f" = {sum(c.points or 0 for c in comps):g}",
        )
