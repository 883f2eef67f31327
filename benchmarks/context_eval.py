"""Evaluate the ConText classifier on the NegEx dev set, side by side with medspaCy's ConText.

    python3.11 benchmarks/context_eval.py                 # both systems, table + differences
    python3.11 benchmarks/context_eval.py --no-medspacy   # medassist only
    python3.11 benchmarks/context_eval.py --errors negated # list medassist's misses
    python3.11 benchmarks/context_eval.py --split tune     # the half the rules are tuned on

Held-out split: the rows are split in two halves by a fixed hash of the row id
(:func:`half_of`: SHA-256 of ``"negex-context:" + id``, first byte even -> ``tune``, odd ->
``report``), fixed before any tuning. Rules are tuned on the ``tune`` half only; the figures
to quote are those of the ``report`` half (the default). ``--split all`` scores both.

Data: ``<repo>/../shared/data/negex/negex_context_dev.tsv`` (columns id, concept, sentence,
negation, temporality, experiencer). Positive classes: negation=Negated,
temporality=Historical, experiencer=Family member. The concept is located in its sentence
case-insensitively with any whitespace between its tokens; where it occurs more than once
the upper-cased occurrence is taken (the corpus upper-cases the target); rows where it
cannot be found are counted and left out of both systems' scores.

medspaCy runs in its own virtualenv (``benchmarks/setup_medspacy_env.sh`` creates
``<repo>/.venv-medspacy``) in a subprocess, with its default ConText rules; each sentence is
one spaCy sentence and the concept is its one entity.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / ".." / "shared" / "data" / "negex" / "negex_context_dev.tsv"
DEFAULT_VENV = REPO / ".venv-medspacy"
FLAGS = ("negated", "historical", "family")
SPLITS = ("report", "tune", "all")


def half_of(row_id: str) -> str:
    """The fixed half of a row: ``tune`` or ``report`` (chosen before tuning, never changed)."""
    digest = hashlib.sha256(f"negex-context:{row_id.strip()}".encode()).digest()
    return "tune" if digest[0] % 2 == 0 else "report"


# Runs inside the medspaCy venv: reads [{sentence, start, end}] on stdin, writes flags.
MEDSPACY_RUNNER = r"""
import json, sys, time
import spacy, medspacy  # noqa: F401  (registers the medspacy_context factory)
items = json.load(sys.stdin)
nlp = spacy.blank("en")
context = nlp.add_pipe("medspacy_context")
out = []
t0 = time.perf_counter()
for it in items:
    doc = nlp.make_doc(it["sentence"])
    for i, tok in enumerate(doc):
        tok.is_sent_start = i == 0
    span = doc.char_span(it["start"], it["end"], label="TARGET", alignment_mode="expand")
    if span is None:
        out.append(None)
        continue
    doc.ents = [span]
    doc = context(doc)
    ent = doc.ents[0]
    out.append({"negated": bool(ent._.is_negated), "historical": bool(ent._.is_historical),
                "family": bool(ent._.is_family), "uncertain": bool(ent._.is_uncertain),
                "hypothetical": bool(ent._.is_hypothetical)})
elapsed = time.perf_counter() - t0
json.dump({"results": out, "seconds": elapsed, "medspacy": medspacy.__version__,
           "spacy": spacy.__version__}, sys.stdout)
"""


@dataclass
class Row:
    id: str
    concept: str
    sentence: str
    start: int
    end: int
    gold: dict[str, bool]


def locate(concept: str, sentence: str) -> tuple[int, int] | None:
    tokens = concept.split()
    if not tokens:
        return None
    rx = re.compile(r"\s+".join(re.escape(t) for t in tokens), re.IGNORECASE)
    found = list(rx.finditer(sentence))
    if not found:
        return None
    upper = [m for m in found if m.group().isupper()]
    m = upper[-1] if upper else found[0]
    return m.start(), m.end()


def load_rows(path: Path, split: str = "all") -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    missing: list[str] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh, delimiter="\t"):
            if split != "all" and half_of(rec["id"]) != split:
                continue
            where = locate(rec["concept"], rec["sentence"])
            if where is None:
                missing.append(rec["id"])
                continue
            gold = {
                "negated": rec["negation"] == "Negated",
                "historical": rec["temporality"] == "Historical",
                "family": rec["experiencer"] == "Family member",
            }
            rows.append(Row(rec["id"], rec["concept"], rec["sentence"], *where, gold))
    return rows, missing


def prf(gold: list[bool], pred: list[bool]) -> tuple[float, float, float, int, int, int]:
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, fp, fn


def run_medassist(
    rows: list[Row],
) -> tuple[list[dict[str, bool]], float, float, list[dict[str, str]]]:
    """Predictions, mean and median µs per target (best of 3 passes), trigger phrases."""
    sys.path.insert(0, str(REPO / "src"))
    from medassist.text.context import classify_context, load_rules

    load_rules()  # compile once, outside the timing
    preds: list[dict[str, bool]] = []
    triggers: list[dict[str, str]] = []
    per_row = [float("inf")] * len(rows)
    clock = time.perf_counter
    for _ in range(3):
        preds, triggers = [], []
        for i, row in enumerate(rows):
            t0 = clock()
            a = classify_context(row.sentence, row.start, row.end)
            per_row[i] = min(per_row[i], clock() - t0)
            preds.append({f: getattr(a, f) for f in FLAGS})
            triggers.append(a.triggers)
    return preds, statistics.mean(per_row) * 1e6, statistics.median(per_row) * 1e6, triggers


def run_medspacy(
    rows: list[Row], venv: Path
) -> tuple[list[dict[str, bool] | None], float, str] | None:
    python = venv / "bin" / "python"
    if not python.exists():
        return None
    check = subprocess.run([str(python), "-c", "import medspacy"], capture_output=True)
    if check.returncode != 0:
        return None
    items = [{"sentence": r.sentence, "start": r.start, "end": r.end} for r in rows]
    proc = subprocess.run(
        [str(python), "-c", MEDSPACY_RUNNER],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"medspaCy runner failed:\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout)
    version = f"medspacy {out['medspacy']}, spacy {out['spacy']}"
    return out["results"], out["seconds"] / len(rows) * 1e6, version


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    ap.add_argument("--no-medspacy", action="store_true")
    ap.add_argument(
        "--split",
        choices=SPLITS,
        default="report",
        help="which fixed half to score: report (held out, default), tune, or all",
    )
    ap.add_argument("--errors", choices=FLAGS, help="list medassist's misses for one flag")
    args = ap.parse_args(argv)

    if not args.data.exists():
        print(f"data not found: {args.data}")
        return 2
    rows, missing = load_rows(args.data, args.split)
    print(
        f"NegEx dev set, {args.split} half (fixed hash of the row id; rules tuned on the "
        f"tune half only): {len(rows) + len(missing)} rows, {len(rows)} evaluated, "
        f"{len(missing)} where the concept is not in the sentence (ids {', '.join(missing)})"
    )
    positives = {f: sum(r.gold[f] for r in rows) for f in FLAGS}
    print("positives: " + ", ".join(f"{f} {n}" for f, n in positives.items()))

    ours, us_ours, us_median, our_triggers = run_medassist(rows)
    systems: dict[str, list[dict[str, bool] | None]] = {"medassist": list(ours)}
    speed = {"medassist": us_ours}
    ms = None if args.no_medspacy else run_medspacy(rows, args.venv)
    if ms is None and not args.no_medspacy:
        print("medspaCy: not installed — run benchmarks/setup_medspacy_env.sh")
    elif ms is not None:
        systems["medspaCy"] = ms[0]
        speed["medspaCy"] = ms[1]
        print(f"medspaCy: {ms[2]} (default ConText rules)")

    scores: dict[str, dict[str, tuple[float, float, float, int, int, int]]] = {}
    print()
    print(f"{'flag':<11}{'system':<11}{'P':>7}{'R':>7}{'F1':>7}{'TP':>6}{'FP':>6}{'FN':>6}")
    for flag in FLAGS:
        for name, preds in systems.items():
            pairs = [(r.gold[flag], bool(p and p[flag])) for r, p in zip(rows, preds, strict=True)]
            s = prf([g for g, _ in pairs], [p for _, p in pairs])
            scores.setdefault(name, {})[flag] = s
            print(
                f"{flag:<11}{name:<11}{s[0]:>7.3f}{s[1]:>7.3f}{s[2]:>7.3f}{s[3]:>6}{s[4]:>6}{s[5]:>6}"
            )
    if "medspaCy" in scores:
        print()
        print(
            "F1 difference (medassist - medspaCy): "
            + ", ".join(
                f"{flag} {scores['medassist'][flag][2] - scores['medspaCy'][flag][2]:+.3f}"
                for flag in FLAGS
            )
        )
    print()
    lengths = sorted(len(r.sentence) for r in rows)
    print("speed: " + ", ".join(f"{name} {us:.1f} µs/target (mean)" for name, us in speed.items()))
    print(
        f"       medassist median {us_median:.1f} µs/target; sentences median "
        f"{lengths[len(lengths) // 2]} chars, max {lengths[-1]} (classify_context per target, "
        "best of 3; medspaCy: ConText component only, spaCy tokenisation included)"
    )

    if args.errors:
        print(f"\nmedassist misses for {args.errors}:")
        for row, pred, trig in zip(rows, ours, our_triggers, strict=True):
            if row.gold[args.errors] != pred[args.errors]:
                kind = "FN" if row.gold[args.errors] else "FP"
                text = re.sub(r"\s+", " ", row.sentence)
                print(f"{row.id:>5} {kind} {row.concept.strip()!r} {trig} | {text[:200]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
