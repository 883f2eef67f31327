"""Medication status cues around a mention (started, stopped, held, continued, changed)."""

from __future__ import annotations

import re

from medassist.text.medications.dose import _NUM, _WS, _line_start
from medassist.text.medications.sig_terms import _POST_HINTS, _PUNCT

# --- status ------------------------------------------------------------------------------------

_PATIENT = r"(?:\s+(?:him|her|them|the\s+patient|patient|pt))?"
_STATUS_CUES: list[tuple[str, str]] = [
    (
        "stopped",
        r"\bstopped\s+taking\b|\bno\s+longer\s+(?:on|taking|takes)\b|\btaken\s+off(?:\s+of)?\b|\bcame\s+off(?:\s+of)?\b",
    ),
    (
        "started",
        r"\b(?:was\s+|were\s+|been\s+|be\s+)?(?:re)?start(?:ed|ing|s)?"
        + _PATIENT
        + r"(?:\s+back)?(?:\s+on)?\b",
    ),
    (
        "started",
        r"\binitiat(?:ed|e|ing)"
        + _PATIENT
        + r"(?:\s+on)?\b|\bbegun(?:\s+on)?\b|\bbegan\b|\bbegin(?:ning)?(?:\s+on)?\b|\bcommenc(?:ed|e)\b",
    ),
    (
        "started",
        r"\b(?:placed|put)"
        + _PATIENT
        + r"\s+on\b|\badd(?:ed)?\b|\bprescribed\b|\bnew(?:ly)?(?:\s+started)?\b|\bloaded\s+with\b|\btrial\s+of\b",
    ),
    (
        "stopped",
        r"\bstop(?:ped|ping|s)?\b|\bdiscontinu(?:ed|e|es|ing)\b|\bd/c(?:'?d|ed)?\b|\bdc(?:'?d|ed)\b|\bquit\b|\bceased?\b",
    ),
    ("held", r"\bhold(?:ing|s)?\b|\bheld\b|\bwithh(?:eld|old(?:ing)?)\b"),
    (
        "continued",
        r"\bcontinu(?:e|ed|es|ing)(?:\s+on)?\b|\bresum(?:e|ed|ing)\b|\b(?:maintained|remains?|remained|stay(?:s|ed)?|kept)\s+on\b",
    ),
    (
        "changed",
        r"\b(?:increas|decreas|titrat|reduc|chang|tapered?|wean)(?:e|ed|es|ing)?\b|\btaper(?:ing)?\b|\bswitch(?:ed|ing)?(?:\s+to)?\b|\b(?:up|down)[- ]?titrat\w*|\bdoubled?\b|\bhalved?\b",
    ),
    (
        "active",
        r"\b(?:takes|taking|take|took|uses|using)\b|\b(?:currently|still|is|was|already|been)\s+on\b",
    ),
    ("active_on", r"\bon\b"),
    ("stopped_off", r"\boff(?:\s+of)?\b"),
]
_STATUS = re.compile(
    _WS + "(?:" + "|".join(f"(?P<s{i}>{p})" for i, (_, p) in enumerate(_STATUS_CUES)) + ")",
    re.IGNORECASE,
)
#: cues that count only right before the drug ("on his aspirin", "off warfarin")
_STATUS_ALIAS = {"active_on": "active", "stopped_off": "stopped"}
_STATUS_KIND = {f"s{i}": kind for i, (kind, _) in enumerate(_STATUS_CUES)}
#: between an "on" cue and the drug only these words may stand: "on his home aspirin"
_ON_GAP = re.compile(
    r"^\s*(?:(?:his|her|their|home|a|an|the|chronic|low[- ]dose|high[- ]dose|daily|oral|po|iv|"
    r"subcutaneous|sq|sc|inhaled|prophylactic|therapeutic|full[- ]dose|baby|maintenance)\s+)*$",
    re.IGNORECASE,
)
_POST_STATUS = re.compile(
    _WS + r"(?P<aux>(?:was|were|is|are|has\s+been|have\s+been|had\s+been|been|being|be|got|get)"
    r"(?:\s+(?:then|now|also|subsequently|recently|since|later))?\s+)?"
    r"(?P<cue>started|initiated|begun|restarted|stopped|discontinued|d/c'?d|dc'?d|held|"
    r"continued|resumed|increased|decreased|changed|titrated|tapered|reduced|switched|adjusted|"
    r"added|weaned)\b"
    # an imperative after a separator, as plans write it: "Aspirin - stop", "Metformin: hold"
    r"|(?<=[-:(–]\s)(?P<imp>stop|discontinue|d/c|dc|hold|continue|resume|start|restart|"
    r"increase|decrease|reduce|wean|taper|cease|withhold)\b"
    r"|(?<=[-:(–])(?P<imp2>stop|discontinue|d/c|dc|hold|continue|resume|start|restart|"
    r"increase|decrease|reduce|wean|taper|cease|withhold)\b",
    re.IGNORECASE,
)
_IMPERATIVE_KIND = {
    "stop": "stopped",
    "discontinue": "stopped",
    "d/c": "stopped",
    "dc": "stopped",
    "cease": "stopped",
    "hold": "held",
    "withhold": "held",
    "continue": "continued",
    "resume": "continued",
    "start": "started",
    "restart": "started",
}
_WHICH = re.compile(r",\s*(?:which|that)\s+$", re.IGNORECASE)
#: a bare participle must follow the name or its dose directly: "Lasix 40 mg held"
_BARE_PREFIX = re.compile(
    r"^\s*(?:" + _NUM + r"\s*[a-z%/]{0,8}(?:\s+[a-z.]{1,8}){0,3}\s*)?[-:,(–]?\s*$",
    re.IGNORECASE,
)
_POST_KIND = {
    "started": "started",
    "initiated": "started",
    "begun": "started",
    "restarted": "started",
    "added": "started",
    "stopped": "stopped",
    "discontinued": "stopped",
    "held": "held",
    "continued": "continued",
    "resumed": "continued",
}

#: a clause ends at ";" or at a period that is not part of an abbreviation (p.o., b.i.d., Dr.)
_CLAUSE_END = re.compile(
    r";|\.(?<![A-Za-z]\.[A-Za-z]\.)(?<!\b[A-Za-z]\.)(?<!\bDr\.)(?<!\bmg\.)(?<!\bvs\.)"
    r"(?=\s+[A-Z(\d]|\s*$|,\s*[A-Z\d])"  # ".,Next" / ".,2." : MTSamples line joins
)


#: an inline medication-list label at the start of the line ("Meds: ...", "Home medications: ...")
_MED_LABEL = re.compile(
    r"\s*(?:(?:current|home|outpatient|admission|discharge|active|daily)\s+)?"
    r"(?:meds|medications|medicines|medication\s+list|rx)\s*:",
    re.IGNORECASE,
)


def _status_before(back: str) -> str | None:
    best: tuple[int, str] | None = None
    for match in _STATUS.finditer(back):
        kind = _STATUS_KIND[match.lastgroup or ""]
        if kind in _STATUS_ALIAS and not _ON_GAP.match(back[match.end() :]):
            continue
        if kind == "active" and len(back) - match.end() > 25:
            continue
        best = (match.end(), _STATUS_ALIAS.get(kind, kind))
    if best is None:
        return None
    end, kind = best
    if len(back) - end > 45:
        return None
    return kind


def _status_after(after: str, next_is_drug: bool) -> tuple[str | None, bool]:
    """(status, strong): strong when written with an auxiliary ("was stopped")."""
    lowered = after.lower()
    if not _POST_HINTS.search(lowered):
        return None, False
    match = _POST_STATUS.search(after)
    if match is None:
        return None, False
    imperative = match.group("imp") or match.group("imp2")
    if imperative is not None:
        if not _BARE_PREFIX.match(after[: match.start()]):
            return None, False
        return _IMPERATIVE_KIND.get(imperative.lower(), "changed"), False
    cue = match.group("cue").lower()
    kind = "stopped" if cue.startswith(("d/c", "dc")) else _POST_KIND.get(cue, "changed")
    prefix = after[: match.start()]
    if match.group("aux"):
        # "lisinopril 10 mg was stopped", "Coumadin, which was discontinued"
        if len(prefix) > 45 or ("," in prefix and not _WHICH.search(prefix)):
            return None, False
        return kind, True
    if not _BARE_PREFIX.match(prefix):
        return None, False  # "Versed 3 mg IV was given in a titrated fashion"
    tail = after[match.end() :]
    if next_is_drug and not _PUNCT.search(tail):
        return None, False  # "started aspirin, stopped metoprolol": the cue belongs to the next
    return kind, False


#: an allergy cue before a drug in the same clause: "allergic to penicillin", "Allergies: sulfa,
#: codeine" (a label at the start of the line), "penicillin allergy" is handled by context
_ALLERGY_CUE = re.compile(
    r"(?:\b(?:allergic|allergy|allergies|hypersensitivity|anaphylaxis)\s+(?:to|with)\b"
    r"|^[ \t]*(?:drug\s+)?(?:allerg(?:y|ies)|ADRs?)\s*[:\-])"
    r"[^.;\n]*$",
    re.IGNORECASE | re.MULTILINE,
)


#: a new clause between the allergy cue and the drug: "allergic to penicillin and takes aspirin"
_ALLERGY_BREAK = re.compile(
    r"\b(?:but|takes?|taking|took|on|uses?|using|started|starts?|receiv\w*|continu\w*|"
    r"prescribed|given|is|was|are|were|has|had|tolerat\w*|denies|no\s+other)\b",
    re.IGNORECASE,
)


def _allergy_cue_before(text: str, start: int) -> bool:
    cue = _ALLERGY_CUE.search(text, _line_start(text, start, 200), start)
    if cue is None:
        return False
    gap = cue.group(0)
    head = re.match(r"[^:\-]*[:\-]|\S+\s+\S+", gap)
    return not _ALLERGY_BREAK.search(gap, head.end() if head else 0)
