"""Score pipeline: input guard -> calculator -> safety -> report."""

from __future__ import annotations

import time
from typing import Any

from medassist.schemas.scores import ScoreReport

__all__ = ["run_score_pipeline"]


def run_score_pipeline(
    calculator_id: str, text: str | bytes | None = None, inputs: dict[str, Any] | None = None
) -> ScoreReport:
    from medassist.risk.api import calculate
    from medassist.safety.input_guard import guard_text_input
    from medassist.safety.scores import finalize_score_report

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    guarded = guard_text_input(text) if text is not None else None
    timings["input_guard"] = (time.perf_counter() - t0) * 1000
    t1 = time.perf_counter()
    result = calculate(
        calculator_id,
        text=guarded.text if guarded and guarded.text.strip() else None,
        inputs=inputs,
    )
    timings["calculator"] = (time.perf_counter() - t1) * 1000
    return finalize_score_report(result, guarded=guarded, timings=timings)
