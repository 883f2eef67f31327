"""Gastrointestinal bleeding: Glasgow-Blatchford score."""

from __future__ import annotations

from typing import Any

from medassist.risk.base import Band, Calculator, Fact, ScoreResult, register
from medassist.risk.facts import NoteFacts
from medassist.risk.scoring import criterion, cue, finish, item, number, put, sex_input

__all__ = ["GlasgowBlatchford"]


@register
class GlasgowBlatchford(Calculator):
    id = "glasgow_blatchford"
    name = "Glasgow-Blatchford bleeding score (GBS)"
    reference = (
        "Blatchford O, Murray WR, Blatchford M. A risk score to predict need for treatment for "
        "upper-gastrointestinal haemorrhage. Lancet. 2000;356(9238):1318-1321. "
        "doi:10.1016/S0140-6736(00)02816-6"
    )
    kind = "score"
    relevance = 27
    inputs = [
        number("bun", "Blood urea nitrogen", "mg/dL", 0, 300),
        number("hemoglobin", "Hemoglobin", "g/dL", 1, 25),
        sex_input(),
        number("sbp", "Systolic blood pressure", "mmHg", 30, 300),
        number("heart_rate", "Heart rate", "/min", 0, 300),
        criterion("melena", "Melena"),
        criterion("syncope", "Presented with syncope"),
        criterion("hepatic_disease", "Hepatic disease history"),
        criterion("cardiac_failure", "Cardiac failure present"),
    ]
    bands = [
        Band(label="0: very low risk - may be considered for outpatient management", low=0, high=0),
        Band(label="1-5: low-moderate risk", low=1, high=5),
        Band(label="6 or more: higher risk of needing intervention", low=6, high=None),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        f = facts.condition(
            "gi.glasgowblatchford_relevant.melena",
        )
        return bool(f and f.value)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        for k in ("bun", "hemoglobin", "sex", "sbp", "heart_rate"):
            put(out, k, facts.measurement(k))
        put(out, "melena", cue(facts, "melena"))
        put(out, "syncope", cue(facts, "syncope"))
        put(out, "hepatic_disease", cue(facts, "liver_disease"))
        put(out, "cardiac_failure", cue(facts, "chf"))
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        bun, hb, sbp, hr = values["bun"], values["hemoglobin"], values["sbp"], values["heart_rate"]
        bun_p = 0 if bun < 18.2 else 2 if bun < 22.4 else 3 if bun < 28 else 4 if bun < 70 else 6
        if values["sex"] == "male":
            hb_p = 0 if hb >= 13 else 1 if hb >= 12 else 3 if hb >= 10 else 6
        else:
            hb_p = 0 if hb >= 12 else 1 if hb >= 10 else 6
        comps = [
            item("bun", bun, bun_p),
            item("hemoglobin", hb, hb_p),
            item("sex", values["sex"], 0),
            item("sbp", sbp, 0 if sbp >= 110 else 1 if sbp >= 100 else 2 if sbp >= 90 else 3),
            item("heart_rate", hr, 1 if hr >= 100 else 0),
            item("melena", values["melena"], 1 if values["melena"] else 0),
            item("syncope", values["syncope"], 2 if values["syncope"] else 0),
            item(
                "hepatic_disease", values["hepatic_disease"], 2 if values["hepatic_disease"] else 0
            ),
            item(
                "cardiac_failure", values["cardiac_failure"], 2 if values["cardiac_failure"] else 0
            ),
        ]
        return finish(self, comps)
