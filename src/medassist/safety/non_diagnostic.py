"""Layer 3, non-diagnostic language: no output states a diagnosis or gives an order.

:func:`enforce_non_diagnostic` rewrites definitive diagnostic statements ("the patient has
pneumonia", "diagnosis: MI", "this confirms sepsis", "rules out PE", "consistent with a
stroke") into assistive phrasing ("findings that may warrant clinician evaluation for
pneumonia", "the note documents a diagnosis of MI", "clinician evaluation is needed before
excluding PE"), and prescriptive ones ("start amoxicillin 500 mg", "you should take ...",
"give 2 mg morphine", "discontinue metoprolol") into "a clinician may consider whether to
...". Sentences that report the note ("The note documents a history of COPD", "Reported
symptoms: cough") are left unchanged. A clause that still carries definitive wording after
rewriting is removed. Rules: ``data/diagnostic_patterns.json``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from medassist.safety.models import SafeText
from medassist.schemas.common import Severity, Span
from medassist.schemas.safety import Finding

__all__ = ["enforce_non_diagnostic", "is_definitive", "segments"]

# sentence / list-item / clause boundaries: the separator stays with the text before it
_SEGMENT = re.compile(
    r"(?:[ \t]*\d{1,2}[.)][ \t]+)?(?:[^\n.;!?]|[.!?](?=\d))*(?:[.!?]+(?!\d)|;|\n|$)"
)
_PLACEHOLDER = "<X>"


@dataclass(frozen=True)
class _Rule:
    id: str
    kind: str
    template: str
    regex: re.Pattern[str]
    requires: re.Pattern[str] | None  # a cheap pre-check: the rule cannot match without it


@dataclass(frozen=True)
class _Rules:
    rules: tuple[_Rule, ...]
    exempt: tuple[re.Pattern[str], ...]
    residual: tuple[re.Pattern[str], ...]
    cleanup: tuple[tuple[re.Pattern[str], str], ...]


@lru_cache(maxsize=1)
def _load() -> _Rules:
    raw = (
        resources.files("medassist.safety")
        .joinpath("data/diagnostic_patterns.json")
        .read_text("utf-8")
    )
    spec = json.loads(raw)
    obj = spec["object"]
    flags = re.IGNORECASE
    rules = tuple(
        _Rule(
            r["id"],
            r["kind"],
            r["template"],
            re.compile(r["regex"].replace(_PLACEHOLDER, obj), flags),
            re.compile(r["requires"], flags) if r.get("requires") else None,
        )
        for r in spec["rules"]
    )
    return _Rules(
        rules=rules,
        exempt=tuple(re.compile(p, flags) for p in spec["exempt"]),
        residual=tuple(re.compile(p, flags) for p in spec["residual"]),
        cleanup=tuple((re.compile(p, flags), rep) for p, rep in spec["cleanup"]),
    )


def segments(text: str) -> list[tuple[int, int]]:
    out = []
    for m in _SEGMENT.finditer(text):
        if m.end() > m.start():
            out.append((m.start(), m.end()))
    return out


def _is_exempt(body: str) -> bool:
    return any(p.search(body) for p in _load().exempt)


def is_definitive(sentence: str) -> bool:
    """True when ``sentence`` still states a diagnosis or an order (and does not report the note)."""
    body = sentence.strip()
    if not body or _is_exempt(body):
        return False
    rules = _load()
    if any(p.search(body) for p in rules.residual):
        return True
    return any(
        (r.requires is None or r.requires.search(body)) and r.regex.search(body)
        for r in rules.rules
    )


def _fill(rule: _Rule, m: re.Match[str]) -> str:
    groups = {k: (v or "") for k, v in m.groupdict().items()}
    x = groups.get("x", "").strip()
    x = re.sub(r"^(?:the\s+diagnosis\s+of|a\s+diagnosis\s+of)\s+", "", x, flags=re.IGNORECASE)
    for pat, rep in _load().cleanup:
        x = pat.sub(rep, x)
    pre = groups.get("pre", "")
    if rule.id == "rule_out" and _NEGATED_EXCLUSION.search(pre):
        return m.group(0)  # "cannot be used to exclude PE" states a limit, not a conclusion
    if (
        rule.id == "relational"
        and not groups.get("cop")
        and pre.strip()
        and not _GENERIC_SUBJECT.match(pre)
    ):
        head = pre.rstrip(" ,")
        if re.search(
            r"[A-Za-z)]$", head
        ):  # "pattern consistent with X" -> "pattern that may warrant ..."
            return f"{head} that may warrant clinician evaluation for {x}"
    if rule.id in ("relational", "rule_out"):
        pre = _clean_pre(pre)
    out = rule.template.format(
        pre=pre,
        x=x,
        verb=(groups.get("verb") or "").lower(),
        clause=_lower_first(groups.get("clause", "").strip()),
    )
    return out


_GENERIC_SUBJECT = re.compile(
    r"^\W*(?:(?:the|these|this|all|overall|clinical|her|his|their)\s+)*(?:findings?|picture|presentation|"
    r"symptoms?|features?|signs?|results?|it|this|that|which|these|overall|everything|story|history|"
    r"clinical\s+picture|constellation(?:\s+of\s+\w+)?)?\s*$",
    re.IGNORECASE,
)


_NEGATED_EXCLUSION = re.compile(
    r"\b(?:not|cannot|can't|never|unable|insufficient|inadequate)\b(?:\s+\w+){0,4}\s*$",
    re.IGNORECASE,
)


def _clean_pre(pre: str) -> str:
    """The text before a relational trigger: kept when it says something (``CT chest: ``)."""
    if _GENERIC_SUBJECT.match(pre):
        lead = re.match(r"^\W*", pre)
        return lead.group(0) if lead else ""
    stripped = pre.rstrip(" ,-–:")
    return stripped + ": " if stripped.strip() else pre


def _lower_first(s: str) -> str:
    if len(s) > 1 and s[0].isupper() and not s[1].isupper():
        return s[0].lower() + s[1:]
    return s


def _capitalise(seg: str) -> str:
    m = re.match(r"^(\W*)([a-z])", seg)
    if m:
        return seg[: m.start(2)] + m.group(2).upper() + seg[m.end(2) :]
    return seg


def enforce_non_diagnostic(text: str, *, target: str = "generated") -> SafeText:
    """Rewrite diagnostic/prescriptive statements of ``text`` into assistive phrasing.

    Returns :class:`SafeText`; each finding (layer ``non_diagnostic``) has code
    ``diagnostic_statement`` or ``prescriptive_statement``, the span of the original
    statement in ``text`` and action ``rewritten`` or ``removed``.
    """
    if not text or not text.strip():
        return SafeText(text=text)
    rules = _load()
    out: list[str] = []
    findings: list[Finding] = []
    for s0, s1 in segments(text):
        seg = text[s0:s1]
        body = seg.rstrip("\n.;!? ")
        tail = seg[len(body) :]
        if not body.strip() or _is_exempt(body):
            out.append(seg)
            continue
        new_body = body
        fired: list[_Rule] = []
        for _ in range(3):  # a clause may carry two statements ("Dx: MI, start aspirin")
            for rule in rules.rules:
                if rule.requires is not None and not rule.requires.search(new_body):
                    continue
                m = rule.regex.search(new_body)
                if m is None:
                    continue
                replacement = _fill(rule, m)
                candidate = new_body[: m.start()] + replacement + new_body[m.end() :]
                if candidate == new_body:
                    continue
                new_body = candidate
                fired.append(rule)
                break
            else:
                break
            if _is_exempt(new_body) and not any(
                p.search(_strip_exempt(new_body)) for p in rules.residual
            ):
                break
        action = "rewritten"
        if fired or any(p.search(body) for p in rules.residual):
            kind = fired[0].kind if fired else "diagnostic"
            if _still_definitive(new_body):
                new_body, tail, action = "", "", "removed"
            new_body = _capitalise(new_body) if new_body and _first_alpha_upper(body) else new_body
            findings.append(
                Finding(
                    layer="non_diagnostic",
                    code=f"{kind}_statement",
                    message=(
                        f"{kind} wording {action}"
                        + (f" (rule {', '.join(r.id for r in fired)})" if fired else "")
                    ),
                    severity=Severity.warning,
                    span=Span(start=s0 + len(body) - len(body.lstrip()), end=s0 + len(body)),
                    target=target,
                    action=action,
                )
            )
            out.append(new_body + tail if action == "rewritten" else _removed_tail(seg))
        else:
            out.append(seg)
    return SafeText(text="".join(out), findings=findings)


_OWN = re.compile(
    r"(?:the\s+note\s+documents\s+a\s+(?:diagnosis|history)\s+of|findings\s+that\s+may\s+warrant\s+clinician\s+"
    r"evaluation\s+for|clinician\s+evaluation\s+is\s+needed\s+before\s+excluding|a\s+clinician\s+may\s+"
    r"consider(?:\s+whether)?)",
    re.IGNORECASE,
)


def _strip_exempt(body: str) -> str:
    return _OWN.sub(" ", body)


def _still_definitive(body: str) -> bool:
    """After rewriting: definitive wording left outside our own assistive phrases."""
    rest = _strip_exempt(body)
    rules = _load()
    if not _OWN.search(body) and _is_exempt(body):
        return False
    return any(
        p.search(rest) for p in rules.residual if not p.pattern.startswith(r"\bdiagnos")
    ) or bool(
        re.search(r"\bdiagnos(?:is|es|ed|e|ing|tic)\b", rest, re.IGNORECASE)
        and not re.search(r"documents\s+a\s+diagnosis", body, re.IGNORECASE)
    )


def _first_alpha_upper(s: str) -> bool:
    m = re.search(r"[A-Za-z]", s)
    return bool(m and m.group(0).isupper())


def _removed_tail(seg: str) -> str:
    # keep the line structure when a whole line goes
    return "\n" if seg.endswith("\n") else ""
