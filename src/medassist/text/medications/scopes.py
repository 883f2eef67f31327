"""Medication status that reaches over several mentions: list labels, exceptions, switches.

The cues in :mod:`.status` look at the words right around one mention. Three written forms
give a status to mentions further away, and override those local cues:

* **a status label over a list**: "Stopped: lisinopril 20 mg daily, amlodipine 5 mg daily",
  "Medications discontinued: ...", or a label line ("Held medications:") over the list items
  of the lines below it (up to a blank line or the next label/heading): every item takes the
  label's status;
* **an exception carved out of a scope**: "Continue home medications except metformin",
  "Resume all meds other than warfarin and lisinopril", "Stop all medications except
  aspirin": the drugs after the exception word, to the end of the clause, take the opposite
  of the cue (continue/resume -> held; stop/discontinue/hold -> continued);
* **a switch**: "switched from lisinopril to losartan", "lisinopril was changed to losartan",
  "replaced warfarin with apixaban": the drug left is stopped, the drug taken up is started.

Status words come from :data:`LABEL_STATUS` and the cue patterns below (mechanism, not
vocabulary: the words are the English of medication reconciliation).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from medassist.schemas.text import Entity

__all__ = ["LABEL_STATUS", "status_overrides"]

#: label word -> status
LABEL_STATUS: dict[str, str] = {
    "stopped": "stopped",
    "stop": "stopped",
    "discontinued": "stopped",
    "discontinue": "stopped",
    "d/c": "stopped",
    "d/c'd": "stopped",
    "ceased": "stopped",
    "held": "held",
    "hold": "held",
    "on hold": "held",
    "withheld": "held",
    "started": "started",
    "start": "started",
    "new": "started",
    "added": "started",
    "initiated": "started",
    "changed": "changed",
    "adjusted": "changed",
    "modified": "changed",
    "continued": "continued",
    "continue": "continued",
    "resumed": "continued",
    "resume": "continued",
    "unchanged": "continued",
}
_LABEL_WORDS = "|".join(
    re.escape(w).replace(r"\ ", r"\s+") for w in sorted(LABEL_STATUS, key=len, reverse=True)
)
_MEDS = r"(?:medications?|meds|medicines|drugs|prescriptions|rx)"
#: "Stopped:", "Stopped medications:", "Medications stopped:", "- Discontinued meds:"
_LABEL = re.compile(
    r"^[ \t]*(?:[-*•]\s*)?(?:(?:home|current|outpatient|inpatient|discharge)\s+)?"
    r"(?:" + _MEDS + r"\s+(?:that\s+were\s+|to\s+be\s+)?(?P<a>" + _LABEL_WORDS + r")"
    r"|(?P<b>" + _LABEL_WORDS + r")(?:\s+(?:home\s+)?" + _MEDS + r")?)"
    r"[ \t]*(?::|-(?=\s))",
    re.IGNORECASE | re.MULTILINE,
)
#: a list item line under a label line
_ITEM_LINE = re.compile(r"^[ \t]*(?:[-*•]|\d{1,2}[.)]|[A-Za-z][\w-]*)")
_HEADING_LINE = re.compile(r"^[ \t]*[A-Za-z][^:\n]{0,40}:", re.MULTILINE)

#: an exception word (searched first, in lower-cased text: cheap), then its cue before it
_EXCEPT_WORD = re.compile(
    r"\b(?:except(?:\s+for)?|other\s+than|apart\s+from|excluding|exclusive\s+of|"
    r"with\s+the\s+exception\s+of|but\s+not|besides|save\s+for|aside\s+from)\b"
)
#: substrings every exception word contains (a cheap test before the pattern runs)
_EXCEPT_LITERALS = (
    "except",
    "other than",
    "apart from",
    "exclu",
    "but not",
    "besides",
    "save for",
    "aside from",
)
_EXCEPT_CUE = re.compile(
    r"\b(?P<cue>continu\w*|resum\w*|restart\w*|stop\w*|discontinu\w*|hold\w*|held|d/c\w*|"
    r"cease\w*|withh\w*)\b(?:\s+[\w/-]+){0,6}?\s*,?\s*$",
    re.IGNORECASE,
)
_CLAUSE_STOP = re.compile(r"[.;\n]|\bbut\b(?!\s+not)|\bwhich\b", re.IGNORECASE)

_SWITCH_VERB = r"(?:switch\w*|chang\w*|convert\w*|transition\w*|transferr?\w*|mov(?:e|ed|ing))"
_SWITCH_FROM = re.compile(_SWITCH_VERB + r"(?:\s+\w+){0,3}?\s+from\s+", re.IGNORECASE)
_TO = re.compile(r"\s(?:to|onto|over\s+to)\s", re.IGNORECASE)
_SWITCH_TO = re.compile(
    r"^\s*(?:[^.;\n]{0,40}?\s)?(?:was|were|is|has\s+been|had\s+been|been)\s+"
    + _SWITCH_VERB
    + r"\s+(?:over\s+)?to\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_REPLACE = re.compile(r"\b(?:replac\w*|substitut\w*|exchang\w*)\s+(?:\w+\s+){0,2}?$", re.IGNORECASE)
_REPLACE_WITH = re.compile(r"^\s*(?:[^.;\n]{0,30}?\s)?(?:with|by|for)\s+(?:\w+\s+){0,2}$")


def _invert(cue: str) -> str:
    cue = cue.lower()
    if cue.startswith(("continu", "resum", "restart")):
        return "held"
    return "continued"


def _label_scopes(text: str) -> list[tuple[int, int, str]]:
    """(start, end, status) of every status label's reach."""
    out: list[tuple[int, int, str]] = []
    for match in _LABEL.finditer(text):
        word = re.sub(r"\s+", " ", (match.group("a") or match.group("b")).lower())
        status = LABEL_STATUS[word]
        line_end = text.find("\n", match.end())
        line_end = len(text) if line_end < 0 else line_end
        if text[match.end() : line_end].strip():
            # inline list: to the end of the line or of the sentence
            stop = re.search(r"\.(?=\s+[A-Z])|\.$", text[match.end() : line_end])
            out.append((match.end(), match.end() + stop.start() if stop else line_end, status))
            continue
        # a label line: the list items of the lines below it
        end = line_end
        pos = line_end + 1
        while pos < len(text):
            nxt = text.find("\n", pos)
            nxt = len(text) if nxt < 0 else nxt
            line = text[pos:nxt]
            if not line.strip() or _LABEL.match(line) or _HEADING_LINE.match(line):
                break
            if not _ITEM_LINE.match(line):
                break
            end = nxt
            pos = nxt + 1
        if end > line_end:
            out.append((line_end, end, status))
    return out


def _exception_scopes(text: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    lowered = text.lower()
    if not any(literal in lowered for literal in _EXCEPT_LITERALS):
        return out
    for word in _EXCEPT_WORD.finditer(lowered):
        cue = _EXCEPT_CUE.search(text, max(0, word.start() - 80), word.start())
        if cue is None:
            continue
        start = word.end()
        stop = _CLAUSE_STOP.search(text, start, min(len(text), start + 200))
        end = stop.start() if stop else min(len(text), start + 200)
        out.append((start, end, _invert(cue.group("cue"))))
    return out


def _switches(text: str, mentions: Sequence[Entity]) -> dict[int, str]:
    out: dict[int, str] = {}
    for i, mention in enumerate(mentions):
        if i + 1 >= len(mentions):
            break
        nxt = mentions[i + 1]
        between = text[mention.end : nxt.start]
        if len(between) > 60 or re.search(r"[.;\n]", between):
            continue
        before = text[max(0, mention.start - 60) : mention.start]
        from_cue = _SWITCH_FROM.search(before)
        if from_cue is not None and from_cue.end() == len(before) and _TO.search(between + " "):
            # "switched from lisinopril to losartan"
            out[i], out[i + 1] = "stopped", "started"
        elif _SWITCH_TO.match(between):
            # "lisinopril was changed to losartan"
            out[i], out[i + 1] = "stopped", "started"
        elif _REPLACE.search(before) and _REPLACE_WITH.match(between):
            # "replaced warfarin with apixaban"
            out[i], out[i + 1] = "stopped", "started"
    return out


def status_overrides(text: str, mentions: Sequence[Entity]) -> dict[int, str]:
    """Index in ``mentions`` (sorted, non-overlapping) -> status from a scope over it."""
    out: dict[int, str] = {}
    if not mentions:
        return out
    scopes = _label_scopes(text) + _exception_scopes(text)
    if scopes:
        # one sweep (mentions are sorted): a stack of the scopes opened so far; the latest one
        # opened that has not ended covers the mention
        scopes.sort()
        stack: list[tuple[int, int, str]] = []
        k = 0
        for i, mention in enumerate(mentions):
            while k < len(scopes) and scopes[k][0] <= mention.start:
                stack.append(scopes[k])
                k += 1
            while stack and stack[-1][1] <= mention.start:
                stack.pop()
            if stack:
                out[i] = stack[-1][2]
    out.update(_switches(text, mentions))
    return out
