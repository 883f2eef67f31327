"""Correlate the note's findings with the image observations, item by item.

An observation and a note mention are the same item when the engine's vocabulary finds the
same concept in both (``preferred`` name), or, for words the vocabulary does not know, when
they share a content word (stemmed; location and hedging words do not count). Polarity comes
from the engine's one context assessment on both sides (``no focal consolidation`` is a
negated observation): same polarity -> ``agreeing``, opposite -> ``contradicting``. Unmatched
observations are ``image_only``; affirmed note conditions and symptoms that no observation
matched are ``text_only``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from medassist.schemas.analysis import CombinedView, Correlation, MergedEntity, ModelObservation

__all__ = ["correlate", "combined_view"]

_WORD = re.compile(r"[a-z]{4,}")
#: words that place or hedge an observation but do not name what it is
_NOT_ITEMS = frozenset(
    [
        "left",
        "right",
        "upper",
        "lower",
        "middle",
        "lobe",
        "lobes",
        "zone",
        "zones",
        "field",
        "fields",
        "side",
        "bilateral",
        "image",
        "region",
        "area",
        "view",
        "possible",
        "possibly",
        "likely",
        "seen",
        "noted",
        "there",
        "with",
        "without",
        "this",
        "that",
        "these",
        "those",
        "appears",
        "appear",
        "suggest",
        "suggests",
        "mild",
        "moderate",
        "severe",
        "small",
        "large",
        "patient",
        "review",
        "finding",
        "findings",
        "clinician",
        "evaluation",
        "further",
        "visible",
        "present",
        "absent",
        "normal",
        "within",
    ]
)


def _words(text: str) -> set[str]:
    from medassist.safety.lexicon import stem  # the one stemmer (grounding uses it too)

    return {stem(w) for w in _WORD.findall(text.lower()) if w not in _NOT_ITEMS}


def _observation_items(obs: ModelObservation) -> list[tuple[str, set[str], bool]]:
    """(concept, words, negated) for each concept of the observation (or its words)."""
    from medassist.text.context import classify_context
    from medassist.text.matcher import find_entities

    text = obs.observation
    found = find_entities(text)
    if not found:
        negated = bool(re.match(r"\s*(no|without|absent)\b", text, re.IGNORECASE))
        return [("", _words(text), negated)]
    return [
        (
            e.preferred.lower(),
            _words(e.preferred + " " + e.text),
            classify_context(text, e.start, e.end).negated,
        )
        for e in found
    ]


def correlate(
    entities: Sequence[MergedEntity], observations: Sequence[ModelObservation]
) -> list[Correlation]:
    note_items = [
        e
        for e in entities
        if e.category.value in ("condition", "symptom")
        and not e.context.family
        and not e.context.hypothetical
    ]
    matched_note: set[int] = set()
    out: list[Correlation] = []
    for obs in observations:
        status = None
        evidence = None
        for concept, words, obs_negated in _observation_items(obs):
            for i, e in enumerate(note_items):
                same = (concept and concept == e.preferred.lower()) or (
                    words & _words(e.preferred + " " + e.text)
                )
                if not same:
                    continue
                matched_note.add(i)
                agree = obs_negated == e.context.negated
                status = "agreeing" if agree and status != "contradicting" else "contradicting"
                evidence = f"{e.text} ({_context_label(e)})"
        out.append(
            Correlation(
                item=obs.region + ": " + obs.observation,
                status=status or "image_only",
                text_evidence=evidence,
                image_evidence=obs.observation,
            )
        )
    for i, e in enumerate(note_items):
        if i in matched_note or e.context.negated:
            continue
        out.append(
            Correlation(
                item=e.preferred,
                status="text_only",
                text_evidence=f"{e.text} ({_context_label(e)})",
            )
        )
    return out


def _context_label(e: MergedEntity) -> str:
    flags = [k for k in ("negated", "uncertain", "historical") if getattr(e.context, k)]
    return ", ".join(flags) or "affirmed"


def combined_view(
    text_report: Any, image_report: Any, observations: Sequence[ModelObservation]
) -> CombinedView:
    """The calculators (value, band, missing inputs) beside the image observations."""
    scores = []
    if text_report is not None:
        for s in text_report.scores:
            scores.append(
                {
                    "calculator_id": s.calculator_id,
                    "value": s.value,
                    "band": getattr(s, "band", None),
                    "missing": list(getattr(s, "missing", []) or []),
                }
            )
    return CombinedView(
        scores=scores,
        observations=list(observations),
        image_quality=image_report.quality.grade if image_report is not None else None,
    )
