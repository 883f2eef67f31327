"""One model call of the analysis pipeline: prompt, stream, gate, contribute.

The call is chosen by the inputs: note -> :class:`NoteReading`; image -> :class:`ImageReading`;
both -> one :class:`CombinedReading` call with note, facts and image. While the answer streams,
the summary's complete sentences are read out of the partial JSON and passed through the
safety gate; only what the gate keeps is yielded. The validated answer then contributes the
summary, the next steps, the located mentions and the observations (all gated) to the draft.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from medassist.schemas.analysis import ModelInfo, ModelStatus

__all__ = ["ModelCall", "would_add", "model_status_for", "partial_string"]

_MAX_IMAGE_SIDE = 1024


def would_add(has_text: bool, has_image: bool) -> list[str]:
    out = []
    if has_text:
        out += [
            "a model-written summary and suggested next steps, grounded in the note",
            "mentions the lexicons miss, each quoted from the note and checked by the engine",
        ]
    if has_image:
        out.append("descriptive observations of the image (region, observation, confidence)")
    if has_text and has_image:
        out.append("note and image findings correlated item by item")
    return out


def model_status_for(backend: Any, exc: Any) -> ModelStatus:
    return ModelStatus(
        state="failed",
        backend=backend.name,
        model_id=backend.model or None,
        error_code=exc.code,
        message=exc.message,
    )


def partial_string(buffer: str, key: str) -> tuple[str, bool] | None:
    """The (possibly unfinished) string value of ``key`` in a partial JSON object, and
    whether it is closed. None before the value starts."""
    marker = f'"{key}"'
    i = buffer.find(marker)
    if i < 0:
        return None
    j = i + len(marker)
    while j < len(buffer) and buffer[j] in " \t\r\n:":
        j += 1
    if j >= len(buffer) or buffer[j] != '"':
        return None
    j += 1
    k = j
    while k < len(buffer):
        ch = buffer[k]
        if ch == "\\":
            k += 2
            continue
        if ch == '"':
            return _decode(buffer[j:k]), True
        k += 1
    raw = buffer[j:]
    if raw.endswith("\\"):
        raw = raw[:-1]
    return _decode(raw), False


def _decode(raw: str) -> str:
    try:
        return json.loads(f'"{raw}"', strict=False)
    except ValueError:  # an unfinished \u escape
        cut = raw.rfind("\\")
        return json.loads(f'"{raw[:cut]}"', strict=False) if cut >= 0 else raw


def _png(loaded: Any) -> bytes:
    import numpy as np
    from PIL import Image

    arr = np.clip(loaded.display * 255.0 + 0.5, 0, 255).astype(np.uint8)
    img = Image.fromarray(arr).convert("RGB")
    if max(img.size) > _MAX_IMAGE_SIDE:
        img.thumbnail((_MAX_IMAGE_SIDE, _MAX_IMAGE_SIDE))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


class ModelCall:
    def __init__(
        self,
        backend: Any,
        *,
        note: str | None,
        text_report: Any,
        loaded: Any,
        image_report: Any,
        limits: Any,
    ) -> None:
        self.backend = backend
        self.note = note
        self.text_report = text_report
        self.loaded = loaded
        self.image_report = image_report
        self.limits = limits
        self.reading: Any = None
        self.run_info: Any = None
        self.findings: list[Any] = []
        self.summary_sentences: list[str] = []
        self.steps: list[str] = []
        self.gate: Any = None
        self.notes: list[str] = []  # what the reader should know about this call

    def refusal(self, max_chars: int) -> ModelStatus | None:
        """Why this call cannot be made (too long, images unsupported), or None."""
        if self.note is not None and len(self.note) > max_chars:
            return ModelStatus(
                state="failed",
                backend=self.backend.name,
                model_id=self.backend.model,
                error_code="note_too_long",
                message=f"the note has {len(self.note)} characters; at most {max_chars} are sent to a model",
            )
        if self.loaded is not None and not self.backend.supports_images:
            if self.note is None:
                return ModelStatus(
                    state="failed",
                    backend=self.backend.name,
                    model_id=self.backend.model,
                    error_code="images_unsupported",
                    message=f"the {self.backend.name} backend does not take images",
                )
            self.loaded = None  # the model reads the note; the image keeps its own report
            self.notes.append(
                f"the {self.backend.name} backend does not take images: the model read the note only"
            )
        return None

    def _messages(self) -> tuple[list[Any], Any]:
        from medassist.llm import ImageInput
        from medassist.llm.prompts import (
            CombinedReading,
            ImageReading,
            NoteReading,
            combined_messages,
            facts_context,
            image_messages,
            note_messages,
        )

        facts = facts_context(self.text_report)
        if self.loaded is not None:
            image = ImageInput(data=_png(self.loaded))
            meta = self.loaded.metadata
            metadata = json.dumps(
                {"modality": meta.modality, "body_part": meta.body_part, "view": meta.view_position}
            )
            if self.note is not None:
                return combined_messages(self.note, facts, image, metadata), CombinedReading
            return image_messages(image, metadata), ImageReading
        return note_messages(self.note or "", facts), NoteReading

    def run(self) -> Iterator[str]:
        """Stream the call; yield each gated summary sentence; keep the validated answer."""
        from medassist.safety.analysis import ModelTextGate
        from medassist.safety.non_diagnostic import segments

        messages, schema = self._messages()
        if self.note is not None:
            self.gate = ModelTextGate(self.note, self.text_report)
        buffer = ""
        done = 0  # characters of the summary already gated
        for event in self.backend.stream(messages, schema=schema, limits=self.limits):
            if event.completion is not None:
                self.reading = event.completion.data
                self.run_info = event.completion.run
                break
            buffer += event.delta
            if self.gate is None:
                continue
            partial = partial_string(buffer, "summary")
            if partial is None:
                continue
            summary, closed = partial
            for a, b in segments(summary):
                if b <= done:
                    continue
                # a segment is final once text follows it ('3.' may still become '3.5')
                if not closed and b >= len(summary):
                    break
                kept = self.gate.sentence(summary[a:b])
                done = b
                if kept:
                    self.summary_sentences.append(kept)
                    yield kept
        if self.gate is not None and self.reading is not None:
            if self.run_info.attempts > 1:  # the repaired answer replaces what streamed
                self.summary_sentences, done = [], 0
            # sentences the stream did not reach (the summary closed with the last token)
            summary = self.reading.summary
            for a, b in segments(summary):
                if b <= done:
                    continue
                kept = self.gate.sentence(summary[a:b])
                if kept:
                    self.summary_sentences.append(kept)
                    yield kept

    def contribute(self, draft: Any) -> None:
        """Add the gated contributions of the validated answer to the draft report."""
        from medassist.fusion import combined_view, correlate
        from medassist.safety.analysis import gate_observations, gate_steps, locate_items

        if self.run_info is not None:
            t = self.run_info.timings
            draft.model_runs.append(
                ModelInfo(
                    backend=self.run_info.backend,
                    model_id=self.run_info.model_id,
                    file_sha256=self.run_info.file_sha256,
                    quantization=self.run_info.quantization,
                    device=self.run_info.device,
                    constrained=self.run_info.constrained,
                    attempts=self.run_info.attempts,
                    timings_ms={
                        "load": t.load_ms,
                        "prompt": t.prompt_ms,
                        "generate": t.generate_ms,
                        "total": t.total_ms,
                    },  # fmt: skip
                    prompt_tokens=t.prompt_tokens,
                    completion_tokens=t.completion_tokens,
                )
            )
        reading = self.reading
        if reading is None:
            return
        if self.note is not None and self.gate is not None:
            self.steps = gate_steps(self.gate, reading.next_steps)
            self.findings.extend(self.gate.findings)
            entities, stats, found = locate_items(self.note, reading.items, self.text_report)
            draft.entities, draft.extraction = entities, stats
            self.findings.extend(found)
        observations = getattr(reading, "observations", None)
        if observations is not None and self.image_report is not None:
            grade = self.image_report.quality.grade
            if any(i.code == "blank" for i in self.image_report.quality.issues):
                observations = []  # a blank image: nothing to observe (the image report abstains)
            gated, found = gate_observations(
                observations,
                quality_grade=grade,
                model=f"{self.backend.name}:{self.run_info.model_id}",
            )
            draft.image_observations = gated
            self.findings.extend(found)
            draft.correlation = correlate(draft.entities, gated)
            draft.combined = combined_view(self.text_report, self.image_report, gated)
