"""Analysis pipeline: note and/or image -> deterministic reports -> (model) -> safety -> report.

Orchestration only. The deterministic text and image pipelines always run first; a model,
when one is configured, adds a summary with next steps, extra mentions (quoted, located,
classified and coded by the engine) and image observations, all through
:mod:`medassist.safety.analysis`. Streaming yields progress events and each summary sentence
only once it has passed the same gate the final report uses; the last event is the report.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel

from medassist.schemas.analysis import AnalysisReport

__all__ = ["AnalysisEvent", "run_analysis", "stream_analysis", "MAX_MODEL_NOTE_CHARS"]

#: a longer note is not sent to a model (its context would overflow); the engine still reads it
MAX_MODEL_NOTE_CHARS = 32_000


class AnalysisEvent(BaseModel):
    event: Literal["progress", "sentence", "report"]
    stage: str | None = None
    text: str | None = None
    report: AnalysisReport | None = None


def run_analysis(
    text: str | bytes | None = None,
    image: Any = None,
    *,
    llm: Any = None,
    limits: Any = None,
) -> AnalysisReport:
    """The combined report (see :func:`stream_analysis`)."""
    report = None
    for event in stream_analysis(text, image, llm=llm, limits=limits):
        if event.report is not None:
            report = event.report
    assert report is not None
    return report


def stream_analysis(
    text: str | bytes | None = None,
    image: Any = None,
    *,
    llm: Any = None,
    limits: Any = None,
) -> Iterator[AnalysisEvent]:
    from medassist.errors import InputError, ModelError
    from medassist.llm import Limits, get_backend
    from medassist.pipelines.model_call import ModelCall, model_status_for, would_add
    from medassist.safety.analysis import finalize_analysis_report
    from medassist.schemas.analysis import AnalysisExtraction, ModelStatus
    from medassist.schemas.common import Notice

    if text is None and image is None:
        raise InputError("give a note, an image, or both")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    backend = get_backend(llm)  # configuration errors surface before any work
    text_report = image_report = loaded = None
    if text is not None:
        yield AnalysisEvent(event="progress", stage="text_engine")
        from medassist.pipelines.text import run_text_pipeline

        text_report = run_text_pipeline(text)
        timings["text_pipeline"] = (time.perf_counter() - t0) * 1000
    if image is not None:
        yield AnalysisEvent(event="progress", stage="image_quality")
        from medassist.imaging.io import load_image
        from medassist.pipelines.image import run_image_pipeline

        t = time.perf_counter()
        data = image if isinstance(image, bytes) else _read(image)
        image_report = run_image_pipeline(data)
        if backend is not None:
            loaded = load_image(data)
        timings["image_pipeline"] = (time.perf_counter() - t) * 1000

    note = None
    if text_report is not None and backend is not None:
        from medassist.safety import guard_text_input

        note = guard_text_input(text).text  # the same decoded text the engine's spans index
    draft = AnalysisExtraction(
        text=text_report, image=image_report, model=ModelStatus(state="not_configured")
    )
    findings: list[Any] = []
    summary_sentences: list[str] | None = None
    steps: list[str] | None = None
    if backend is None:
        draft.model.would_add = would_add(text is not None, image is not None)
    else:
        settings_limits = limits or _default_limits(Limits)
        call = ModelCall(backend, note=note, text_report=text_report, loaded=loaded,
                         image_report=image_report, limits=settings_limits)  # fmt: skip
        problem = call.refusal(MAX_MODEL_NOTE_CHARS)
        draft.notices.extend(Notice(code="model_input", message=m) for m in call.notes)
        if problem is not None:
            draft.model = problem
        else:
            yield AnalysisEvent(event="progress", stage="model")
            t = time.perf_counter()
            try:
                for sentence in call.run():
                    yield AnalysisEvent(event="sentence", text=sentence)
            except ModelError as exc:
                draft.model = model_status_for(backend, exc)
            else:
                draft.model = ModelStatus(
                    state="ok", backend=backend.name, model_id=backend.describe().model_id
                )
            timings["model"] = (time.perf_counter() - t) * 1000
            yield AnalysisEvent(event="progress", stage="safety")
            call.contribute(draft)
            findings = call.findings
            summary_sentences = call.summary_sentences if call.reading is not None else None
            steps = call.steps
        if draft.model.state == "failed":
            draft.model.would_add = would_add(text is not None, image is not None)
    draft.notices.extend(_status_notices(draft.model))
    timings["total"] = (time.perf_counter() - t0) * 1000
    report = finalize_analysis_report(
        draft,
        input_sha256=text_report.safety.audit.input_sha256
        if text_report and text_report.safety.audit
        else None,
        image_sha256=image_report.safety.audit.image_sha256
        if image_report and image_report.safety.audit
        else None,
        findings=findings,
        timings=timings,
        summary_sentences=summary_sentences,
        steps=steps,
    )
    yield AnalysisEvent(event="report", report=report)


def _read(image: Any) -> bytes:
    from medassist.imaging.io import read_source

    return read_source(image)


def _default_limits(limits_cls: Any) -> Any:
    from medassist.config import get_settings

    s = get_settings()
    return limits_cls(max_new_tokens=s.llm_max_new_tokens, timeout_s=s.llm_timeout_s)


def _status_notices(status: Any) -> list[Any]:
    from medassist.schemas.common import Notice, Severity

    if status.state == "failed":
        return [
            Notice(
                code="model_failed",
                message=f"The model did not contribute ({status.message}); the deterministic "
                "report is complete and unchanged.",
                severity=Severity.warning,
            )
        ]
    if status.state == "not_configured":
        return [
            Notice(
                code="no_model",
                message="No language model is configured: deterministic analysis only. "
                "A model would add: " + "; ".join(status.would_add) + ".",
            )
        ]
    return []
