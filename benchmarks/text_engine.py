"""Throughput and latency of the medassist text engine, side by side with medspaCy.

Runs over MTSamples transcriptions (``../shared/data/mtsamples/mtsamples.csv``, CC0), single
process, one note at a time:

* medassist ``medassist.text.engine.extract`` (the full engine: sections, sentences, lexicon +
  drug matcher, ConText-style context, medications, vitals/labs, demographics, summary), and its
  core alone (sections + sentences + matcher + context), for a like-for-like comparison;
* medassist ``medassist.analyze_text``, the whole pipeline a user calls (input guard,
  extraction, calculators, every safety layer), with its per-stage times;
* medspaCy's pipeline (``medspacy.load()``: PyRuSH sentences, TargetMatcher, ConText with its
  default rules) with ONE fixed term list stored with the benchmark
  (``benchmarks/medspacy_terms.json``: ICD-10-CM category titles, never an export of
  medassist's lexicon, so the peer stays the same while medassist's vocabulary grows), run in a
  subprocess with the medspaCy virtualenv's python (``bash benchmarks/setup_medspacy_env.sh``
  creates it at ``.venv-medspacy``), on the same notes in the same run.

Reports notes/s, p50/p95 latency, p50 for notes of about 2 KB (1.8-2.2 KB), the same in CPU time
of the thread (``time.thread_time``: what a note costs on an unshared machine; wall time on a
shared one is inflated by other processes), the cold start time of the engine (import + lexicon
load + first note, in a fresh subprocess; the drug lexicon is read from its prebuilt cache in
``~/.cache/medassist`` after the first run on a machine, see ``medassist.text.drug_cache``),
resident memory, and the throughput ratios (analyze_text, engine and core against medspaCy).
Targets: analyze_text >= 10x medspaCy's throughput, p50 <= 10 ms for a 2 KB note,
start <= 1 s, RSS <= 300 MB.

    python3.11 benchmarks/text_engine.py                 # 1000 notes
    python3.11 benchmarks/text_engine.py --limit 0       # every note
    python3.11 benchmarks/text_engine.py --no-medspacy   # medassist only
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "mtsamples" / "mtsamples.csv"
MEDSPACY_PYTHON = ROOT / ".venv-medspacy" / "bin" / "python"
TERMS = Path(__file__).resolve().parent / "medspacy_terms.json"
TARGETS = {"ratio": 10.0, "p50_2kb_ms": 10.0, "start_s": 1.0, "rss_mb": 300.0}

_START_SCRIPT = """
import json, time
note = "HPI: 60 yo man with HTN and CP. Denies SOB. Meds: metformin 500 mg PO BID. BP 120/80."
parts = {}
t0, c0 = time.perf_counter(), time.process_time()
from medassist.text.engine import extract
t1 = time.perf_counter()
# first call of each component, in engine order (each loads its own data lazily)
from medassist.text.sections import detect_sections
from medassist.text.sentences import split_sentences
from medassist.text.matcher import find_concepts
for name, call in (
    ("sections", lambda: detect_sections(note)),
    ("sentences", lambda: split_sentences(note)),
    ("lexicon_matcher", lambda: find_concepts(note)),
    ("drugs", lambda: __import__("medassist.text.drugs", fromlist=["x"]).find_drug_mentions(note)),
):
    a = time.perf_counter()
    call()
    parts[name] = time.perf_counter() - a
a = time.perf_counter()
extract(note)  # the remaining components (context, medications, measurements, ...)
parts["rest_of_engine"] = time.perf_counter() - a
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_extract_s": t2 - t1, "start_s": t2 - t0,
                  "start_cpu_s": time.process_time() - c0, "parts_s": parts}))
"""

_MEDSPACY_SCRIPT = r"""
import json, resource, sys, time
lexicon_path, notes_path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
import medspacy
from medspacy.ner import TargetRule
nlp = medspacy.load()  # PyRuSH sentences, TargetMatcher, ConText (default rules)
rules = []
for term in json.load(open(lexicon_path))["terms"]:
    if term.get("case_sensitive"):
        pattern = [{"TEXT": tok.text} for tok in nlp.tokenizer(term["literal"])]
        rules.append(TargetRule(term["literal"], term["category"], pattern=pattern))
    else:
        rules.append(TargetRule(term["literal"], term["category"]))
nlp.get_pipe("medspacy_target_matcher").add(rules)
nlp("HPI: 60 yo man with HTN and CP. Denies SOB.")
start_s = time.perf_counter() - t0
notes = [json.loads(line) for line in open(notes_path)]
lat = []
ents = 0
t1 = time.perf_counter()
for text in notes:
    a = time.perf_counter()
    doc = nlp(text)
    ents += len(doc.ents)
    lat.append(time.perf_counter() - a)
total = time.perf_counter() - t1
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"latencies": lat, "total_s": total, "start_s": start_s, "rules": len(rules),
                  "entities": ents, "peak_rss_mb": rss_kb / 1024,
                  "version": medspacy.__version__}))
"""


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return s[k]


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB (Linux /proc)."""
    cur = peak = float("nan")
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return cur, peak


def load_notes(limit: int) -> list[str]:
    if not DATA.is_file():
        sys.exit(f"shared data folder absent: {DATA}")
    csv.field_size_limit(10_000_000)
    with DATA.open(newline="", encoding="utf-8") as fh:
        notes = [
            r["transcription"] for r in csv.DictReader(fh) if (r["transcription"] or "").strip()
        ]
    if limit > 0:
        step = max(1, len(notes) // limit)
        notes = notes[::step][:limit]
    return notes


def cold_start() -> dict[str, float]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _START_SCRIPT], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - t0
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = wall
    return result


def _stats(latencies: list[float], notes: list[str], total: float) -> dict[str, float]:
    two_kb = [t for t, n in zip(latencies, notes, strict=True) if 1800 <= len(n) <= 2200]
    return {
        "notes": len(latencies),
        "notes_per_s": len(latencies) / total if total else float("nan"),
        "p50_ms": _pct(latencies, 50) * 1000,
        "p95_ms": _pct(latencies, 95) * 1000,
        "p50_2kb_ms": _pct(two_kb, 50) * 1000,
        "n_2kb": len(two_kb),
    }


def run_medassist(notes: list[str]) -> dict[str, dict[str, float]]:
    from medassist.text.context import apply_context
    from medassist.text.engine import extract
    from medassist.text.matcher import find_entities
    from medassist.text.sections import detect_sections, section_at
    from medassist.text.sentences import split_sentences

    def core(text: str) -> int:
        sections = detect_sections(text)
        sentences = split_sentences(text)
        entities = find_entities(text)
        for e in entities:
            e.section = section_at(sections, e.start)
        apply_context(text, sentences, sections, entities)
        return len(entities)

    import medassist

    extract(notes[0])  # warm caches (lexicons, rules) outside the timed loop
    medassist.analyze_text(notes[0])
    breakdown = _component_breakdown(notes)
    stages: dict[str, float] = {}

    def analyze(text: str) -> object:
        report = medassist.analyze_text(text)
        for stage, ms in report.safety.audit.timings_ms.items():
            stages[stage] = stages.get(stage, 0.0) + ms
        return report

    results: dict[str, dict[str, float]] = {}
    for name, fn in (("analyze_text", analyze), ("engine", extract), ("core", core)):
        lat: list[float] = []
        cpu: list[float] = []
        t0 = time.perf_counter()
        for text in notes:
            a, c = time.perf_counter(), time.thread_time()
            fn(text)
            cpu.append(time.thread_time() - c)
            lat.append(time.perf_counter() - a)
        results[name] = _stats(lat, notes, time.perf_counter() - t0)
        # CPU time of this thread: what a note costs when the machine is not shared
        cpu_stats = _stats(cpu, notes, sum(cpu))
        results[name].update(
            cpu_p50_ms=cpu_stats["p50_ms"],
            cpu_p50_2kb_ms=cpu_stats["p50_2kb_ms"],
            cpu_mean_ms=sum(cpu) / len(cpu) * 1000,
        )
    results["breakdown_ms"] = breakdown
    results["stages_ms"] = {k: v / len(notes) for k, v in stages.items()}
    cur, peak = _rss_mb()
    results["engine"]["rss_mb"] = cur
    results["engine"]["peak_rss_mb"] = peak
    return results


def _component_breakdown(notes: list[str]) -> dict[str, float]:
    """Mean ms per note spent in each engine component (same calls as engine.extract)."""
    from medassist.schemas.text import TextExtraction
    from medassist.text.context import apply_context
    from medassist.text.demographics import extract_demographics
    from medassist.text.drugs import find_drug_mentions
    from medassist.text.matcher import find_concepts, find_entities
    from medassist.text.measurements import extract_labs, extract_vitals
    from medassist.text.medications import extract_medications
    from medassist.text.sections import detect_sections, find_headers, section_at
    from medassist.text.sentences import split_sentences
    from medassist.text.summary import build_summary

    total: dict[str, float] = {}

    def timed(name: str, fn, *args):  # type: ignore[no-untyped-def]
        a = time.perf_counter()
        out = fn(*args)
        total[name] = total.get(name, 0.0) + (time.perf_counter() - a)
        return out

    for text in notes:
        find_headers.cache_clear()  # charge header detection to "sections" every time
        sections = timed("sections", detect_sections, text)
        sentences = timed("sentences", split_sentences, text)
        timed("lexicon_matcher", find_concepts, text)
        timed("drug_mentions", find_drug_mentions, text)
        entities = timed("find_entities (both + merge)", find_entities, text)
        for e in entities:
            e.section = section_at(sections, e.start)
        timed("context", apply_context, text, sentences, sections, entities)
        meds = timed("medications", extract_medications, text, sentences, sections, entities)
        vitals = timed("vitals", extract_vitals, text)
        labs = timed("labs", extract_labs, text)
        demo = timed("demographics", extract_demographics, text)
        extraction = TextExtraction(
            text_length=len(text),
            sections=sections,
            entities=entities,
            medications=meds,
            vitals=vitals,
            labs=labs,
            demographics=demo,
        )
        timed("summary", build_summary, extraction)
    return {k: v / len(notes) * 1000 for k, v in total.items()}


def run_medspacy(notes: list[str], python: Path) -> dict[str, float] | None:
    if not python.is_file():
        print(f"medspaCy venv not found ({python}); run: bash benchmarks/setup_medspacy_env.sh")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        lex = TERMS  # fixed: never an export of medassist's own lexicon
        notes_path = Path(tmp) / "notes.jsonl"
        notes_path.write_text("\n".join(json.dumps(n) for n in notes), encoding="utf-8")
        script = Path(tmp) / "medspacy_side.py"
        script.write_text(_MEDSPACY_SCRIPT, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        out = subprocess.run(
            [str(python), str(script), str(lex), str(notes_path)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    if out.returncode != 0:
        print("medspaCy side failed:\n" + out.stderr[-2000:])
        return None
    raw = json.loads(out.stdout.strip().splitlines()[-1])
    stats = _stats(raw["latencies"], notes, raw["total_s"])
    stats.update(
        start_s=raw["start_s"],
        peak_rss_mb=raw["peak_rss_mb"],
        rules=raw["rules"],
        version=raw["version"],
    )
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--limit", type=int, default=1000, help="notes to use (0 = all)")
    ap.add_argument("--medspacy-python", type=Path, default=MEDSPACY_PYTHON)
    ap.add_argument("--no-medspacy", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)

    notes = load_notes(args.limit)
    print(f"MTSamples notes: {len(notes)} (mean {sum(map(len, notes)) / len(notes):.0f} chars)")
    start = cold_start()
    ours = run_medassist(notes)
    theirs = None if args.no_medspacy else run_medspacy(notes, args.medspacy_python)

    def row(name: str, s: dict[str, float]) -> str:
        return (
            f"{name:<22}{s['notes_per_s']:>10.1f}{s['p50_ms']:>10.2f}{s['p95_ms']:>10.2f}"
            f"{s['p50_2kb_ms']:>12.2f}"
        )

    print(f"\n{'':<22}{'notes/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p50 2KB ms':>12}")
    print(row("medassist analyze_text", ours["analyze_text"]))
    print(row("medassist engine", ours["engine"]))
    print(row("medassist core", ours["core"]))
    for name in ("analyze_text", "engine", "core"):
        s = ours[name]
        print(
            f"  {name} CPU time (thread_time): p50 {s['cpu_p50_ms']:.2f} ms, "
            f"p50 2KB {s['cpu_p50_2kb_ms']:.2f} ms, mean {s['cpu_mean_ms']:.2f} ms"
        )
    if theirs:
        print(row(f"medspaCy {theirs['version']}", theirs))
    print("\nanalyze_text, mean ms per note by stage (the report's audit timings):")
    for name, ms in ours["stages_ms"].items():
        print(f"  {name:<30}{ms:>8.2f}")
    print("\nmean ms per note by component (lexicon_matcher + drug_mentions ~ find_entities):")
    for name, ms in ours["breakdown_ms"].items():
        print(f"  {name:<30}{ms:>8.2f}")
    print(f"\n2 KB notes (1.8-2.2 KB): {ours['engine']['n_2kb']}")
    print(
        f"medassist cold start: {start['start_s']:.3f} s (import {start['import_s']:.3f} s + "
        f"first note {start['first_extract_s']:.3f} s; process wall {start['process_wall_s']:.3f} s; "
        f"CPU {start['start_cpu_s']:.3f} s)"
    )
    print(
        "  first call by component (s): "
        + ", ".join(f"{k} {v:.3f}" for k, v in start["parts_s"].items())
    )
    print(
        f"medassist RSS after the run: {ours['engine']['rss_mb']:.0f} MB "
        f"(peak {ours['engine']['peak_rss_mb']:.0f} MB)"
    )
    figures: dict[str, object] = {"medassist": ours, "start": start, "medspacy": theirs}
    if theirs:
        ratio = ours["analyze_text"]["notes_per_s"] / theirs["notes_per_s"]
        ratio_engine = ours["engine"]["notes_per_s"] / theirs["notes_per_s"]
        ratio_core = ours["core"]["notes_per_s"] / theirs["notes_per_s"]
        figures["ratio"] = ratio
        figures["ratio_engine"] = ratio_engine
        figures["ratio_core"] = ratio_core
        print(
            f"medspaCy: start {theirs['start_s']:.2f} s, peak RSS {theirs['peak_rss_mb']:.0f} MB, "
            f"{theirs['rules']} target rules"
        )
        print(
            f"throughput ratio medassist analyze_text / medspaCy: {ratio:.1f}x "
            f"(extraction engine: {ratio_engine:.1f}x, core: {ratio_core:.1f}x)"
        )
    checks = {
        "p50 2KB <= 10 ms": ours["engine"]["p50_2kb_ms"] <= TARGETS["p50_2kb_ms"],
        "start <= 1 s": start["start_s"] <= TARGETS["start_s"],
        "RSS <= 300 MB": ours["engine"]["peak_rss_mb"] <= TARGETS["rss_mb"],
    }
    if theirs:
        checks["analyze_text >= 10x medspaCy"] = figures["ratio"] >= TARGETS["ratio"]  # type: ignore[operator]
    print("targets: " + ", ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in checks.items()))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
