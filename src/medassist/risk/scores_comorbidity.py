"""Comorbidity burden: Charlson Comorbidity Index."""

from __future__ import annotations

import re
from typing import Any

from medassist.risk.base import Band, Calculator, Fact, ScoreResult, register
from medassist.risk.facts import NoteFacts
from medassist.risk.scoring import choice, criterion, cue, finish, item, number, put, val

__all__ = ["Charlson"]

_LIVER = ["none", "mild", "moderate to severe"]
_DM = ["none", "uncomplicated", "end-organ damage"]
_TUMOR = ["none", "localized", "metastatic"]


@register
class Charlson(Calculator):
    id = "charlson"
    name = "Charlson Comorbidity Index (CCI)"
    reference = (
        "Charlson ME, et al. A new method of classifying prognostic comorbidity in longitudinal "
        "studies: development and validation. J Chronic Dis. 1987;40(5):373-383. "
        "doi:10.1016/0021-9681(87)90171-8 (age-adjusted version: Charlson 1994, "
        "doi:10.1016/0895-4356(94)90129-5)"
    )
    kind = "score"
    relevance = 50
    inputs = [
        number("age", "Age", "years", 0, 120),
        criterion("mi", "Myocardial infarction history"),
        criterion("chf", "Congestive heart failure"),
        criterion("pvd", "Peripheral vascular disease"),
        criterion("cva_tia", "Cerebrovascular accident or TIA"),
        criterion("dementia", "Dementia"),
        criterion("copd", "Chronic pulmonary disease"),
        criterion("connective_tissue", "Connective tissue disease"),
        criterion("peptic_ulcer", "Peptic ulcer disease"),
        choice(
            "liver_disease",
            "Liver disease",
            _LIVER,
            "cirrhosis/portal hypertension -> moderate to severe; chronic hepatitis -> mild",
            default="none",
        ),
        choice(
            "diabetes",
            "Diabetes mellitus",
            _DM,
            "diabetes with retinopathy/nephropathy/neuropathy -> end-organ damage",
            default="none",
        ),
        criterion("hemiplegia", "Hemiplegia"),
        criterion("ckd_moderate_severe", "Moderate to severe chronic kidney disease"),
        choice(
            "solid_tumor",
            "Solid tumour",
            _TUMOR,
            "cancer/carcinoma; 'metastatic' -> metastatic",
            default="none",
        ),
        criterion("leukemia", "Leukemia"),
        criterion("lymphoma", "Lymphoma"),
        criterion("aids", "AIDS"),
    ]
    bands = [
        Band(label="0: no comorbidity burden by this index", low=0, high=0),
        Band(label="1-2: mild comorbidity burden", low=1, high=2),
        Band(label="3-4: moderate comorbidity burden", low=3, high=4),
        Band(label="5 or more: severe comorbidity burden", low=5, high=None),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        if facts.measurement("age") is None:
            return False
        # a comorbidity index is informative when the note documents at least two comorbidities
        derived = self.derive(facts)
        present = [
            k for k, f in derived.items() if k != "age" and f.value not in (False, None, "none")
        ]
        return len(present) >= 2

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(out, "age", facts.measurement("age"))
        put(out, "mi", cue(facts, "mi"))
        put(out, "chf", cue(facts, "chf"))
        put(out, "pvd", cue(facts, "pad"))
        put(out, "cva_tia", cue(facts, "cerebrovascular"))
        put(out, "dementia", cue(facts, "dementia"))
        put(
            out,
            "copd",
            facts.condition(
                "comorbidity.charlson.copd",
            ),
        )
        put(out, "connective_tissue", cue(facts, "connective_tissue"))
        put(out, "peptic_ulcer", cue(facts, "peptic_ulcer"))
        severe_liver = facts.condition(
            "comorbidity.charlson.cirrhosis",
        )
        mild_liver = facts.condition(
            "comorbidity.charlson.chronic_hepatitis",
        )
        if severe_liver is not None and severe_liver.value:
            out["liver_disease"] = val(severe_liver, "moderate to severe")  # type: ignore[assignment]
        elif mild_liver is not None and mild_liver.value:
            out["liver_disease"] = val(mild_liver, "mild")  # type: ignore[assignment]
        dm = cue(facts, "diabetes")
        if dm is not None and dm.value:
            organ = facts.condition(
                "comorbidity.charlson.diabetic_nephropathy_retinopathy",
            )
            out["diabetes"] = (
                val(organ, "end-organ damage")
                if organ is not None and organ.value
                else val(dm, "uncomplicated")
            )  # type: ignore[assignment]
        put(out, "hemiplegia", cue(facts, "hemiplegia"))
        ckd = facts.condition(
            "comorbidity.charlson.ckd_moderate_severe",
        )
        cr = facts.measurement("creatinine")
        if (ckd is None or not ckd.value) and cr is not None and cr.value > 3:
            ckd = val(cr, True)
        put(out, "ckd_moderate_severe", ckd)
        tumor = facts.condition(
            "comorbidity.charlson.cancer",
        )
        if tumor is not None and tumor.value:
            meta = facts.condition("comorbidity.charlson.metasta_sis_ses")
            out["solid_tumor"] = (
                val(meta, "metastatic")
                if meta is not None and meta.value
                else val(tumor, "localized")
            )  # type: ignore[assignment]
        put(out, "leukemia", facts.condition("comorbidity.charlson.leuka_emia"))
        put(
            out,
            "lymphoma",
            facts.condition("comorbidity.charlson.lymphoma"),
        )
        put(out, "aids", facts.condition("aids"))
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        age = values["age"]
        comps = [
            item(
                "age",
                age,
                0 if age < 50 else 1 if age < 60 else 2 if age < 70 else 3 if age < 80 else 4,
            )
        ]
        for k in (
            "mi",
            "chf",
            "pvd",
            "cva_tia",
            "dementia",
            "copd",
            "connective_tissue",
            "peptic_ulcer",
        ):
            comps.append(item(k, values[k], 1 if values[k] else 0))
        comps.append(
            item(
                "liver_disease",
                values["liver_disease"],
                {"none": 0, "mild": 1, "moderate to severe": 3}[values["liver_disease"]],
            )
        )
        comps.append(item("diabetes", values["diabetes"], _DM.index(values["diabetes"])))
        comps.append(item("hemiplegia", values["hemiplegia"], 2 if values["hemiplegia"] else 0))
        comps.append(
            item(
                "ckd_moderate_severe",
                values["ckd_moderate_severe"],
                2 if values["ckd_moderate_severe"] else 0,
            )
        )
        comps.append(
            item(
                "solid_tumor",
                values["solid_tumor"],
                {"none": 0, "localized": 2, "metastatic": 6}[values["solid_tumor"]],
            )
        )
        comps.append(item("leukemia", values["leukemia"], 2 if values["leukemia"] else 0))
        comps.append(item("lymphoma", values["lymphoma"], 2 if values["lymphoma"] else 0))
        comps.append(item("aids", values["aids"], 6 if values["aids"] else 0))
        return finish(self, comps)


_ = re
