"""Extraction helpers for the point scores that NoteFacts does not offer itself.

Every helper takes a :class:`~medassist.risk.facts.NoteFacts`, returns a
:class:`~medassist.risk.base.Fact` whose evidence is a span of the note (or ``None`` when the
note says nothing), and caches its answer in the NoteFacts' memo dict so that several
calculators asking the same question scan the note once. All patterns are compiled once at
import time and use bounded quantifiers only (linear in the note's length).
"""

from __future__ import annotations

import re
from typing import Any

from medassist.risk.base import Fact
from medassist.risk.facts import NoteFacts

__all__ = [
    "unhedged_condition",
    "in_negated_list",
    "hypertension_history",
    "heart_history",
    "HEART_HISTORY_LEVELS",
    "is_hedged",
]

#: words just before a mention that make it a worry, not a finding ("alleviating any fear of
#: liver disease", "concern for stroke"); only the last few words of the same sentence count
_HEDGE_PRE = re.compile(
    r"\b(?:fears?|afraid|worr(?:y|ies|ied)|concerns?|alleviat\w{0,6}|allay\w{0,4}|dispel\w{0,4}"
    r"|reassur\w{0,6}|exclud\w{0,4}|rul\w{0,3} out)\b(?:[ ,]{1,3}(?:of|about|for|any|the|a|an|that|"
    r"possible|potential|underlying)){0,3}[ ,]{0,3}$",
    re.I,
)
#: "worrisome for an ST-elevation myocardial infarction": a suspicion, a few words may follow
_SUSPECT_PRE = re.compile(
    r"\b(?:worrisome|suspicious|concerning|concern|worr(?:y|ied)|evaluat\w{0,5}|work-?up)\s{1,3}"
    r"(?:for|of|about)\b(?:[ ,(-]{1,3}[\w-]{1,25}){0,4}[ ,(-]{0,3}$",
    re.I,
)
#: a mention listed in a differential diagnosis is a possibility, not a finding
#: (not a blood-count differential: "CBC with differential")
_DIFFERENTIAL_PRE = re.compile(
    r"\b(?:differential diagnos[ie]s|(?:the|a|an|our|initial|broad|working) differential|ddx"
    r"|differential (?:included|includes|including|considered|of))\b[^.;]{0,130}$",
    re.I,
)
#: words just after a mention that discard it ("a cystic neoplasm was considered unlikely")
_HEDGE_POST = re.compile(
    r"^[^.;]{0,40}?\b(?:was|were|is|are|being) (?:considered |thought |felt |deemed |judged )?"
    r"(?:unlikely|improbable|less likely|less compelling|excluded|ruled out|not supported)\b"
    r"|^[^.;]{0,40}?\b(?:is|was|are|were|seems?|appears?) (?:also )?(?:unlikely|less likely|"
    r"less compelling|not supported|not favou?red)\b"
    r"|^[^.;]{0,40}?\b(?:(?:the|our|a) differential|differential diagnos[ie]s|ddx)\b",
    re.I,
)
#: a reactive, transient blood-pressure rise ("hypertension and tachycardia resulting from
#: epinephrine administration") is not the chronic diagnosis the scores count
_REACTIVE_POST = re.compile(
    r"^[^.;]{0,40}?\b(?:resulting from|result of|induced by|caused by|in response to|provoked by)\b"
    r"[^.;]{0,40}?\b(?:administration|injection|infusion|bolus|intubation|induction|laryngoscopy"
    r"|epinephrine|adrenaline|vasopressors?|ketamine|cocaine|pain|anxiety|withdrawal)\b",
    re.I,
)
_SENT_BREAK = re.compile(r"[.!?;\n]")
#: a negation that heads a coordinated list ("denies any past medical history of congestive
#: heart failure, renal disease, cerebrovascular disease, liver disease, or neoplastic disease")
_LIST_NEG_CUE = re.compile(
    r"\b(?:den(?:y|ies|ied|ying)|no|negative for|without|free of|absence of|nor)\b", re.I
)
#: words that end a negated list: a verb, a contrast, a new subject or a relative clause
_LIST_STOP = re.compile(
    r"\b(?:but|however|though|although|yet|except|apart|aside|other than|whereas|while|which|who"
    r"|whom|the|his|her|their|this|these|that|patient|patient's|he|she|they|it|has|have|had|is"
    r"|was|are|were|be|been|being|present\w{0,3}|report\w{0,3}|with|due|because|after|since|now"
    r"|currently|then|develop\w{0,3}|diagnos\w{0,5}|underw\w{0,3}|start\w{0,3}|show\w{0,2}"
    r"|reveal\w{0,3}|noted|found|takes?|taking|on|positive|significant)\b",
    re.I,
)
#: the mention is a later item of a list: right after a comma or a coordinating conjunction
_LIST_ITEM_PRE = re.compile(r"(?:,|\b(?:or|and|nor))\s{1,3}(?:(?:any|a|an)\s{1,3})?$", re.I)
_LIST_WINDOW = 300
_LIST_MAX_WORDS = 45
_HEDGE_WINDOW = 140
_MAX_RETRIES = 6


def _memo_of(facts: NoteFacts) -> dict[tuple[Any, ...], Any]:
    """This module's per-note cache, kept on the NoteFacts instance (one scan per note)."""
    memo = facts.__dict__.get("_score_cues_memo")
    if memo is None:
        memo = {}
        facts.__dict__["_score_cues_memo"] = memo
    return memo


def is_hedged(text: str, start: int, end: int | None = None) -> bool:
    """Whether the mention starting at ``start`` is only feared, excluded or listed in a
    differential diagnosis (same sentence), not affirmed."""
    pre = text[max(0, start - _HEDGE_WINDOW) : start]
    breaks = list(_SENT_BREAK.finditer(pre))
    if breaks:
        pre = pre[breaks[-1].end() :]
    if (
        _HEDGE_PRE.search(pre[-60:])
        or _SUSPECT_PRE.search(pre[-120:])
        or _DIFFERENTIAL_PRE.search(pre)
    ):
        return True
    return end is not None and bool(_HEDGE_POST.search(text[end : end + 60]))


def in_negated_list(text: str, start: int) -> bool:
    """Whether the mention at ``start`` is a later item of a list headed by a negation in the
    same sentence, reached through list items only (words, commas, and/or): the negation
    covers every item however long the list is."""
    pre = text[max(0, start - _LIST_WINDOW) : start]
    if not _LIST_ITEM_PRE.search(pre[-12:]):
        return False
    breaks = list(_SENT_BREAK.finditer(pre))
    if breaks:
        pre = pre[breaks[-1].end() :]
    elif start > _LIST_WINDOW:
        return False  # the sentence starts beyond the window: not a short list
    cues = list(_LIST_NEG_CUE.finditer(pre))
    if not cues:
        return False
    span = pre[cues[-1].end() :]
    return len(span.split()) <= _LIST_MAX_WORDS and not _LIST_STOP.search(span)


def unhedged_condition(
    facts: NoteFacts,
    *names: str,
    post: re.Pattern[str] | None = None,
    lists: bool = False,
) -> Fact | None:
    """``facts.condition(*names)``, skipping affirmed mentions that are only a fear or an
    exclusion ("alleviating any fear of liver disease"); such a mention reads as negated.
    With ``lists``, a mention deep in a negated list (:func:`in_negated_list`) is negated too."""
    key = ("score_cues.unhedged", names, post.pattern if post is not None else None, lists)
    memo = _memo_of(facts)
    if key in memo:
        return memo[key]
    found = facts.condition(*names)
    negated: Fact | None = None
    view = facts
    text = facts.text
    for _ in range(_MAX_RETRIES):
        if found is None or found.value is not True:
            break
        ev = found.evidence
        if ev.start is None or ev.end is None:
            break
        if (
            not is_hedged(text, ev.start, ev.end)
            and not (post is not None and post.search(text[ev.end : ev.end + 90]))
            and not (lists and in_negated_list(text, ev.start))
        ):
            break
        why = "only feared or excluded" if is_hedged(text, ev.start, ev.end) else "negated"
        negated = negated or Fact(value=False, evidence=ev.model_copy(update={"note": why}))
        # mask the hedged mention (same length: later spans stay valid) and look again
        text = text[: ev.start] + " " * (ev.end - ev.start) + text[ev.end :]
        view = NoteFacts(text)
        found = view.condition(*names)
    else:
        found = None
    if found is not None and found.value is True and view is not facts:
        found = Fact(
            value=True,
            evidence=found.evidence.model_copy(
                update={"text": facts.text[found.evidence.start : found.evidence.end]}
            ),
        )
    result = found if (found is not None and found.value is True) else (found or negated)
    memo[key] = result
    return result


def hypertension_history(facts: NoteFacts, names: tuple[str, ...]) -> Fact | None:
    """Hypertension as a diagnosis: ``names`` (the hypertension synonyms) affirmed, skipping
    feared/excluded mentions and transient, drug- or procedure-induced blood-pressure rises."""
    return unhedged_condition(facts, *names, post=_REACTIVE_POST)


HEART_HISTORY_LEVELS = ("slightly suspicious", "moderately suspicious", "highly suspicious")

#: the specific (anginal) elements of the HEART score's history item (Six 2008, Backus 2010):
#: retrosternal location, pressure-like character, radiation to arm/jaw/neck/shoulder,
#: provoked by exertion, diaphoresis, nausea/vomiting, relief by nitrates
_ANGINAL_FEATURES: dict[str, tuple[str, ...]] = {
    "retrosternal": (
        r"(?:retro|sub|mid)[- ]?sternal",
        r"central chest (?:pain|discomfort|pressure)",
    ),
    "pressure-like": (
        r"pressure[- ]like",
        r"chest (?:pressure|heaviness|tightness)",
        r"heaviness",
        r"oppressive",
        r"crushing",
        r"squeezing",
        r"constricti(?:ng|ve)",
        r"(?:tight|heavy) (?:chest )?(?:pain|sensation|feeling)",
    ),
    "radiation": (
        r"radiat\w{0,5} (?:to|into|down|towards?) (?:the |his |her |both )?(?:left |right |bilateral )?"
        r"(?:arms?|jaw|neck|shoulders?|back)",
    ),
    "exertional": (
        r"exertional (?:chest )?(?:pain|discomfort|angina|pressure|tightness)",
        r"(?:pain|discomfort|angina|pressure|heaviness|tightness)[^.;\n]{0,80}?"
        r"\b(?:on|with|during|upon|by) (?:exertion|exercise|physical activity|walking)",
    ),
    "diaphoresis": (r"diaphore\w{0,5}", r"sweating", r"sweaty", r"clammy"),
    "nausea/vomiting": (r"nause\w{0,5}", r"vomit\w{0,5}"),
    "nitrate relief": (
        r"(?:reliev|improv|resolv)\w{0,3} (?:by|with|after) (?:sublingual |SL )?(?:nitro\w{0,8}|nitrates?|GTN)",
        r"(?:nitro\w{0,8}|nitrates?|GTN) (?:reliev|improv|resolv)\w{0,3}",
    ),
}
_TYPICAL = (r"typical (?:angina|chest pain)", r"anginal (?:chest )?pain")
#: non-specific elements (Backus 2010): pain that is sharp or stabbing, pleuritic, positional,
#: reproduced by palpation or movement, lasting hours, or not relieved by nitrates; their
#: presence beside specific elements makes the history "mixed" (moderately suspicious)
_NONSPECIFIC_FEATURES: tuple[str, ...] = (
    r"(?:felt |feels |was |is )?(?:sharp|stabbing|knife-like)(?: in (?:nature|character|quality))?",
    r"pleuritic",
    r"positional",
    r"(?:reproduc\w{0,5}|elicited|worse\w{0,2}) (?:by|with|on|upon) (?:palpation|movement|range of motion|pressing|breathing)",
    r"(?:pain|tenderness) (?:was |is )?elicited (?:by|with|on) (?:palpation|range of motion|movement)",
    r"elicited pain with range of motion",
    r"last(?:ed|ing|s) (?:for )?(?:several|many|a few|\d+) hours",
    r"(?:not|never|did not|didn't) (?:been )?(?:reliev\w{0,3}|improv\w{0,3}|respond\w{0,3})[^.;]{0,20}?(?:by|with|to)? ?(?:sublingual |SL )?(?:nitro\w{0,8}|nitrates?|GTN)",
    r"(?:nitro\w{0,8}|nitrates?|GTN) did not (?:relieve|improve|help)",
)


def heart_history(facts: NoteFacts) -> Fact | None:
    """The HEART history item from the anginal elements the note affirms.

    Three or more specific elements -> highly suspicious; one or two (or pain called typical
    angina) -> moderately suspicious; none -> ``None`` (the score's default applies)."""
    key = ("score_cues.heart_history",)
    memo = _memo_of(facts)
    if key in memo:
        return memo[key]
    found: list[tuple[str, Fact]] = []
    for label, patterns in _ANGINAL_FEATURES.items():
        f = facts.condition(*patterns)
        if f is not None and f.value is True:
            found.append((label, f))
    result: Fact | None = None
    nonspecific = facts.condition(*_NONSPECIFIC_FEATURES)
    mixed = nonspecific is not None and nonspecific.value is True
    if len(found) >= 3 and not mixed:
        level = HEART_HISTORY_LEVELS[2]
    elif found:
        level = HEART_HISTORY_LEVELS[1]
    else:
        typical = facts.condition(*_TYPICAL)
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
    memo[key] = result
    return result
