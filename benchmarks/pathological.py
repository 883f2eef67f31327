"""Bounded cost on pathological notes: time and report size of the full ``analyze_text``.

    python3.11 benchmarks/pathological.py                 # every shape at 1 MB (the size limit)
    python3.11 benchmarks/pathological.py --size 100000   # smaller notes
    python3.11 benchmarks/pathological.py --shape vitals --profile   # cProfile one shape

For each shape (one repeated sentence, one line without a break, all digits, one word
repeated, a vitals string repeated, 50,000 list items, a realistic note repeated), a note of
``--size`` bytes is built, analysed once by :func:`medassist.analyze_text` (input guard,
extraction, calculators, every safety layer) and serialised to JSON. Printed: seconds, the
report's JSON size and its ratio to the note, and the per-stage timings the report records.
Targets (issue 9): at most 10 s per 1 MB note on this machine, JSON at most 10x the note.
The notes are synthetic (no data set is read); nothing here was tuned on them except the
mechanisms the shapes exercise (repeated mentions, long lines, long number runs).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from collections.abc import Callable

import medassist

TIME_LIMIT_S = 10.0
SIZE_RATIO_LIMIT = 10.0

_NOTE = (
    "HPI: 67 yo M with chest pain radiating to the left arm, diaphoresis and shortness of "
    "breath. PMH: hypertension, type 2 diabetes, CKD stage 3. Meds: metoprolol 25 mg PO BID, "
    "lisinopril 10 mg daily, aspirin 81 mg daily. Vitals: BP 150/92, HR 104, RR 22, T 38.1 C, "
    "SpO2 93% on room air. Labs: Na 134, K 5.1, creatinine 1.6 mg/dL, troponin 0.9 ng/mL. "
    "Plan: admit, serial troponins, call if SBP > 180.\n"
)


def _fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


SHAPES: dict[str, Callable[[int], str]] = {
    "sentence": lambda n: _fill("The patient denies chest pain and shortness of breath. ", n),
    "one_line": lambda n: _fill("chest pain with nausea, cough and fever, no rash ", n),
    "digits": lambda n: _fill("0123456789", n),
    "one_word": lambda n: _fill("pain ", n),
    "vitals": lambda n: _fill("BP 120/80, HR 88, RR 16, T 37.2 C, SpO2 98% RA. ", n),
    "list_items": lambda n: "".join(f"- item {i}: metformin 500 mg BID\n" for i in range(50_000))[
        :n
    ],
    "note_repeated": lambda n: _fill(_NOTE, n),
}


def run_shape(name: str, size: int) -> dict[str, float | str]:
    note = SHAPES[name](size)
    started = time.perf_counter()
    report = medassist.analyze_text(note)
    payload = report.model_dump_json()
    elapsed = time.perf_counter() - started
    timings = (
        report.safety.audit.timings_ms
        if getattr(report.safety, "audit", None) is not None
        and hasattr(report.safety.audit, "timings_ms")
        else {}
    )
    return {
        "shape": name,
        "bytes": len(note.encode("utf-8")),
        "seconds": round(elapsed, 2),
        "json_bytes": len(payload.encode("utf-8")),
        "ratio": round(len(payload) / max(1, len(note)), 2),
        "entities": len(report.entities),
        "measurements": len(report.vitals) + len(report.labs),
        "timings_ms": json.dumps({k: round(v) for k, v in dict(timings).items()}),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1_000_000, help="note size in bytes")
    ap.add_argument("--shape", choices=sorted(SHAPES), action="append")
    ap.add_argument("--profile", action="store_true", help="cProfile the (first) shape")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    args = ap.parse_args(argv)
    shapes = args.shape or list(SHAPES)
    medassist.analyze_text(_NOTE)  # warm-up: rule compilation, lexicons
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        run_shape(shapes[0], args.size)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
        return 0
    rows = [run_shape(s, args.size) for s in shapes]
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(
            f"{'shape':<14} {'bytes':>9} {'s':>7} {'json':>10} {'ratio':>6} {'ents':>6} {'meas':>6}"
        )
        for r in rows:
            print(
                f"{r['shape']:<14} {r['bytes']:>9} {r['seconds']:>7} {r['json_bytes']:>10} "
                f"{r['ratio']:>6} {r['entities']:>6} {r['measurements']:>6}  {r['timings_ms']}"
            )
    bad = [
        r["shape"]
        for r in rows
        if float(r["seconds"]) > TIME_LIMIT_S * args.size / 1_000_000
        or float(r["ratio"]) > SIZE_RATIO_LIMIT
    ]
    print(
        f"targets: <= {TIME_LIMIT_S:g} s per MB, JSON <= {SIZE_RATIO_LIMIT:g}x the note; "
        + ("all met" if not bad else f"missed by: {', '.join(bad)}")
    )
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
