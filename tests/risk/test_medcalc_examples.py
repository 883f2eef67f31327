"""MedCalc-Bench examples for the scoring calculators (shared data; skipped when absent)."""

from __future__ import annotations

import ast
import csv
from pathlib import Path
from types import ModuleType

from score_ids import SCORE_IDS

from medassist.risk import calculate

ROOT = Path(__file__).resolve().parents[2]
MINE = set(SCORE_IDS)
#: one-shot rows whose gold entities leave out items the label counts
INCOMPLETE_ENTITIES = {"17": "Centor: entities omit exudate, nodes and cough"}


def _rows(path: Path, bench: ModuleType) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if bench.NAME_TO_ID[r["Calculator Name"]] in MINE]


def test_one_shot_examples_from_gold_entities(medcalc_dir: Path, bench: ModuleType) -> None:
    rows = _rows(medcalc_dir / "medcalc_one_shot_examples.csv", bench)
    assert len(rows) == 21
    wrong = []
    for row in rows:
        cid = bench.NAME_TO_ID[row["Calculator Name"]]
        result = calculate(
            cid, inputs=bench.entities_to_inputs(cid, ast.literal_eval(row["Relevant Entities"]))
        )
        if bench.is_correct(row, bench._answer_value(result)) == (
            row["Row Number"] in INCOMPLETE_ENTITIES
        ):
            wrong.append((row["Row Number"], cid, result.value, row["Ground Truth Answer"]))
    assert not wrong


_ENTITY_SECTION = "## Label misreadings of the note"


def _entity_disputes() -> dict[str, float]:
    """Rows of the disputes file's entity-level section -> medassist's value from the note."""
    text = (ROOT / "benchmarks" / "medcalc_label_disputes.md").read_text(encoding="utf-8")
    _, _, section = text.partition(_ENTITY_SECTION)
    section = section.split("\n## ", 1)[0]
    out: dict[str, float] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].isdigit():
            out[cells[0]] = float(cells[3])
    return out


def test_dev_rows_match_or_are_disputed(medcalc_dir: Path, bench: ModuleType) -> None:
    """With gold entities, a row is right unless its label is listed as disputed (and then wrong).

    Entity-level disputes (the gold entities carry the label's misreading) are checked by
    test_entity_level_disputes_from_the_note instead."""
    disputes = bench.load_disputes()
    assert disputes, "benchmarks/medcalc_label_disputes.md lists no rows"
    entity_level = _entity_disputes()
    bad = []
    for row in _rows(medcalc_dir / "medcalc_dev.csv", bench):
        if row["Row Number"] in entity_level:
            continue
        cid = bench.NAME_TO_ID[row["Calculator Name"]]
        result = calculate(
            cid, inputs=bench.entities_to_inputs(cid, ast.literal_eval(row["Relevant Entities"]))
        )
        ok = bench.is_correct(row, bench._answer_value(result))
        if ok == (row["Row Number"] in disputes):
            bad.append((row["Row Number"], cid, result.value, row["Ground Truth Answer"]))
    assert not bad


def test_entity_level_disputes_from_the_note(medcalc_dir: Path, bench: ModuleType) -> None:
    """Each entity-level dispute: from the note, medassist gives the listed value, not the label."""
    entity_level = _entity_disputes()
    assert entity_level, "the disputes file has no entity-level section"
    assert set(entity_level) <= bench.load_disputes()
    rows = {r["Row Number"]: r for r in _rows(medcalc_dir / "medcalc_dev.csv", bench)}
    bad = []
    for number, ours in entity_level.items():
        row = rows[number]
        cid = bench.NAME_TO_ID[row["Calculator Name"]]
        result = calculate(cid, text=row["Patient Note"])
        value = bench._answer_value(result)
        if value is None or abs(float(value) - ours) > 1e-6 or bench.is_correct(row, value):
            bad.append((number, cid, value, ours, row["Ground Truth Answer"]))
    assert not bad


def test_dev_notes_accuracy_floor(medcalc_dir: Path, bench: ModuleType) -> None:
    """From the notes alone (no LLM), on rows whose labels are not disputed."""
    disputes = bench.load_disputes()
    rows = [
        r for r in _rows(medcalc_dir / "medcalc_dev.csv", bench) if r["Row Number"] not in disputes
    ]
    correct = 0
    for row in rows:
        cid = bench.NAME_TO_ID[row["Calculator Name"]]
        result = calculate(cid, text=row["Patient Note"])
        correct += bench.is_correct(row, bench._answer_value(result))
    assert correct / len(rows) >= FLOOR, f"{correct}/{len(rows)}"


FLOOR = 0.95
