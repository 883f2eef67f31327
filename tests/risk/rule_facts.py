"""Test helper: NoteFacts with ad-hoc finding rules (the text engine's mechanism)."""

from __future__ import annotations


def facts_with_rules(text: str, rules: dict[str, tuple[str, ...]], kind: str = "condition"):
    """NoteFacts of ``text`` whose extraction also holds the findings of ad-hoc rules
    (id -> patterns), evaluated by the text engine's finding mechanism."""
    from medassist.risk.facts import NoteFacts
    from medassist.text.engine import extract
    from medassist.text.findings import (
        FindingRule,
        FindingRules,
        extract_findings,
        load_finding_rules,
    )

    extraction = extract(text)
    extra = FindingRules(
        {k: FindingRule(k, kind, tuple(v)) for k, v in rules.items()},
        load_finding_rules().hedges,
    )
    extraction.findings.extend(
        extract_findings(
            text, extraction.sentences, extraction.sections, extraction.entities, extra
        )
    )
    base = load_finding_rules()
    return NoteFacts(
        extraction, text=text, rules=FindingRules({**base.rules, **extra.rules}, base.hedges)
    )
