"""Acute deterioration scores: NEWS2, qSOFA, shock index, SIRS criteria, Glasgow Coma Scale."""

from __future__ import annotations

import re
from typing import Any

from medassist.risk.base import Band, Calculator, Fact, ScoreResult, register
from medassist.risk.facts import NoteFacts
from medassist.risk.score_cues import first_outside
from medassist.risk.scoring import choice, criterion, cue, finish, fmt, item, number, put, val

__all__ = ["News2", "QSofa", "ShockIndex", "Sirs", "Gcs", "consciousness_fact", "gcs_components"]

_VITALS = ("heart_rate", "sbp", "respiratory_rate", "temperature", "spo2")


def _has_vitals(facts: NoteFacts) -> bool:
    return any(facts.measurement(k) is not None for k in _VITALS)


def consciousness_fact(facts: NoteFacts) -> Fact | None:
    """ACVPU level from the note: GCS total, confusion/unresponsive cues, or 'alert'."""
    gcs = facts.measurement("gcs")
    if gcs is not None:
        v = float(gcs.value)
        level = (
            "alert"
            if v >= 15
            else "new confusion"
            if v >= 13
            else "voice"
            if v >= 9
            else "pain"
            if v >= 6
            else "unresponsive"
        )
        return val(gcs, level, note=f"GCS {fmt(v)}")
    unresp = facts.condition("acute.consciousness_fact.unresponsive")
    if unresp is not None and unresp.value:
        return val(unresp, "unresponsive")
    conf = cue(facts, "confusion")
    if conf is not None and conf.value:
        return val(conf, "new confusion")
    alert = facts.finding("acute.consciousness_fact.alert_aao_oriented")
    if alert is not None:
        return val(alert, "alert")
    if conf is not None:  # confusion explicitly denied
        return val(conf, "alert", note="confusion negated")
    return None


def oxygen_fact(facts: NoteFacts) -> Fact | None:
    room_air = facts.finding("acute.oxygen_fact.on_in_room")
    o2 = first_outside(facts, "acute.oxygen_fact.on_receiving_requiring", "acute.oxygen.sleep_pap")
    if room_air is not None and (
        o2 is None or (room_air.evidence.start or 0) < (o2.evidence.start or 0)
    ):
        return val(room_air, False, note="room air")
    if o2 is not None:
        return val(o2, True)
    return None


@register
class News2(Calculator):
    id = "news2"
    name = "National Early Warning Score 2 (NEWS2)"
    reference = (
        "Royal College of Physicians. National Early Warning Score (NEWS) 2: standardising the "
        "assessment of acute-illness severity in the NHS. London: RCP, 2017. "
        "ISBN 978-1-86016-682-2"
    )
    kind = "score"
    relevance = 10
    partial_ok = True
    inputs = [
        number("respiratory_rate", "Respiratory rate", "/min", 0, 80),
        number("spo2", "Oxygen saturation (SpO2)", "%", 40, 100),
        criterion(
            "spo2_scale_2",
            "SpO2 scale 2 (confirmed hypercapnic respiratory failure)",
            "only when given explicitly; scale 1 otherwise",
        ),
        criterion(
            "supplemental_oxygen",
            "On supplemental oxygen",
            "'on oxygen'/'L via nasal cannula'/intubated vs 'room air'; not mentioned -> assumed air",
        ),
        number("sbp", "Systolic blood pressure", "mmHg", 30, 300),
        number("heart_rate", "Heart rate", "/min", 0, 300),
        choice(
            "consciousness",
            "Level of consciousness (ACVPU)",
            ["alert", "new confusion", "voice", "pain", "unresponsive"],
            "GCS total (15 alert, 13-14 confusion, ...), confusion/unresponsive cues, 'alert'",
        ),
        number("temperature", "Temperature", "°C", 25, 45),
    ]
    bands = [
        Band(label="low (0-4): ward-based response per local policy", low=0, high=4),
        Band(label="medium (5-6): urgent ward-based response", low=5, high=6),
        Band(label="high (7 or more): emergency response", low=7, high=None),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        return _has_vitals(facts)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        for k in ("respiratory_rate", "spo2", "sbp", "heart_rate", "temperature"):
            put(out, k, facts.measurement(k))
        put(out, "supplemental_oxygen", oxygen_fact(facts))
        put(out, "consciousness", consciousness_fact(facts))
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        rr, spo2, o2 = (
            values["respiratory_rate"],
            values["spo2"],
            bool(values["supplemental_oxygen"]),
        )
        sbp, hr, temp = values["sbp"], values["heart_rate"], values["temperature"]
        rr_p = 3 if rr <= 8 else 1 if rr <= 11 else 0 if rr <= 20 else 2 if rr <= 24 else 3
        if values.get("spo2_scale_2"):
            if spo2 <= 83:
                sp = 3
            elif spo2 <= 85:
                sp = 2
            elif spo2 <= 87:
                sp = 1
            elif spo2 <= 92 or not o2:
                sp = 0
            else:
                sp = 1 if spo2 <= 94 else 2 if spo2 <= 96 else 3
        else:
            sp = 3 if spo2 <= 91 else 2 if spo2 <= 93 else 1 if spo2 <= 95 else 0
        sbp_p = 3 if sbp <= 90 else 2 if sbp <= 100 else 1 if sbp <= 110 else 0 if sbp <= 219 else 3
        hr_p = (
            3
            if hr <= 40
            else 1
            if hr <= 50
            else 0
            if hr <= 90
            else 1
            if hr <= 110
            else 2
            if hr <= 130
            else 3
        )
        t_p = (
            3
            if temp <= 35.0
            else 1
            if temp <= 36.0
            else 0
            if temp <= 38.0
            else 1
            if temp <= 39.0
            else 2
        )
        c_p = 0 if values["consciousness"] == "alert" else 3
        comps = [
            item("respiratory_rate", rr, rr_p),
            item("spo2", spo2, sp),
            item("supplemental_oxygen", o2, 2 if o2 else 0),
            item("sbp", sbp, sbp_p),
            item("heart_rate", hr, hr_p),
            item("consciousness", values["consciousness"], c_p),
            item("temperature", temp, t_p),
        ]
        result = finish(self, comps)
        if (
            isinstance(result.value, int)
            and result.value <= 4
            and any(c.points == 3 for c in comps)
        ):
            result.band = "low-medium (a single parameter scoring 3): urgent ward-based response"
            result.interpretation = result.band
        return result


@register
class QSofa(Calculator):
    id = "qsofa"
    name = "quick SOFA (qSOFA)"
    reference = (
        "Seymour CW, et al. Assessment of Clinical Criteria for Sepsis (Sepsis-3). JAMA. "
        "2016;315(8):762-774. doi:10.1001/jama.2016.0288"
    )
    kind = "score"
    relevance = 12
    partial_ok = True
    inputs = [
        number("respiratory_rate", "Respiratory rate", "/min", 0, 80),
        number("sbp", "Systolic blood pressure", "mmHg", 30, 300),
        criterion(
            "altered_mentation",
            "Altered mentation (GCS < 15)",
            "GCS below 15 or confusion/altered mental status affirmed",
        ),
    ]
    bands = [
        Band(label="0-1: qSOFA criteria not met", low=0, high=1),
        Band(
            label="2-3: qSOFA positive - higher risk of poor outcome if infection is present",
            low=2,
            high=3,
        ),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        return _has_vitals(facts)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(out, "respiratory_rate", facts.measurement("respiratory_rate"))
        put(out, "sbp", facts.measurement("sbp"))
        c = consciousness_fact(facts)
        if c is not None:
            out["altered_mentation"] = val(c, c.value != "alert")  # type: ignore[assignment]
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        rr, sbp, am = values["respiratory_rate"], values["sbp"], bool(values["altered_mentation"])
        comps = [
            item("respiratory_rate", rr, 1 if rr >= 22 else 0),
            item("sbp", sbp, 1 if sbp <= 100 else 0),
            item("altered_mentation", am, 1 if am else 0),
        ]
        return finish(self, comps)


@register
class ShockIndex(Calculator):
    id = "shock_index"
    name = "Shock Index"
    reference = (
        "Allgöwer M, Burri C. 'Schockindex'. Dtsch Med Wochenschr. 1967;92(43):1947-1950. "
        "doi:10.1055/s-0028-1106070"
    )
    relevance = 15
    inputs = [
        number("heart_rate", "Heart rate", "/min", 1, 300),
        number("sbp", "Systolic blood pressure", "mmHg", 30, 300),
    ]
    bands = [
        Band(label="below 0.7: within the usual range", low=None, high=0.6999),
        Band(label="0.7-0.99: elevated", low=0.7, high=0.9999),
        Band(
            label="1.0 or more: markedly elevated - review haemodynamic status", low=1.0, high=None
        ),
    ]

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        put(out, "heart_rate", facts.measurement("heart_rate"))
        put(out, "sbp", facts.measurement("sbp"))
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        hr, sbp = values["heart_rate"], values["sbp"]
        si = round(hr / sbp, 2)
        return finish(
            self,
            [item("heart_rate", hr, None), item("sbp", sbp, None)],  # type: ignore[arg-type]
            formula=f"heart rate / systolic BP = {fmt(hr)} / {fmt(sbp)} = {si:.2f}",
            value=si,
        )


@register
class Sirs(Calculator):
    id = "sirs"
    name = "SIRS criteria"
    reference = (
        "Bone RC, et al. Definitions for sepsis and organ failure (ACCP/SCCM Consensus "
        "Conference). Chest. 1992;101(6):1644-1655. doi:10.1378/chest.101.6.1644"
    )
    kind = "score"
    relevance = 20
    inputs = [
        number("temperature", "Temperature", "°C", 25, 45),
        number("heart_rate", "Heart rate", "/min", 0, 300),
        number("respiratory_rate", "Respiratory rate", "/min", 0, 80),
        number("paco2", "PaCO2", "mmHg", 5, 200, required=False),
        number("wbc", "White blood cell count", "10^3/µL", 0, 500),
        number("bands", "Band forms", "%", 0, 100, required=False),
    ]
    bands = [
        Band(label="0-1 criteria: SIRS criteria not met", low=0, high=1),
        Band(label="2-4 criteria: SIRS criteria met", low=2, high=4),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        return facts.measurement("wbc") is not None and _has_vitals(facts)

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        for k in ("temperature", "heart_rate", "respiratory_rate", "paco2", "wbc"):
            put(out, k, facts.measurement(k))
        b = facts.finding("acute.sirs.bbands_forms")
        if b is not None:
            m = re.search(r"(\d+(?:\.\d+)?)\s*%", b.value)
            if m:
                out["bands"] = val(b, float(m.group(1)))  # type: ignore[assignment]
        return out

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        t, hr, rr, wbc = (
            values["temperature"],
            values["heart_rate"],
            values["respiratory_rate"],
            values["wbc"],
        )
        paco2, bands = values.get("paco2"), values.get("bands")
        resp = rr > 20 or (paco2 is not None and paco2 < 32)
        white = wbc > 12 or wbc < 4 or (bands is not None and bands > 10)
        comps = [
            item("temperature", t, 1 if (t > 38 or t < 36) else 0),
            item("heart_rate", hr, 1 if hr > 90 else 0),
            item(
                "respiratory_rate",
                rr if paco2 is None else f"{fmt(rr)} (PaCO2 {fmt(paco2)})",
                1 if resp else 0,
            ),
            item(
                "wbc",
                wbc if bands is None else f"{fmt(wbc)} (bands {fmt(bands)}%)",
                1 if white else 0,
            ),
        ]
        return finish(self, comps)


# ---------------------------------------------------------------------- Glasgow Coma Scale
_EYE = [
    (4, "acute.gcs.eye.4"),
    (3, "acute.gcs.eye.3"),
    (2, "acute.gcs.eye.2"),
    (1, "acute.gcs.eye.1"),
]
_VERBAL = [
    (5, "acute.gcs.verbal.5"),
    (4, "acute.gcs.verbal.4"),
    (3, "acute.gcs.verbal.3"),
    (2, "acute.gcs.verbal.2"),
    (1, "acute.gcs.verbal.1"),
]
_MOTOR = [
    (6, "acute.gcs.motor.6"),
    (5, "acute.gcs.motor.5"),
    (4, "acute.gcs.motor.4"),
    (3, "acute.gcs.motor.3"),
    (2, "acute.gcs.motor.2"),
    (1, "acute.gcs.motor.1"),
]


def gcs_components(facts: NoteFacts) -> dict[str, Fact]:
    """Eye/verbal/motor subscores from 'E3V4M5' or from descriptions in the note."""
    out: dict[str, Fact] = {}
    m = facts.finding("acute.gcs_components.be")
    if m is not None:
        g = re.search(r"E\s*([1-4])\s*,?\s*V\s*([1-5T])\s*,?\s*M\s*([1-6])", m.value)
        if g:
            out["eye"] = val(m, int(g.group(1)))  # type: ignore[assignment]
            if g.group(2) != "T":
                out["verbal"] = val(m, int(g.group(2)))  # type: ignore[assignment]
            out["motor"] = val(m, int(g.group(3)))  # type: ignore[assignment]
            return out
    for name, table in (("eye", _EYE), ("verbal", _VERBAL), ("motor", _MOTOR)):
        best: tuple[int, int, Fact] | None = None
        for points, rule in table:
            f = facts.finding(rule)
            if f is None:
                continue
            key = f.evidence.start or 0
            # the lowest (worst) level described wins; ties broken by position
            if best is None or points < best[0]:
                best = (points, key, f)
        if best is not None:
            out[name] = val(best[2], best[0])  # type: ignore[assignment]
    return out


@register
class Gcs(Calculator):
    id = "gcs"
    name = "Glasgow Coma Scale (GCS)"
    reference = (
        "Teasdale G, Jennett B. Assessment of coma and impaired consciousness. A practical scale. "
        "Lancet. 1974;2(7872):81-84. doi:10.1016/s0140-6736(74)91639-0"
    )
    kind = "score"
    relevance = 18
    inputs = [
        number(
            "eye",
            "Best eye response (1-4)",
            None,
            1,
            4,
            "eye-opening description or 'E3'",
            type_="int",
        ),
        number(
            "verbal",
            "Best verbal response (1-5)",
            None,
            1,
            5,
            "verbal description or 'V4'",
            type_="int",
        ),
        number(
            "motor",
            "Best motor response (1-6)",
            None,
            1,
            6,
            "motor description or 'M5'",
            type_="int",
        ),
    ]
    bands = [
        Band(label="13-15: mild impairment (or none at 15)", low=13, high=15),
        Band(label="9-12: moderate impairment", low=9, high=12),
        Band(label="3-8: severe impairment", low=3, high=8),
    ]

    def relevant(self, facts: NoteFacts) -> bool:
        return facts.finding("acute.gcs_relevant.bgcs_glasgow_dv") is not None

    def derive(self, facts: NoteFacts) -> dict[str, Fact]:
        return gcs_components(facts)

    def compute(self, values: dict[str, Any]) -> ScoreResult:
        comps = [item(k, values[k], values[k]) for k in ("eye", "verbal", "motor")]
        return finish(
            self,
            comps,
            formula=f"E{values['eye']} + V{values['verbal']} + M{values['motor']} = {values['eye'] + values['verbal'] + values['motor']}",
        )
