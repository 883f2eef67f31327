"""``medassist score`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from medassist.cli import main
from medassist.cli.score import score


def test_score_note_file_text_output(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text(
        "A 70-year-old man with pneumonia. BP 85/50 mmHg, RR 32/min. He is confused. BUN 30 mg/dL."
    )
    result = CliRunner().invoke(score, ["curb65", str(note)])
    assert result.exit_code == 0, result.output
    assert "CURB-65" in result.output and ": 5" in result.output
    assert "'BUN 30 mg/dL'" in result.output


def test_score_inputs_json_output() -> None:
    result = CliRunner().invoke(
        score, ["cha2ds2_vasc", "--inputs", '{"age": 80, "sex": "female"}', "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["result"]["value"] == 3 and data["result"]["calculator_id"] == "cha2ds2_vasc"
    assert data["safety"]["disclaimer"]


def test_score_list() -> None:
    result = CliRunner().invoke(score, ["--list", "--format", "json"])
    ids = {c["id"] for c in json.loads(result.output)}
    assert {"news2", "qsofa", "curb65", "heart", "wells_pe", "apache2"} <= ids


def test_errors_become_exit_codes(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["score", "nope", "--inputs", "{}"]) == 5
    assert "unknown calculator" in capsys.readouterr().err
    assert main(["score", "curb65", "--inputs", '{"age": 500}']) == 5
    assert main(["score", "curb65", "--inputs", "[1, 2]"]) == 5
    assert main(["score", "curb65", "--inputs", "{not json"]) == 5
    assert main(["score", "curb65", str(tmp_path / "missing.txt")]) == 3
    assert main(["score", "curb65"]) == 3
    assert main(["score", "curb65", "--inputs", '{"bun": {"value": 7, "unit": "parsecs"}}']) == 5
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_missing_inputs_show_range() -> None:
    result = CliRunner().invoke(score, ["curb65", "--inputs", '{"age": 70}'])
    assert result.exit_code == 0
    assert "missing: bun" in result.output and "1 to 4" in result.output
