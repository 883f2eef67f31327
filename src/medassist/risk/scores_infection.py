"""Infection scores: CURB-65, Centor (McIsaac), FeverPAIN, Pneumonia Severity Index."""

from __future__ import annotations

import re
from typing import Any

from medassist.risk.base import Band, Calculator, Component, Evidence, Fact, ScoreResult, register
from medassist.risk.facts import NoteFacts
from medassist.risk.score_cues import unhedged_condition
from medassist.risk.scores_acute import consciousness_fact
from medassist.risk.scoring import (
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

__all__ = ["Curb65", "CentorMcIsaac", "FeverPain", "Psi"]


def _confusion(facts: NoteFacts) -> Fact | None:
    c = consciousness_fact(facts)
    return val(c, c.value != "alert") if c is not None else None


#: an explicit statement that mental status is unaltered now ("has no change in her mental
#: status at present", "mental status is at baseline")
_MENTAL_STATUS_NORMAL = (
    r"\bno (?:acute )?(?:change|changes|alteration) in (?:his |her |their |the patient's )?mental status"
    r"|\bmental status (?:is |was |remains |remained )?(?:normal|intact|unchanged|at (?:her |his )?baseline)\b"
)


def _mental_status(facts: NoteFacts) -> Fact | None:
    """PSI altered mental status: the consciousness cue, unless the note states the mental
    status is unaltered at presentation and no GCS below 15 is reported."""
    c = _confusion(facts)
    if c is not None and c.value and facts.measurement("gcs") is None:
        normal = facts.finding("infection.mental_status.bno_acute_change")
        if normal is not None:
            return val(normal, False, note="mental status stated unaltered at presentation")
    return c


@register
class Curb65(Calculator):
    id = "curb65"
    name = "CURB-65 score for pneumonia severity"
    reference = (
        "Lim WS, et al. Defining community acquired pneumonia severity on presentation to "
        "hospital: an international derivation and validation study. Thorax. 2003;58(5):377-382. "
        "doi:10.1136/thorax.58.5.377"
    )
    kind = "score"
    relevance = 25
    inputs = [
        criterion(
            "confusion",
            "Confusion (new disorientation)",
            "confusion/disorientation affirmed or GCS < 15",
        ),
        number("bun", "Blood urea nitrogen", "mg/dL", 0, 300, "BUN (urea mmol/L converted)"),
        number("respiratory_rate", "Respiratory rate", "/min", 0, 80),
        number("sbp", "Systolic blood pressure", "mmHg", 30, 300),
        number("dbp", "Diastolic blood pressure", "mmHg", 10, 200),
        number("age", "Age", "years", 0, 120),
    ]
    bands = [
        Band(label="0-1: low risk group", low=0, high=1),
        Band(label="2: intermediate risk group", low=2, high=2),
        Band(label="3-5: high risk group", low=3, high=5),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        return facts.condition("infection.curb65_relevant.pneumonia") is not None

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        for k in ("bun", "respiratory_rate", "sbp", "dbp", "age"):
            put(out, k, facts.measurement(k))
        put(out, "confusion", _confusion(facts))
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        sbp, dbp = values["sbp"], values["dbp"]
        comps = [
            item("confusion", values["confusion"], 1 if values["confusion"] else 0),
            item("bun", values["bun"], 1 if values["bun"] > 19 else 0),
            item(
                "respiratory_rate",
                values["respiratory_rate"],
                1 if values["respiratory_rate"] >= 30 else 0,
            ),
            item("sbp", sbp, 1 if (sbp < 90 or dbp <= 60) else 0),
            item("dbp", dbp, 0),
            item("age", values["age"], 1 if values["age"] >= 65 else 0),
        ]
        return finish(
            self,
            comps,
            formula=" + ".join(f"{c.name} {fmt(c.points or 0)}" for c in comps if c.name != "dbp")
            + f" = {fmt(sum(c.points or 0 for c in comps))} (blood pressure: SBP < 90 or DBP <= 60)",
        )


#: a node word: the mention itself names a lymph node, not just a neck mass
_NODE_WORD = re.compile(r"\b(?:lymph|nodes?|(?:lymph)?adenopath\w*|glands?|adenitis)\b", re.I)
#: a neck mass that is midline or moves with swallowing or tongue protrusion is thyroid or a
#: thyroglossal duct lesion, not an anterior cervical lymph node (those lie along the
#: sternocleidomastoid)
_NOT_A_NODE = (
    r"\bmidline (?:neck )?(?:mass|swelling|lump|cyst)"
    r"|\b(?:mass|swelling|lump|cyst)\b[^.;]{0,40}?\b(?:rises?|rising|moves?|moving|elevates?|ascends?)"
    r" (?:up )?(?:with|on|during) (?:deglutition|swallowing|tongue protrusion)"
    r"|\bthyroglossal|\bgoit(?:er|re)\b|\bthyroid (?:nodule|mass|swelling|cyst)"
)


def _cervical_nodes(facts: NoteFacts) -> Fact | None:
    """Tender/swollen anterior cervical lymph nodes; a neck mass the note describes as
    midline or moving with swallowing (thyroid, thyroglossal duct cyst) is not a node."""
    f = cue(facts, "cervical_nodes")
    if f is None or not f.value or _NODE_WORD.search(f.evidence.text or ""):
        return f
    other = facts.finding("infection.cervical_nodes.bmidline_neck_mass")
    if other is None:
        return f
    return val(other, False, note="a midline or thyroid neck mass, not a lymph node")


#: a sore-throat note that does not mention cough: the criterion "absence of cough" is met
#: (a cough is a symptom the patient would report; MedCalc-Bench-Verified scores it so)
_NO_COUGH_WRITTEN = Fact(
    value=True,
    evidence=Evidence(source="assumed", note="cough not mentioned: absence of cough"),
)


@register
class CentorMcIsaac(Calculator):
    id = "centor_mcisaac"
    name = "Centor score (modified/McIsaac) for strep pharyngitis"
    reference = (
        "McIsaac WJ, et al. A clinical score to reduce unnecessary antibiotic use in patients "
        "with sore throat. CMAJ. 1998;158(1):75-83. PMID: 9475915"
    )
    kind = "score"
    relevance = 40
    inputs = [
        number("age", "Age", "years", 0, 120),
        criterion("tonsillar_exudate", "Exudate or swelling on tonsils"),
        criterion("cervical_nodes", "Tender/swollen anterior cervical lymph nodes"),
        number("temperature", "Temperature", "°C", 25, 45),
        criterion("cough_absent", "Cough absent", "cough mentioned as absent/denied"),
    ]
    bands = [
        Band(label="-1 to 0: low likelihood of streptococcal pharyngitis", low=-1, high=0),
        Band(label="1: low likelihood", low=1, high=1),
        Band(label="2-3: intermediate likelihood; testing may be considered", low=2, high=3),
        Band(label="4-5: higher likelihood; testing and treatment per guideline", low=4, high=5),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        return facts.condition("infection.centormcisaac_relevant.sore_throat") is not None

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(out, "age", facts.measurement("age"))
        put(out, "temperature", facts.extreme("temperature", "max"))
        put(out, "tonsillar_exudate", cue(facts, "tonsillar_exudate"))
        put(out, "cervical_nodes", _cervical_nodes(facts))
        cough = cue(facts, "cough")
        out["cough_absent"] = (
            val(cough, not cough.value) if cough is not None else _NO_COUGH_WRITTEN
        )  # type: ignore[assignment]
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        age, t = values["age"], values["temperature"]
        age_p = 1 if 3 <= age <= 14 else 0 if age <= 44 else -1
        comps = [
            item("age", age, age_p),
            item(
                "tonsillar_exudate",
                values["tonsillar_exudate"],
                1 if values["tonsillar_exudate"] else 0,
            ),
            item("cervical_nodes", values["cervical_nodes"], 1 if values["cervical_nodes"] else 0),
            item("temperature", t, 1 if t > 38 else 0),
            item("cough_absent", values["cough_absent"], 1 if values["cough_absent"] else 0),
        ]
        return finish(self, comps)


@register
class FeverPain(Calculator):
    id = "feverpain"
    name = "FeverPAIN score for streptococcal pharyngitis"
    reference = (
        "Little P, et al. Clinical score and rapid antigen detection test to guide antibiotic use "
        "for sore throats: randomised controlled trial of PRISM. BMJ. 2013;347:f5806. "
        "doi:10.1136/bmj.f5806"
    )
    kind = "score"
    relevance = 41
    inputs = [
        criterion("fever", "Fever in past 24 hours"),
        criterion("purulence", "Purulence (pharyngeal/tonsillar exudate)"),
        criterion("attend_rapidly", "Attend rapidly (symptom onset 3 days or less)"),
        criterion("inflamed_tonsils", "Severely inflamed tonsils"),
        criterion("no_cough_coryza", "No cough or coryza"),
    ]
    bands = [
        Band(label="0-1: low likelihood of streptococcal infection", low=0, high=1),
        Band(
            label="2-3: intermediate likelihood; delayed prescribing may be considered",
            low=2,
            high=3,
        ),
        Band(label="4-5: higher likelihood", low=4, high=5),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        return facts.condition("infection.feverpain_relevant.sore_throat") is not None

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        t = facts.extreme("temperature", "max")
        fever = facts.condition("infection.feverpain.fevers")
        if t is not None and t.value >= 38:
            fever = val(t, True)
        put(out, "fever", fever)
        put(
            out,
            "purulence",
            facts.condition(
                "infection.feverpain.purulen_ce_btonsil",
            ),
        )
        onset = facts.finding("infection.feverpain.for_past_last")
        long_onset = facts.finding("infection.feverpain.for_past_last_2")
        if onset is not None and long_onset is None:
            out["attend_rapidly"] = val(onset, True)  # type: ignore[assignment]
        elif long_onset is not None:
            out["attend_rapidly"] = val(long_onset, False)  # type: ignore[assignment]
        put(
            out,
            "inflamed_tonsils",
            facts.condition(
                "infection.feverpain.severely_markedly_very",
            ),
        )
        cough = cue(facts, "cough")
        coryza = facts.condition("infection.feverpain.coryza")
        if (cough is not None and cough.value) or (coryza is not None and coryza.value):
            out["no_cough_coryza"] = val(
                cough if cough is not None and cough.value else coryza, False
            )  # type: ignore[arg-type,assignment]
        elif cough is not None:
            out["no_cough_coryza"] = val(cough, True)  # type: ignore[assignment]
        else:
            out["no_cough_coryza"] = _NO_COUGH_WRITTEN
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        comps = [
            item(k, values[k], 1 if values[k] else 0)
            for k in ("fever", "purulence", "attend_rapidly", "inflamed_tonsils", "no_cough_coryza")
        ]
        return finish(self, comps)


_NORMAL = "not measured -> assumed normal (Fine 1997)"


@register
class Psi(Calculator):
    id = "psi"
    name = "Pneumonia Severity Index (PSI/PORT)"
    reference = (
        "Fine MJ, et al. A prediction rule to identify low-risk patients with community-acquired "
        "pneumonia. N Engl J Med. 1997;336(4):243-250. doi:10.1056/NEJM199701233360402"
    )
    kind = "score"
    relevance = 26
    inputs = [
        number("age", "Age", "years", 0, 120),
        sex_input(),
        criterion("nursing_home", "Nursing home resident"),
        criterion("neoplastic_disease", "Neoplastic disease"),
        criterion("liver_disease", "Liver disease history"),
        criterion("chf", "Congestive heart failure history"),
        criterion("cerebrovascular_disease", "Cerebrovascular disease history"),
        criterion("renal_disease", "Renal disease history"),
        criterion("altered_mental_status", "Altered mental status"),
        number("respiratory_rate", "Respiratory rate", "/min", 0, 80, required=False),
        number("sbp", "Systolic blood pressure", "mmHg", 30, 300, required=False),
        number("temperature", "Temperature", "°C", 25, 45, required=False),
        number("heart_rate", "Heart rate", "/min", 0, 300, required=False),
        number("ph", "Arterial pH", None, 6.5, 8.0, required=False),
        number("bun", "BUN", "mg/dL", 0, 300, required=False),
        number("sodium", "Sodium", "mmol/L", 90, 200, required=False),
        number("glucose", "Glucose", "mg/dL", 10, 3000, required=False),
        number("hematocrit", "Hematocrit", "%", 5, 75, required=False),
        number("pao2", "PaO2", "mmHg", 10, 700, required=False),
        number("spo2", "SpO2 (used when PaO2 is absent)", "%", 40, 100, required=False),
        criterion("pleural_effusion", "Pleural effusion on imaging"),
    ]
    bands = [
        Band(label="class I-II (up to 70): low risk", low=None, high=70),
        Band(label="class III (71-90): low risk", low=71, high=90),
        Band(label="class IV (91-130): moderate risk", low=91, high=130),
        Band(label="class V (over 130): high risk", low=131, high=None),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        return facts.condition("infection.psi_relevant.pneumonia") is not None

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        for k in (
            "age",
            "sex",
            "respiratory_rate",
            "sbp",
            "temperature",
            "heart_rate",
            "ph",
            "bun",
            "sodium",
            "glucose",
            "hematocrit",
            "pao2",
            "spo2",
        ):
            put(out, k, facts.measurement(k))
        put(out, "nursing_home", cue(facts, "nursing_home"))
        for name, key in (
            ("neoplastic_disease", "cancer"),
            ("liver_disease", "liver_disease"),
            ("chf", "chf"),
            ("cerebrovascular_disease", "cerebrovascular"),
            ("renal_disease", "renal_disease"),
        ):  # comorbidities are often denied in one long list
            put(out, name, unhedged_condition(facts, key, lists=True))
        put(out, "altered_mental_status", _mental_status(facts))
        put(out, "pleural_effusion", cue(facts, "pleural_effusion"))
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        age, female = values["age"], values["sex"] == "female"
        comps: list[Component] = [item("age", age, age - 10 if female else age)]
        if female:
            comps.append(item("sex", "female", 0))
        for k, p in (
            ("nursing_home", 10),
            ("neoplastic_disease", 30),
            ("liver_disease", 20),
            ("chf", 10),
            ("cerebrovascular_disease", 10),
            ("renal_disease", 10),
            ("altered_mental_status", 20),
        ):
            comps.append(item(k, values[k], p if values[k] else 0))

        def num(name: str, test: Any, pts: int) -> None:
            v = values.get(name)
            c = item(name, v, pts if (v is not None and test(v)) else 0)
            if v is None:
                c.evidence = [Evidence(source="assumed", note=_NORMAL)]
            comps.append(c)

        num("respiratory_rate", lambda v: v >= 30, 20)
        num("sbp", lambda v: v < 90, 20)
        num("temperature", lambda v: v < 35 or v >= 40, 15)
        num("heart_rate", lambda v: v >= 125, 10)
        num("ph", lambda v: v < 7.35, 30)
        num("bun", lambda v: v >= 30, 20)
        num("sodium", lambda v: v < 130, 20)
        num("glucose", lambda v: v >= 250, 10)
        num("hematocrit", lambda v: v < 30, 10)
        if values.get("pao2") is not None or values.get("spo2") is None:
            num("pao2", lambda v: v < 60, 10)
        else:
            num("spo2", lambda v: v < 90, 10)
        comps.append(
            item(
                "pleural_effusion",
                values["pleural_effusion"],
                10 if values["pleural_effusion"] else 0,
            )
        )
        return finish(self, comps)
