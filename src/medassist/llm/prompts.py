"""MedGemma prompts and the schemas of its answers.

Conventions (MedGemma 4B-IT, a Gemma 3 instruction model):

- everything goes in the user turn (Gemma has no system role: a system message is folded
  into the first user turn by its template, and MedGemma may ignore it);
- the note enters only through :func:`medassist.safety.wrap_note_as_data` (delimited,
  untrusted data; control tokens neutralised);
- the engine's facts are given as context, so the model adds to them instead of redoing them;
- images come before the text in the turn; temperature 0 (the :class:`Limits` default).

The answer schemas use enums and bounded strings and lists: llguidance enforces the bounds,
llama.cpp's grammar enforces the enums (not the bounds), and every answer is validated with
these same models afterwards.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from medassist.llm.structured import schema_shape
from medassist.llm.types import ImageInput, Message

__all__ = [
    "NoteItem",
    "NoteReading",
    "ImageFinding",
    "ImageReading",
    "CombinedReading",
    "facts_context",
    "note_messages",
    "image_messages",
    "combined_messages",
]

Sentence = Annotated[str, StringConstraints(max_length=240)]
Quote = Annotated[str, StringConstraints(max_length=160)]
Label = Annotated[str, StringConstraints(max_length=80)]


class NoteItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["finding", "medication", "history"]
    quote: Quote = Field(description="copied verbatim from the note")
    name: Label = Field(description="what it is, in standard clinical words")


class NoteReading(BaseModel):
    """The model's reading of a note (summary first, so that it streams first)."""

    model_config = ConfigDict(extra="forbid")

    summary: Annotated[str, StringConstraints(max_length=900)]
    next_steps: list[Sentence] = Field(max_length=5)
    items: list[NoteItem] = Field(max_length=24)


class ImageFinding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: Label
    observation: Sentence
    confidence: Literal["low", "moderate", "high"]


class ImageReading(BaseModel):
    model_config = ConfigDict(extra="forbid")

    observations: list[ImageFinding] = Field(max_length=8)


class CombinedReading(BaseModel):
    """One call over note, facts and image."""

    model_config = ConfigDict(extra="forbid")

    summary: Annotated[str, StringConstraints(max_length=900)]
    next_steps: list[Sentence] = Field(max_length=5)
    items: list[NoteItem] = Field(max_length=24)
    observations: list[ImageFinding] = Field(max_length=8)


_RULES = (
    "Rules: you assist a clinician; you never diagnose and never prescribe. Do not name a "
    "drug to start, a dose or an order. Suggested next steps may only say what to review, "
    "re-measure or document, or which investigations a clinician might consider. State only "
    "what the note or the image shows; if unsure, leave it out."
)


def facts_context(text_report: object | None) -> str:
    """The engine's facts as compact JSON lines (what the model is asked to add to)."""
    if text_report is None:
        return "(no note)"
    r = text_report
    facts: dict[str, object] = {}
    demo = r.demographics  # type: ignore[attr-defined]
    if demo.age is not None or demo.sex:
        facts["patient"] = {"age": demo.age, "sex": demo.sex}
    facts["vitals"] = [
        f"{m.name} {m.value_text or m.value} {m.unit or ''}".strip() for m in r.vitals
    ][:20]  # type: ignore[attr-defined]
    facts["labs"] = [f"{m.name} {m.value_text or m.value} {m.unit or ''}".strip() for m in r.labs][
        :30
    ]  # type: ignore[attr-defined]
    mentions = []
    for e in r.entities[:60]:  # type: ignore[attr-defined]
        flags = [
            k for k in ("negated", "uncertain", "historical", "family") if getattr(e.context, k)
        ]
        mentions.append(e.preferred + (f" ({', '.join(flags)})" if flags else ""))
    facts["mentions"] = mentions
    facts["medications"] = [m.name for m in r.medications][:30]  # type: ignore[attr-defined]
    facts["allergies"] = [m.name for m in r.allergens]  # type: ignore[attr-defined]
    facts["scores"] = [
        f"{s.calculator_id}={s.value}"
        for s in r.scores
        if getattr(s, "value", None) is not None  # type: ignore[attr-defined]
    ][:20]
    return json.dumps({k: v for k, v in facts.items() if v}, ensure_ascii=False)


def _note_task(schema: type[BaseModel], extra: str = "") -> str:
    return (
        "Task: read the clinical note below. The rule-based engine has already extracted "
        "these facts (context for you; do not repeat them as new):\n"
        f"FACTS: {{facts}}\n"
        "Write (1) `summary`: a short, factual, non-diagnostic summary of what the note "
        "documents; (2) `next_steps`: up to 5 suggested next steps for the clinician; "
        "(3) `items`: findings, medications and history you read in the note that matter, "
        "each with `quote` copied exactly, character for character, from the note."
        f"{extra}\n{_RULES}\nAnswer with one JSON object of this shape, and nothing else: "
        f"{schema_shape(schema)}"
    )


def note_messages(note: str, facts: str) -> list[Message]:
    from medassist.safety import wrap_note_as_data

    task = _note_task(NoteReading).replace("{facts}", facts)
    return [Message(role="user", content=f"{task}\n\n{wrap_note_as_data(note)}")]


def image_messages(image: ImageInput, metadata: str) -> list[Message]:
    task = (
        "Task: look at the medical image above (metadata: "
        f"{metadata}). List up to 8 observations a clinician should review, each with the "
        "`region` of the image, the `observation` in descriptive (not diagnostic) words, and "
        f"your `confidence` (low, moderate, high).\n{_RULES}\n"
        "Answer with one JSON object of this shape, and nothing else: "
        f"{schema_shape(ImageReading)}"
    )
    return [Message(role="user", content=task, images=[image])]


def combined_messages(note: str, facts: str, image: ImageInput, metadata: str) -> list[Message]:
    from medassist.safety import wrap_note_as_data

    extra = (
        f" (4) `observations`: up to 8 observations of the image above (metadata: {metadata}), "
        "each with `region`, `observation` in descriptive words and `confidence`."
    )
    task = _note_task(CombinedReading, extra).replace("{facts}", facts)
    return [Message(role="user", content=f"{task}\n\n{wrap_note_as_data(note)}", images=[image])]
