"""Text pipeline: input -> validation -> extraction -> facts -> scores -> safety -> report."""

from __future__ import annotations

import time

from medassist.schemas.text import TextAnalysis

__all__ = ["run_text_pipeline"]


def run_text_pipeline(raw: str | bytes) -> TextAnalysis:
    from medassist import safety
    from medassist.risk import score_analysis
    from medassist.text import extract

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    guarded = safety.guard_text_input(raw)  # layer 1: type/size/encoding/injection
    timings["input_guard"] = (time.perf_counter() - t0) * 1000

    t1 = time.perf_counter()
    extraction = extract(guarded.text)
    timings["extraction"] = (time.perf_counter() - t1) * 1000

    t2 = time.perf_counter()
    extraction.scores = score_analysis(guarded.text, extraction)
    timings["scores"] = (time.perf_counter() - t2) * 1000

    # layers 2-5 and the audit record; the only way a TextAnalysis leaves this package
    return safety.finalize_text_report(guarded, extraction, timings)
