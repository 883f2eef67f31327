"""Condition coverage and precision of the text engine on UK/AU general-practice notes.

Data: ``../shared/data/syngp500/`` (226 of the 500 synthetic GP notes of pisong314/syngp500,
CC BY-NC-SA 4.0; one labelled condition each; the shared half was split by condition so that the
conditions of the other half are unseen). The notes are split again here, by a fixed hash of the
labelled condition (sha256 of its normalised text, even first byte: ``tune``, odd: ``report``):
rules and vocabulary are tuned only on the tune half, figures are quoted on the report half.

Coverage: a note is covered when some entity that is not negated (any category but medication)
carries every content word of the labelled condition in its text, its preferred name or the
ICD-10-CM / HPO description of its code, or when its code maps to the labelled SNOMED CT concept
(HPO terms carry SNOMED CT cross-references; the figure by words alone is printed beside). Words are compared after the engine's own spelling
normalisation (British/American) and a light plural rule; a SNOMED semantic tag left in the
condition ("... disorder " after a double space) is dropped.

Precision: ``benchmarks/data/gp_precision_annotations.tsv`` holds a judgement (correct / wrong)
of every condition the engine reported (category condition, affirmed: not negated, uncertain,
hypothetical or about a relative) on 40 notes of the report half (the first 40 by a fixed hash of
the file name), annotated by hand. The benchmark re-runs the engine on those notes and reports
precision over the judged mentions, and how many reported mentions carry no judgement (they
appear when the engine changes; ``--annotate`` prints them in the file's format).

    python3.11 benchmarks/gp_coverage.py                  # both halves, precision
    python3.11 benchmarks/gp_coverage.py --half tune --misses
    python3.11 benchmarks/gp_coverage.py --annotate       # unjudged reported mentions
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "syngp500"
ANNOTATIONS = ROOT / "benchmarks" / "data" / "gp_precision_annotations.tsv"
TARGETS = {"coverage": 0.75, "precision": 0.85}
PRECISION_NOTES = 40
STOPWORDS = frozenset(
    [
        "of",
        "the",
        "and",
        "in",
        "with",
        "to",
        "a",
        "an",
        "on",
        "or",
        "by",
        "for",
        "due",
        "from",
        "at",
        "as",
        "without",
    ]
)
_SEMANTIC_TAG = re.compile(r"\s{2,}(disorder|finding|morphologic abnormality|situation)\s*$")
_WORD = re.compile(r"[a-z0-9]+")


def split_of(condition: str) -> str:
    key = " ".join(condition.lower().split())
    return "tune" if hashlib.sha256(key.encode()).digest()[0] % 2 == 0 else "report"


def _spelling_key():
    """The engine's spelling normaliser; loaded from this tree's file when the engine under test
    is an older one without it (to measure a baseline with the same word comparison)."""
    try:
        from medassist.text.vocab.spelling import spelling_key
    except ImportError:
        import importlib.util

        path = ROOT / "src" / "medassist" / "text" / "vocab" / "spelling.py"
        spec = importlib.util.spec_from_file_location("_gp_spelling", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        spelling_key = module.spelling_key
    return spelling_key


_KEY = None


def _norm_word(word: str) -> str:
    global _KEY
    if _KEY is None:
        _KEY = _spelling_key()
    word = _KEY(word)
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


def content_words(text: str) -> set[str]:
    return {_norm_word(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def label_words(condition: str) -> set[str]:
    return content_words(_SEMANTIC_TAG.sub("", condition))


def _code_description(system: str | None, code: str | None) -> str:
    if not code:
        return ""
    if system == "ICD-10-CM":
        import simple_icd_10_cm as icd

        try:
            return icd.get_description(code) if icd.is_valid_item(code) else ""
        except Exception:  # noqa: BLE001 - an unknown code has no description
            return ""
    if system == "HPO":
        try:
            from medassist.text.vocab.hpo import hpo_name
        except ImportError:
            return ""
        return hpo_name(code) or ""
    return ""


def entity_words(entity, codes: bool = True) -> set[str]:
    words = content_words(entity.text) | content_words(entity.preferred)
    if not codes:
        return words
    return words | content_words(_code_description(entity.code_system, entity.code))


def load_notes(data: Path) -> list[dict[str, str]]:
    with (data / "index.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["text"] = (data / row["file"]).read_text(encoding="utf-8")
        row["split"] = split_of(row["condition"])
    return rows


def _maps_to(entity, snomed: str | None) -> bool:
    """Whether the entity's code maps to the labelled SNOMED CT concept: HPO terms carry
    SNOMED CT cross-references in the ontology (ICD-10-CM codes carry none offline)."""
    if not snomed or entity.code_system != "HPO":
        return False
    try:
        from medassist.text.vocab.hpo import hpo_xrefs
    except ImportError:
        return False
    return f"SNOMEDCT_US:{snomed}" in hpo_xrefs(entity.code)


def covered(extraction, condition: str, snomed: str | None = None, codes: bool = True) -> bool:
    wanted = label_words(condition)
    for entity in extraction.entities:
        if entity.category == "medication" or entity.context.negated:
            continue
        if wanted <= entity_words(entity, codes) or (codes and _maps_to(entity, snomed)):
            return True
    return False


def reported_conditions(extraction) -> list:
    return [e for e in extraction.entities if e.category == "condition" and e.context.affirmed]


def precision_notes(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    report = [r for r in rows if r["split"] == "report"]
    report.sort(key=lambda r: hashlib.sha256(r["file"].encode()).hexdigest())
    return report[:PRECISION_NOTES]


def load_annotations(path: Path) -> dict[tuple[str, int, int, str], str]:
    out: dict[tuple[str, int, int, str], str] = {}
    if not path.exists():
        return out
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or line.startswith("note\t") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 7:
                raise SystemExit(f"{path.name}: expected 7 columns: {line!r}")
            note, start, end, _text, preferred, verdict, _why = cols
            if verdict not in {"correct", "wrong"}:
                raise SystemExit(f"{path.name}: verdict must be correct|wrong: {line!r}")
            out[(note, int(start), int(end), preferred)] = verdict
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--half", choices=["tune", "report", "both"], default="both")
    parser.add_argument("--misses", action="store_true", help="list uncovered notes")
    parser.add_argument("--annotate", action="store_true", help="print unjudged mentions")
    args = parser.parse_args(argv)

    from medassist.text.engine import extract

    if not (args.data / "index.csv").exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    rows = load_notes(args.data)
    halves = ["tune", "report"] if args.half == "both" else [args.half]
    t0 = time.perf_counter()
    extractions = {r["file"]: extract(r["text"]) for r in rows}
    elapsed = time.perf_counter() - t0
    print(f"{len(rows)} notes analysed in {elapsed:.1f} s")
    for half in halves:
        part = [r for r in rows if r["split"] == half]
        hits = [covered(extractions[r["file"]], r["condition"], r["snomed_code"]) for r in part]
        words_only = [covered(extractions[r["file"]], r["condition"], codes=False) for r in part]
        conditions = {r["condition"] for r in part}
        rate = sum(hits) / len(part) if part else 0.0
        print(
            f"coverage[{half}]: {sum(hits)}/{len(part)} = {rate:.3f} "
            f"({len(conditions)} conditions; target >= {TARGETS['coverage']}); "
            f"by text/preferred words alone: {sum(words_only) / max(1, len(part)):.3f}"
        )
        if args.misses:
            for row, hit in zip(part, hits, strict=True):
                if not hit:
                    print(f"  miss {row['file']}")

    annotations = load_annotations(ANNOTATIONS)
    judged = correct = unjudged = 0
    for row in precision_notes(rows):
        for e in reported_conditions(extractions[row["file"]]):
            note = Path(row["file"]).stem
            verdict = annotations.get((note, e.start, e.end, e.preferred))
            if verdict is None:
                unjudged += 1
                if args.annotate:
                    lo, hi = max(0, e.start - 40), min(len(row["text"]), e.end + 40)
                    snippet = " ".join(row["text"][lo:hi].split())
                    print(
                        f"{note}\t{e.start}\t{e.end}\t{e.text}\t{e.preferred}\t?\t"
                        f"[{e.section}/{getattr(e, 'vocabulary', None)}] {snippet}"
                    )
                continue
            judged += 1
            correct += verdict == "correct"
    if judged:
        print(
            f"precision[report, {PRECISION_NOTES} annotated notes]: {correct}/{judged} = "
            f"{correct / judged:.3f} (target >= {TARGETS['precision']}); unjudged: {unjudged}"
        )
    else:
        print(f"precision: no judged mentions ({unjudged} unjudged)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
