"""Speed of the calculators on real notes: ``score_analysis`` and ``calculate()`` per note.

    python benchmarks/risk_speed.py                 # 100 MTSamples notes
    python benchmarks/risk_speed.py --notes 30 --calculator anion_gap
    python benchmarks/risk_speed.py --pathological  # adversarial inputs (seconds per case)

``score_analysis`` (the calculators a note calls for) and "all calculators" (every registered
calculator's derive + compute on one :class:`NoteFacts`) are timed on a prepared extraction:
the calculators read the facts only, never the note, so this is their whole cost. The
extraction is timed apart, with the share of the calculators' finding rules and case-report
value readers (``text.findings`` / ``text.case_values``, evaluated once per note during
extraction). ``calculate()`` includes its own extraction, as a caller sees it. Notes are the
first N MTSamples transcriptions between 1 and 8 KB (../shared/data/mtsamples, CC0).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "mtsamples" / "mtsamples.csv"

#: adversarial notes (name -> text) that once made a regex backtrack catastrophically
PATHOLOGICAL: dict[str, str] = {
    "words": "a " * 200_000,
    "numbers": "1 " * 200_000,
    "negations": "no " * 100_000 + "chest pain",
    "bp-chain": "BP " + "120/" * 50_000,
    "parens": "(" * 100_000,
    "units": "mg " * 100_000,
    "long-number": "Na 1" + "0" * 100_000,
    "newlines": "\n" * 300_000,
    "headers": "HISTORY OF PRESENT ILLNESS:," * 20_000,
}


def load_notes(n: int, path: Path = DATA) -> list[str]:
    csv.field_size_limit(1 << 27)
    with path.open(encoding="utf-8") as fh:
        notes = [r["transcription"] for r in csv.DictReader(fh) if r.get("transcription")]
    return [t for t in notes if 1000 <= len(t) <= 8000][:n]


def _summary(label: str, times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return (
        f"{label:28} n={len(times):4d}  median {statistics.median(times) * 1000:8.1f} ms  "
        f"p95 {p95 * 1000:8.1f} ms  max {times[-1] * 1000:8.1f} ms"
    )


def run(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from medassist.risk.api import calculate, score_analysis
    from medassist.text.engine import extract

    if args.pathological:
        for name, text in PATHOLOGICAL.items():
            t0 = time.perf_counter()
            extraction = extract(text)
            t1 = time.perf_counter()
            score_analysis(text, extraction)
            t2 = time.perf_counter()
            print(
                f"{name:12} {len(text):8d} chars  extract {t1 - t0:6.2f} s  "
                f"score_analysis {t2 - t1:6.2f} s",
                flush=True,
            )
        return 0
    path = Path(args.data)
    if not path.exists():
        print(f"MTSamples not found at {path} (shared data folder absent)")
        return 2
    from medassist.errors import MedassistError
    from medassist.risk.api import calculate_facts
    from medassist.risk.base import registry
    from medassist.risk.facts import NoteFacts
    from medassist.text.case_values import read_case_values
    from medassist.text.findings import extract_findings

    notes = load_notes(args.notes, path)
    for text in notes[:3]:  # warm-up: lazy loading and regex compilation
        score_analysis(text, extract(text))
    extract_times: list[float] = []
    rule_times: list[float] = []
    extractions = []
    for text in notes:
        t0 = time.perf_counter()
        extraction = extract(text)
        extract_times.append(time.perf_counter() - t0)
        extractions.append(extraction)
        spans = [(m.start, m.end) for m in (*extraction.vitals, *extraction.labs)]
        t0 = time.perf_counter()
        extract_findings(text, extraction.sentences, extraction.sections, extraction.entities)
        read_case_values(text, spans)
        rule_times.append(time.perf_counter() - t0)
    analysis: list[float] = []
    every: list[float] = []
    derive: list[float] = []
    calculators = [cls() for cls in registry().values()]
    for text, extraction in zip(notes, extractions, strict=True):
        t0 = time.perf_counter()
        score_analysis(text, extraction)
        analysis.append(time.perf_counter() - t0)
        facts = NoteFacts(extraction, text=text)
        t0 = time.perf_counter()
        for calc in calculators:
            with contextlib.suppress(MedassistError):
                calc.relevant(facts)
                calc.derive(facts)
        derive.append(time.perf_counter() - t0)
        facts = NoteFacts(extraction, text=text)
        t0 = time.perf_counter()
        for calc in calculators:
            with contextlib.suppress(MedassistError):
                calculate_facts(calc, facts)
        every.append(time.perf_counter() - t0)
    sizes = sorted(len(t) for t in notes)
    print(f"{len(notes)} MTSamples notes, median {statistics.median(sizes):.0f} chars")
    print(_summary("extract (text engine)", extract_times))
    print(_summary("  of which finding rules", rule_times))
    print(_summary("score_analysis", analysis))
    print(_summary(f"all {len(calculators)}: read facts", derive))
    print(_summary(f"all {len(calculators)}: full result", every))
    print(
        "  (full result includes the possible-range search of scores whose inputs the note "
        "lacks; score_analysis skips calculators a note does not call for)"
    )
    calc_times: list[float] = []
    for text in notes[: args.calculate_notes]:
        t0 = time.perf_counter()
        calculate(args.calculator, text=text)
        calc_times.append(time.perf_counter() - t0)
    if calc_times:
        print(_summary(f"calculate({args.calculator})", calc_times))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--data", default=str(DATA), help="MTSamples CSV")
    p.add_argument("--notes", type=int, default=100, help="number of notes for score_analysis")
    p.add_argument(
        "--calculate-notes", type=int, default=30, help="notes timed for calculate() (0: skip)"
    )
    p.add_argument("--calculator", default="anion_gap", help="calculator id for calculate()")
    p.add_argument("--pathological", action="store_true", help="time adversarial inputs instead")
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
