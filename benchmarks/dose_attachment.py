"""Dose attachment in prose: is the dose (number and unit) given to the right drug?

Two sets, both scored sentence by sentence through the full text engine
(``medassist.text.engine.extract``):

* ``benchmarks/data/dose_attachment_dev.tsv``: 309 drug-dose relations in 198 sentences of the
  MedCalc-Bench case reports (``../shared/data/medcalc/medcalc_dev.csv``, CC-BY-SA-4.0),
  annotated by hand for this project (see the file's header). Split in halves by a fixed hash
  of the note id (SHA-256, first byte even -> ``tune``, odd -> ``report``): rules were tuned on
  the ``tune`` half only; the ``report`` half is the figure to quote.
* ``../shared/data/ade-drug-dose/DRUG-DOSE.rel`` (ADE corpus, half; never tuned on): each line
  relates a dose string to a drug mention. Relations whose dose has a number ("12 mg",
  "2 g/m2 intravenously every 12 hours") are scored on its first number and unit; descriptive
  doses ("high", "standard") have no number and are only counted.

Metrics per relation (in the ADE set, per drug mention: a mention related to several doses
counts once, attached when it carries any of them): ``drug found`` (a medication the engine reports overlaps the gold drug
mention), ``dose attached`` (that medication carries the gold number and unit; a per-day unit
"mg/day" also matches "mg" with frequency "daily"), and for the dev set route / frequency /
duration accuracy over the relations whose gold states them.

    python3.11 benchmarks/dose_attachment.py                  # both sets, both halves
    python3.11 benchmarks/dose_attachment.py --misses report  # list misses of one part
                                                              # (tune, report or ade)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "benchmarks" / "data" / "dose_attachment_dev.tsv"
MEDCALC = ROOT / ".." / "shared" / "data" / "medcalc" / "medcalc_dev.csv"
ADE = ROOT / ".." / "shared" / "data" / "ade-drug-dose" / "DRUG-DOSE.rel"


@dataclass
class Relation:
    part: str  # tune | report | ade
    sentence: str
    drug_spans: list[tuple[int, int]]  # offsets into ``sentence``
    drug: str
    doses: list[tuple[float, str]]  # (number, unit): any of them counts (ADE: one per dose)
    route: str | None = None
    frequency: str | None = None
    duration: str | None = None
    key: str = ""


@dataclass
class Score:
    total: int = 0
    found: int = 0
    attached: int = 0
    fields: dict[str, list[int]] = field(default_factory=dict)  # name -> [right, total]
    misses: list[str] = field(default_factory=list)


def split_of(note_id: str) -> str:
    return "tune" if hashlib.sha256(note_id.encode()).digest()[0] % 2 == 0 else "report"


def _opt(value: str) -> str | None:
    return None if value in ("", "-") else value


def load_dev() -> list[Relation]:
    csv.field_size_limit(10_000_000)
    with MEDCALC.open(encoding="utf-8", newline="") as handle:
        notes = {row["Note ID"]: row["Patient Note"] for row in csv.DictReader(handle)}
    out: list[Relation] = []
    with DEV.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t"):
        note = notes[row["note_id"]]
        start, end = int(row["sentence_start"]), int(row["sentence_end"])
        sentence = note[start:end]
        if hashlib.sha1(sentence.encode()).hexdigest()[:10] != row["sentence_sha1"]:
            sys.exit(f"sentence drifted: {row['note_id']} {start}-{end}")
        spans = []
        for span in row["drug_spans"].split(";"):
            a, b = span.split("-")
            spans.append((int(a) - start, int(b) - start))
        out.append(
            Relation(
                split_of(row["note_id"]),
                sentence,
                spans,
                row["drug"],
                [(float(row["dose"]), row["unit"])],
                _opt(row["route"]),
                _opt(row["frequency"]),
                _opt(row["duration"]),
                key=f"{row['note_id']}@{start}",
            )
        )
    return out


_GOLD_DOSE = re.compile(
    r"(?P<n>\d+(?:[.,]\d+)?)\s*(?:(?:-|to)\s*\d+(?:\.\d+)?\s*)?-?\s*"
    r"(?P<u>(?:micro\s*g\b|[a-zµμ%]+)(?:\s*(?:/|per)\s*(?:kg|m\(2\)|m2|m²|m\^2|day|d|h|hr|hour|min|week|wk|g))*)?",
    re.IGNORECASE,
)


def gold_unit(raw: str) -> str:
    unit = re.sub(r"\s*per\s*", "/", raw.lower()).replace(" ", "")
    unit = re.sub(r"m\(2\)|m²|m\^2", "m2", unit)
    unit = re.sub(r"^microg", "mcg", unit)
    from medassist.text.medications import normalize_unit

    return normalize_unit(unit) or unit


def load_ade() -> tuple[list[Relation], int]:
    out: list[Relation] = []
    descriptive = 0
    for line in ADE.read_text(encoding="utf-8").splitlines():
        parts = line.split("|")
        if len(parts) != 8:
            continue
        pmid, sentence, dose, d0, _d1, drug, g0, g1 = parts
        match = _GOLD_DOSE.search(dose)
        if match is None or not match.group("u"):
            descriptive += 1
            continue
        # the sentence's offset in its abstract: the one that puts both mentions in place
        shift = int(d0) - int(g0)
        pos = -1
        for m in re.finditer(re.escape(drug), sentence):
            if sentence[m.start() + shift : m.start() + shift + len(dose)] == dose:
                pos = m.start()
                break
        if pos < 0:
            pos = sentence.find(drug)
        if pos < 0:
            continue
        number = float(match.group("n").replace(",", ""))
        span = (pos, pos + int(g1) - int(g0))
        gold = (number, gold_unit(match.group("u")))
        same = [r for r in out if r.sentence == sentence and r.drug_spans == [span]]
        if same:  # one mention related to several doses ("190 mg, 175 mg and 196 mg of X")
            same[0].doses.append(gold)
            continue
        out.append(Relation("ade", sentence, [span], drug, [gold], key=f"{pmid}"))
    return out, descriptive


_PER = {"/day": "daily", "/week": "weekly"}


def _per_time(unit: str | None) -> tuple[str | None, str | None]:
    for suffix, frequency in _PER.items():
        if unit and unit.endswith(suffix):
            return unit[: -len(suffix)], frequency
    return unit, None


def _dose_ok(rel: Relation, med) -> bool:
    if med.dose is None:
        return False
    for number, unit in rel.doses:
        if abs(med.dose - number) > 1e-6:
            continue
        gold, gold_per = _per_time(unit)
        got, got_per = _per_time(med.unit)
        if gold != got:
            continue
        if gold_per and not got_per and med.frequency not in (gold_per, None):
            continue
        return True
    return False


def score(relations: list[Relation], extract) -> Score:
    result = Score()
    cache: dict[str, list] = {}
    for rel in relations:
        meds = cache.get(rel.sentence)
        if meds is None:
            meds = extract(rel.sentence).medications
            cache[rel.sentence] = meds
        hits = [m for m in meds if any(m.start < b and a < m.end for a, b in rel.drug_spans)]
        result.total += 1
        if hits:
            result.found += 1
        good = [m for m in hits if _dose_ok(rel, m)]
        if good:
            result.attached += 1
        best = good[0] if good else (hits[0] if hits else None)
        for name in ("route", "frequency", "duration"):
            want = getattr(rel, name)
            if want is None:
                continue
            have = getattr(best, name) if best is not None else None
            if name == "frequency" and want == "daily" and have is None and best is not None:
                have = "daily" if (best.unit or "").endswith("/day") else None
            cell = result.fields.setdefault(name, [0, 0])
            cell[1] += 1
            cell[0] += int(have == want)
        if not good:
            got = (
                ", ".join(f"{m.text}={m.dose} {m.unit}" for m in hits) if hits else "drug not found"
            )
            result.misses.append(
                f"[{rel.key}] {rel.drug}: want "
                + " or ".join(f"{n:g} {u}" for n, u in rel.doses)
                + f"; got {got}\n"
                f"    {rel.sentence.strip()}"
            )
    return result


def _line(name: str, s: Score) -> str:
    def r(a: int, b: int) -> str:
        return f"{a / b:.3f}" if b else "  n/a"

    extra = "  ".join(f"{k} {r(*v)} ({v[1]})" for k, v in s.fields.items())
    return (
        f"{name:<28} relations {s.total:>4}  drug found {r(s.found, s.total)}  "
        f"dose attached {r(s.attached, s.total)}  {extra}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--misses", choices=("tune", "report", "ade"), help="list misses")
    args = parser.parse_args(argv)
    from medassist.text.engine import extract

    for path in (MEDCALC, ADE):
        if not path.is_file():
            print(f"missing data file: {path}", file=sys.stderr)
            return 2
    dev = load_dev()
    ade, descriptive = load_ade()
    t0 = time.perf_counter()
    parts = {
        "tune": [r for r in dev if r.part == "tune"],
        "report": [r for r in dev if r.part == "report"],
        "ade": ade,
    }
    scores = {name: score(rels, extract) for name, rels in parts.items()}
    elapsed = time.perf_counter() - t0
    print("Dose attachment (number and unit on the right drug), text engine, sentence by sentence")
    print(_line("medcalc dev, tune half", scores["tune"]))
    print(_line("medcalc dev, REPORT half", scores["report"]))
    print(_line("ADE DRUG-DOSE (shared half)", scores["ade"]))
    print(f"ADE relations with a descriptive dose only (not scored): {descriptive}")
    print(f"({elapsed:.1f} s)")
    if args.misses:
        print(f"\nMisses ({args.misses}):")
        for miss in scores[args.misses].misses:
            print(miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
