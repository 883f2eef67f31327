"""Terminal reports a clinician can read: clinical precision, relevant calculators, whole codes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from medassist.cli.render import clinical_number

NOTE = (
    "A 70 year old woman, weight 60 kg, creatinine 110 umol/L. BP 150/90, HR 104. "
    "History of type 2 diabetes mellitus. Creatinine peaked at 2.1 mg/dL and was 1.24 mg/dL "
    "at discharge.\n"
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (77.8321, "77.8"),
        (1.2443, "1.24"),
        (138.0, "138"),
        (1.1, "1.1"),
        (0.04567, "0.046"),
        (5, "5"),
        (None, "not computed"),
        ("2026-01-01", "2026-01-01"),
    ],
)
def test_clinical_number(value: object, shown: str) -> None:
    assert clinical_number(value) == shown


def _analyze(tmp_path, *args: str) -> str:
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run(
        [sys.executable, "-m", "medassist", "analyze", str(note), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return out.stdout


def test_terminal_shows_relevant_calculators_at_clinical_precision(tmp_path) -> None:
    text = _analyze(tmp_path)
    assert "None" not in text
    assert "not computed" in text  # NEWS2 lacks inputs: said in words
    assert "Creatinine clearance (Cockcroft-Gault): 39.8 mL/min" in text
    everything = _analyze(tmp_path, "--all-scores")
    assert everything.count("\n") >= text.count("\n")


def test_relevant_scores_need_an_input_from_the_note() -> None:
    import medassist
    from medassist.cli.render import relevant_scores
    from medassist.schemas.scores import Component, Evidence

    report = medassist.analyze_text(NOTE)
    assert report.scores and relevant_scores(report) == report.scores
    assumed = report.scores[0].model_copy(
        update={
            "components": [Component(name="x", value=False, evidence=[Evidence(source="assumed")])]
        }
    )
    report.scores.append(assumed)
    assert assumed not in relevant_scores(report)


def test_codes_are_not_cut_at_80_columns(tmp_path) -> None:
    text = _analyze(tmp_path)
    assert "E11.9" in text.replace("\n", "").replace("│", "").replace(" ", "")
    assert "…" not in text
