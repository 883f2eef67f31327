"""Floors on the NegEx dev set (shared data), on its held-out report half.

The rows are split in two by a fixed hash of the row id (the same split as
``benchmarks/context_eval.py``): the rules are tuned on the ``tune`` half; the floors below
are on the ``report`` half, which no rule was written for."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pytest

from medassist.text.context import classify_context

DATA = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "negex"
    / "negex_context_dev.tsv"
)


def _locate(concept: str, sentence: str) -> tuple[int, int] | None:
    """The concept in its sentence: any whitespace between tokens, the upper-cased
    occurrence when there are several (the corpus upper-cases its targets)."""
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


def _half(row_id: str) -> str:
    """benchmarks/context_eval.py half_of: fixed before any tuning, never changed."""
    digest = hashlib.sha256(f"negex-context:{row_id.strip()}".encode()).digest()
    return "tune" if digest[0] % 2 == 0 else "report"


def _f1(pairs: list[tuple[bool, bool]]) -> float:
    tp = sum(g and p for g, p in pairs)
    fp = sum(p and not g for g, p in pairs)
    fn = sum(g and not p for g, p in pairs)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


@pytest.fixture(scope="module")
def scored() -> dict[str, object]:
    if not DATA.exists():
        pytest.skip(f"shared data folder absent: {DATA}")
    pairs: dict[str, list[tuple[bool, bool]]] = {"negated": [], "historical": [], "family": []}
    missing = 0
    with DATA.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    halves = {"tune": 0, "report": 0}
    for row in rows:
        halves[_half(row["id"])] += 1
        if _half(row["id"]) != "report":
            continue
        where = _locate(row["concept"], row["sentence"])
        if where is None:
            missing += 1
            continue
        a = classify_context(row["sentence"], *where)
        pairs["negated"].append((row["negation"] == "Negated", a.negated))
        pairs["historical"].append((row["temporality"] == "Historical", a.historical))
        pairs["family"].append((row["experiencer"] == "Family member", a.family))
    return {
        "rows": len(rows),
        "halves": halves,
        "missing": missing,
        **{k: _f1(v) for k, v in pairs.items()},
    }


def test_corpus_is_read_and_almost_every_concept_located(scored: dict[str, object]) -> None:
    assert scored["rows"] == 1188
    halves = scored["halves"]
    assert isinstance(halves, dict) and halves["tune"] + halves["report"] == 1188
    assert min(halves.values()) >= 550  # the hash splits roughly in half
    assert scored["missing"] <= 5  # a few rows hold a concept that is not in their sentence


def test_negation_f1_floor(scored: dict[str, object]) -> None:
    assert scored["negated"] >= 0.97


def test_historical_f1_floor(scored: dict[str, object]) -> None:
    assert scored["historical"] >= 0.80


def test_family_experiencer_found(scored: dict[str, object]) -> None:
    # one family row in the report half: it must be found, with few false alarms
    assert scored["family"] >= 0.66
