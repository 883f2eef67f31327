"""Layer 3, non-diagnostic language: no output states a diagnosis or gives an order.

:func:`enforce_non_diagnostic` rewrites definitive diagnostic statements ("the patient has
pneumonia", "diagnosis: MI", "this confirms sepsis", "rules out PE", "consistent with a
stroke") into assistive phrasing ("findings that may warrant clinician evaluation for
pneumonia", "the note documents a diagnosis of MI", "clinician evaluation is needed before
excluding PE"). The forms model outputs take are covered too: an image said to show a
diagnosis ("the chest radiograph demonstrates pneumonia"), a finding equated with a
diagnosis ("the opacity is pneumonia"), diagnoses addressed to the patient ("you have
diabetes", "your X-ray shows a fracture"), and the items of report blocks under a diagnostic
heading ("Impression:" then "1. Right lower lobe pneumonia"). What is a diagnosis and what is
a finding comes from :mod:`.clinical_terms`.

A statement that orders or suggests a treatment (a drug, a dose or a treatment such as
"start amoxicillin 500 mg", "these findings warrant antibiotics", "consider IV antibiotics",
a bare "Furosemide 40 mg IV stat" line or a treatment item under "Plan:") is **removed** and
reported (finding ``prescriptive_statement``, action ``removed``, with its span and the rule,
never its text); it is never softened into a suggestion. Other directives (what to review,
re-measure or document, an investigation) become "a clinician may consider whether to ...".
Sentences that report the note ("The note documents a history of COPD", "Reported
symptoms: cough") are left unchanged, and so are definitive verbs under a negation ("an X-ray
alone cannot confirm or exclude pneumonia"). A clause that still carries definitive wording
after rewriting is removed. Rules: ``data/diagnostic_patterns.json``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from medassist.errors import ConfigurationError
from medassist.safety.clinical_terms import (
    DOSE,
    affirmed_diagnosis,
    has_treatment,
    heading_kind,
    starts_with_treatment,
    suggests_treatment,
)
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
    needs: (
        str | None
    )  # "diagnosis": the object must name an affirmed diagnosis; "diagnosis_head": in its first words
    hedge_ok: (
        bool  # a modal right before the trigger ("may represent") makes it a hedged observation
    )


@dataclass(frozen=True)
class _Rules:
    rules: tuple[_Rule, ...]
    exempt: tuple[re.Pattern[str], ...]
    residual: tuple[re.Pattern[str], ...]
    cleanup: tuple[tuple[re.Pattern[str], str], ...]
    own: re.Pattern[str]  # this layer's own assistive phrases
    negated: re.Pattern[str]  # definitive verbs under a negation: masked before the rules run


_SPEC_KEYS = {"_meta", "object", "exempt", "rules", "cleanup", "residual", "own", "negated"}
_RULE_KEYS = {"id", "kind", "template", "regex", "requires", "needs", "hedge_ok"}
_NEEDS = {None, "diagnosis", "diagnosis_head"}


@lru_cache(maxsize=1)
def _load() -> _Rules:
    raw = (
        resources.files("medassist.safety")
        .joinpath("data/diagnostic_patterns.json")
        .read_text("utf-8")
    )
    spec = json.loads(raw)
    bad = set(spec) ^ _SPEC_KEYS
    bad |= {f"{r.get('id')}.{k}" for r in spec.get("rules", []) for k in set(r) - _RULE_KEYS}
    bad |= {f"{r.get('id')}.needs" for r in spec.get("rules", []) if r.get("needs") not in _NEEDS}
    if bad:
        raise ConfigurationError(f"diagnostic_patterns.json: unknown or missing keys {sorted(bad)}")
    obj = spec["object"]
    flags = re.IGNORECASE
    rules = tuple(
        _Rule(
            r["id"],
            r["kind"],
            r["template"],
            re.compile(r["regex"].replace(_PLACEHOLDER, obj), flags),
            re.compile(r["requires"], flags) if r.get("requires") else None,
            r.get("needs"),
            bool(r.get("hedge_ok")),
        )
        for r in spec["rules"]
    )
    return _Rules(
        rules=rules,
        exempt=tuple(re.compile(p, flags) for p in spec["exempt"]),
        residual=tuple(re.compile(p, flags) for p in spec["residual"]),
        cleanup=tuple((re.compile(p, flags), rep) for p, rep in spec["cleanup"]),
        own=re.compile(spec["own"], flags),
        negated=re.compile(spec["negated"], flags),
    )


_AS_NEEDED = re.compile(r"\b(?:as|when|if)\s+(?:needed|required|necessary)\b", re.IGNORECASE)
_LEAD = re.compile(r"^\W*(?:[-*•]\s*|\d{1,2}[.)]\s*)?", re.IGNORECASE)
_ORDER_LEAD = re.compile(
    r"(?:(?:iv|oral|po|urgent|urgently|empirical|empiric|immediate|a\s+course\s+of|course\s+of|"
    r"stat|then|and)\s+)*",
    re.IGNORECASE,
)
_ORDER_MARK = re.compile(
    r"\b(?:stat|now|immediately|at\s+once|tonight|via|loading|bolus|x\s*\d+|for\s+\d+\s+(?:days?|weeks?|hours?)|"
    r"then|plus|in\s+\d+\s+divided)\b|\d\s*(?:ml/h|l/min|mg/kg)",
    re.IGNORECASE,
)
_ALLERGY = re.compile(r"\b(?:allerg|intoleran|reaction|sensitivit)", re.IGNORECASE)
_HEADING_LINE = re.compile(r"^\W*(?:\d{1,2}[.)]\s*)?(?P<label>[A-Za-z][\w /'-]{0,40}?)\s*:\s*$")
_INLINE_HEADING = re.compile(
    r"^(?P<lead>\W*(?:[-*•]\s*|\d{1,2}[.)]\s*)?)(?P<label>[A-Za-z][\w /'-]{0,40}?)\s*(?::|\s[-–]\s)\s*(?P<rest>\S.*)$",
    re.DOTALL,
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_MODAL_END = re.compile(r"\b(?:may|might|could|can)\s+(?:\w+ly\s+)?(?:also\s+)?$", re.IGNORECASE)
_WRAP = "findings that may warrant clinician evaluation for "


def segments(text: str) -> list[tuple[int, int]]:
    out = []
    for m in _SEGMENT.finditer(text):
        if m.end() > m.start():
            out.append((m.start(), m.end()))
    return out


def _documented(body: str) -> bool:
    """The clause reports the note (or the patient's own account): left unchanged."""
    return any(p.search(body) for p in _load().exempt)


def _own_start(body: str) -> bool:
    rest = _LEAD.sub("", body, count=1)
    return _load().own.match(rest) is not None


def _mask(body: str) -> str:
    """``body`` with definitive verbs under a negation blanked out (same length).

    Only where the clause names who or what cannot conclude ("an X-ray alone cannot exclude
    pneumonia"); a clause that opens with it ("Cannot exclude torsion") is a hedged diagnosis.
    """

    def blank(m: re.Match[str]) -> str:
        clause = re.split(r"[:,;–]|\s-\s", body[: m.start()])[-1]
        return "_" * len(m.group(0)) if re.search(r"[A-Za-z]", clause) else m.group(0)

    return _load().negated.sub(blank, body)


def _bare_order(body: str, scope: str | None) -> bool:
    """A line that is only a treatment ("Furosemide 40 mg IV stat", "Urgent appendectomy" under a plan)."""
    rest = _LEAD.sub("", body, count=1)
    rest = rest[_ORDER_LEAD.match(rest).end() :]  # type: ignore[union-attr]
    if not rest or _ALLERGY.search(rest) or not starts_with_treatment(rest):
        return False
    # outside a plan, a drug with its dose is an order only with an order marker ("stat",
    # "x 5 days", "via", a rate): "Lisinopril 10 mg daily." restates a medication
    return scope in ("plan", "diagnostic") or bool(DOSE.search(rest) and _ORDER_MARK.search(rest))


def _treatment_rule(body: str, scope: str | None) -> str | None:
    """The reason ``body`` orders or suggests a treatment, else None."""
    plain = _AS_NEEDED.sub(" ", body)
    if suggests_treatment(plain):
        return "treatment_directive"
    if scope != "documentary" and _bare_order(plain, scope):
        return "treatment_order_line"
    if scope == "plan" and has_treatment(plain):
        return "treatment_plan_item"
    return None


def _find(rule: _Rule, masked: str, orig: str) -> re.Match[str] | None:
    if rule.requires is not None and not rule.requires.search(masked):
        return None
    own = _load().own
    for m in rule.regex.finditer(masked):
        if rule.hedge_ok and "pre" in m.groupdict() and _MODAL_END.search(m.group("pre") or ""):
            continue
        if "x" in m.groupdict() and m.start("x") >= 0:
            x = orig[m.start("x") : m.end("x")].strip()
            if own.match(x):
                continue  # already our own assistive wording
            if rule.needs == "diagnosis" and not affirmed_diagnosis(x):
                continue
            if rule.needs == "diagnosis_head" and not affirmed_diagnosis(" ".join(x.split()[:6])):
                continue
        return m
    return None


def _residual(masked: str) -> bool:
    return any(p.search(masked) for p in _load().residual)


def is_definitive(sentence: str) -> bool:
    """True when ``sentence`` still states a diagnosis or an order (and does not report the note)."""
    body = sentence.strip()
    if not body or _documented(body):
        return False
    if _treatment_rule(body, None):
        return True
    if _own_start(body):
        return False
    masked = _mask(body)
    if _residual(masked):
        return True
    return any(_find(r, masked, body) is not None for r in _load().rules)


def _fill(rule: _Rule, m: re.Match[str], orig: str) -> str:
    # the rule ran on the negation-masked text (same length): take the words from the original
    groups = {k: (orig[m.start(k) : m.end(k)] if m.start(k) >= 0 else "") for k in m.groupdict()}
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
        subj=groups.get("subj", ""),
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
    m = re.match(r"^(\W*(?:\d{1,2}[.)]\s*)?)([a-z])", seg)
    if m:
        return seg[: m.start(2)] + m.group(2).upper() + seg[m.end(2) :]
    return seg


def _finding(kind: str, action: str, rules: list[str], span: Span, target: str) -> Finding:
    return Finding(
        layer="non_diagnostic",
        code=f"{kind}_statement",
        message=f"{kind} wording {action}" + (f" (rule {', '.join(rules)})" if rules else ""),
        severity=Severity.warning,
        span=span,
        target=target,
        action=action,
    )


def _rewrite(body: str, scope: str | None) -> tuple[str, list[str], str]:
    """Rewrite the diagnostic wording of one clause: (new body, rules fired, kind)."""
    rules = _load()
    new_body = body
    fired: list[_Rule] = []
    for _ in range(3):  # a clause may carry two statements ("Dx: MI, this confirms sepsis")
        masked = _mask(new_body)
        for rule in rules.rules:
            m = _find(rule, masked, new_body)
            if m is None:
                continue
            replacement = _fill(rule, m, new_body)
            candidate = new_body[: m.start()] + replacement + new_body[m.end() :]
            if candidate == new_body:
                continue
            new_body = candidate
            fired.append(rule)
            break
        else:
            break
        if _own_start(new_body) and not _residual(_mask(_strip_exempt(new_body))):
            break
    ids = [r.id for r in fired]
    if not fired:
        wrapped = _wrap_label(new_body, scope)
        if wrapped is not None:
            return wrapped, ["diagnostic_heading"], "diagnostic"
    return new_body, ids, fired[0].kind if fired else "diagnostic"


def _wrap_label(body: str, scope: str | None) -> str | None:
    """A diagnosis given as a label: after a diagnostic heading word or as an item under one."""
    if _load().own.search(body):
        return None  # already assistive wording
    m = _INLINE_HEADING.match(body)
    if m and heading_kind(m.group("label")) == "diagnostic":
        rest = m.group("rest")
        if not _own_start(rest) and affirmed_diagnosis(_mask(rest)):
            return f"{m.group('lead')}{m.group('label')}: {_WRAP}{_clean_object(rest)}"
        return None
    listed = scope is None and _LIST_ITEM.match(body) is not None  # "1. Pneumonia" with no heading
    if (
        (scope == "diagnostic" or listed)
        and not _own_start(body)
        and affirmed_diagnosis(_mask(body))
    ):
        lead = _LEAD.match(body)
        cut = lead.end() if lead else 0
        return body[:cut] + _WRAP + _clean_object(body[cut:])
    return None


def _clean_object(x: str) -> str:
    for pat, rep in _load().cleanup:
        x = pat.sub(rep, x.strip())
    return _lower_first(x)


def enforce_non_diagnostic(text: str, *, target: str = "generated") -> SafeText:
    """Rewrite diagnostic statements of ``text`` into assistive phrasing; remove treatment orders.

    Returns :class:`SafeText`; each finding (layer ``non_diagnostic``) has code
    ``diagnostic_statement`` or ``prescriptive_statement``, the span of the original
    statement in ``text`` and action ``rewritten`` or ``removed``. A statement that orders or
    suggests a drug, a dose or a treatment is always removed. Lines under a heading
    (``Impression:``, ``Plan:``) are read as items of that heading until a blank line or the
    next heading.
    """
    if not text or not text.strip():
        return SafeText(text=text)
    out: list[str] = []
    findings: list[Finding] = []
    scope: str | None = None
    for s0, s1 in segments(text):
        seg = text[s0:s1]
        body = seg.rstrip("\n.;!? ")
        tail = seg[len(body) :]
        if not body.strip():
            if "\n" in seg and (s0 == 0 or text[s0 - 1] == "\n"):
                scope = None  # a blank line ends a block
            out.append(seg)
            continue
        heading = _HEADING_LINE.match(body)
        if heading and (seg.endswith("\n") or s1 == len(text)):
            scope = heading_kind(heading.group("label"))
            out.append(seg)
            continue
        lead = len(body) - len(body.lstrip())
        span = Span(start=s0 + lead, end=s0 + len(body))
        if _documented(body):
            out.append(seg)
            continue
        why = _treatment_rule(body, scope)
        if why is not None:
            findings.append(_finding("prescriptive", "removed", [why], span, target))
            out.append(_removed_tail(seg))
            continue
        if _own_start(body) and not _residual(_mask(_strip_exempt(body))):
            out.append(seg)
            continue
        new_body, fired, kind = _rewrite(body, scope)
        if not fired and not _residual(_mask(body)):
            out.append(seg)
            continue
        action = "rewritten"
        if _still_definitive(new_body):
            new_body, tail, action = "", "", "removed"
        elif kind == "prescriptive" and has_treatment(new_body):
            new_body, tail, action = "", "", "removed"  # never soften an order of a treatment
        new_body = _capitalise(new_body) if new_body and _first_alpha_upper(body) else new_body
        findings.append(_finding(kind, action, fired, span, target))
        out.append(new_body + tail if action == "rewritten" else _removed_tail(seg))
    return SafeText(text="".join(out), findings=findings)


def _strip_exempt(body: str) -> str:
    return _load().own.sub(" ", body)


def _still_definitive(body: str) -> bool:
    """After rewriting: definitive wording left outside our own assistive phrases."""
    rest = _mask(_strip_exempt(body))
    rules = _load()
    if not rules.own.search(body) and _documented(body):
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
