"""Entity corrections of the MedCalc-Bench disputes file (shared data; skipped when absent).

Where a row's gold 'Relevant Entities' misread the note, the disputes file corrects them and
the benchmark judges the row against the published definition applied to the corrected
entities. These tests pin that: the corrections parse, name real entities of disputed rows,
and medassist's answer from the note alone equals the definition from the corrected entities
(two independent routes: extraction from text vs. structured inputs)."""

from __future__ import annotations

import ast
import csv
from pathlib import Path
from types import ModuleType

import pytest

from medassist.risk import calculate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dev_rows(medcalc_dir: Path) -> dict[str, dict[str, str]]:
    with (medcalc_dir / "medcalc_dev.csv").open(encoding="utf-8") as fh:
        return {r["Row Number"]: r for r in csv.DictReader(fh)}


def test_corrections_parse_and_touch_disputed_rows_only(
    bench: ModuleType, dev_rows: dict[str, dict[str, str]]
) -> None:
    corrections = bench.load_entity_corrections()
    assert len(corrections) >= 15
    assert set(corrections) <= bench.load_disputes()
    for number, fixes in corrections.items():
        gold = ast.literal_eval(dev_rows[number]["Relevant Entities"])
        for name, fixed in fixes.items():
            assert name in gold, (number, name)  # corrects an entity the row really has
            assert fixed != gold[name], (number, name)  # and changes it


def test_absent_entity_means_not_computable(
    bench: ModuleType, dev_rows: dict[str, dict[str, str]]
) -> None:
    row = dev_rows["425"]  # HOMA-IR: the note gives a change in insulin, not a fasting value
    assert "Insulin" not in bench.corrected_entities(row)
    assert bench.definition_value("homa_ir", row) is None
    assert bench._matches_definition("homa_ir", row, None)
    assert not bench._matches_definition("homa_ir", row, 13.481)


def test_note_answer_equals_definition_from_corrected_entities(
    bench: ModuleType, dev_rows: dict[str, dict[str, str]]
) -> None:
    from medassist.risk.formulas_common import question_inputs

    bad = []
    for number in bench.load_entity_corrections():
        row = dev_rows[number]
        cid = bench.NAME_TO_ID[row["Calculator Name"]]
        result = calculate(
            cid,
            text=row["Patient Note"],
            inputs=question_inputs(cid, row.get("Question", "")) or None,
        )
        value = bench._answer_value(result)
        if not bench._matches_definition(cid, row, value):
            bad.append((number, cid, value, bench.definition_value(cid, row)))
    assert not bad
