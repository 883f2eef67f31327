"""Criteria helpers for the point scores, on top of :class:`~medassist.risk.facts.NoteFacts`.

Every helper asks the extraction's findings (``text/rules/finding_rules.json``, evaluated
once by the text engine), never the note text: a hedged mention (only feared, excluded or in
a differential), a later item of a negated list, or one a phrase after it discards (a
drug-induced blood-pressure rise) carries the qualifier the text rules gave it.
"""

from __future__ import annotations

from medassist.risk.base import Evidence, Fact
from medassist.risk.facts import NoteFacts

__all__ = [
    "first_outside",
    "outside",
    "unhedged_condition",
    "hypertension_history",
    "heart_history",
    "HEART_HISTORY_LEVELS",
]


def unhedged_condition(
    facts: NoteFacts, *rules: str, post: bool = False, lists: bool = False
) -> Fact | None:
    """``facts.condition(*rules)``, skipping affirmed mentions that are only a fear or an
    exclusion ("alleviating any fear of liver disease"); such a mention reads as negated.
    With ``post``, a mention its rule's ``exclude_after`` phrases discard is skipped too;
    with ``lists``, a later item of a negated list (every item of "denies A, B, or C")."""
    skip = {"hedged"}
    if post:
        skip.add("excluded_after")
    if lists:
        skip.add("negated_list")
    return facts.condition(*rules, skip=frozenset(skip))


def first_outside(facts: NoteFacts, rule: str, outside: str) -> Fact | None:
    """The first finding of match rule ``rule`` that overlaps no finding of ``outside`` (e.g.
    "on CPAP" that is not the night-time CPAP of a sleep apnoea)."""
    boxes = [(f.start, f.end) for f in facts.matches(outside)]
    for f in facts.matches(rule):
        if any(f.start < hi and lo < f.end for lo, hi in boxes):
            continue
        return Fact(
            value=f.text, evidence=Evidence(source="note", text=f.text, start=f.start, end=f.end)
        )
    return None


def outside(facts: NoteFacts, fact: Fact | None, rule: str) -> Fact | None:
    """``fact`` unless its span overlaps a finding of ``rule`` (then None)."""
    if fact is None or fact.evidence.start is None or fact.evidence.end is None:
        return fact
    s, e = fact.evidence.start, fact.evidence.end
    if any(f.start < e and s < f.end for f in facts.matches(rule)):
        return None
    return fact


def hypertension_history(facts: NoteFacts) -> Fact | None:
    """Hypertension as a diagnosis: affirmed, not feared or excluded, and not a transient,
    drug- or procedure-induced blood-pressure rise (the rule's ``exclude_after``)."""
    return unhedged_condition(facts, "hypertension", post=True)


HEART_HISTORY_LEVELS = ("slightly suspicious", "moderately suspicious", "highly suspicious")

#: the specific (anginal) elements of the HEART score's history item (Six 2008, Backus 2010):
#: retrosternal location, pressure-like character, radiation to arm/jaw/neck/shoulder,
#: provoked by exertion, diaphoresis, nausea/vomiting, relief by nitrates
_ANGINAL_FEATURES: dict[str, str] = {
    "retrosternal": "cues.heart.retrosternal",
    "pressure-like": "cues.heart.pressure_like",
    "radiation": "cues.heart.radiation",
    "exertional": "cues.heart.exertional",
    "diaphoresis": "cues.heart.diaphoresis",
    "nausea/vomiting": "cues.heart.nausea_vomiting",
    "nitrate relief": "cues.heart.nitrate_relief",
}
#: non-specific elements (Backus 2010): pain that is sharp or stabbing, pleuritic, positional,
#: reproduced by palpation or movement, lasting hours, or not relieved by nitrates; their
#: presence beside specific elements makes the history "mixed" (moderately suspicious)


def heart_history(facts: NoteFacts) -> Fact | None:
    """The HEART history item from the anginal elements the note affirms.

    Three or more specific elements -> highly suspicious; one or two (or pain called typical
    angina) -> moderately suspicious; none -> ``None`` (the score's default applies)."""
    found: list[tuple[str, Fact]] = []
    for label, rule in _ANGINAL_FEATURES.items():
        f = facts.condition(rule)
        if f is not None and f.value is True:
            found.append((label, f))
    result: Fact | None = None
    nonspecific = facts.condition("cues.heart.nonspecific")
    mixed = nonspecific is not None and nonspecific.value is True
    if len(found) >= 3 and not mixed:
        level = HEART_HISTORY_LEVELS[2]
    elif found:
        level = HEART_HISTORY_LEVELS[1]
    else:
        typical = facts.condition("cues.heart.typical")
        if typical is not None and typical.value is True:
            found.append(("typical angina", typical))
        level = HEART_HISTORY_LEVELS[1]
    if found:
        first = min((f for _, f in found), key=lambda f: f.evidence.start or 0)
        names = ", ".join(label for label, _ in found)
        also = " with non-specific elements" if mixed else ""
        result = Fact(
            value=level,
            evidence=first.evidence.model_copy(
                update={"note": f"{len(found)} anginal element(s): {names}{also}"}
            ),
        )
    return result
