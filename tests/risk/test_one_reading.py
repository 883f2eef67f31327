"""No module under ``medassist.risk`` reads the note text: the calculators ask the text
engine's one extraction (findings, measurements, medications, demographics) through
:class:`~medassist.risk.facts.NoteFacts`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import medassist.risk

RISK = Path(medassist.risk.__file__).parent

#: the two calculators whose case-report readers (opioid regimens for MME, a corticosteroid
#: and its dose for the conversion) still scan the note: their drug-name tables live with the
#: conversion factors in risk/data and are to move to the text engine's medication reading
STILL_READING = {
    ("formulas_fluids_drugs.py", "derive"),
}
#: text-engine modules risk/ may import: the entry point, the finding rules, number words
#: and the one unit converter; never a reader of the raw note
ALLOWED_TEXT_IMPORTS = {
    "medassist.text.engine",
    "medassist.text.findings",
    "medassist.text.number_words",
    "medassist.text.units",
}


def _functions(tree: ast.AST) -> dict[ast.AST, str]:
    owner: dict[ast.AST, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.walk(node):
                owner.setdefault(child, node.name)
    return owner


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    owner = _functions(tree)
    out = []
    for node in ast.walk(tree):
        where = (path.name, owner.get(node, "<module>"))
        if where in STILL_READING:
            continue
        # facts.text / self.text: the raw note
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "text"
            and isinstance(node.value, ast.Name)
            and node.value.id in {"facts", "self", "view", "ecg_facts"}
            and not (path.name == "facts.py" and owner.get(node) == "__init__")
        ):
            out.append(f"{path.name}:{node.lineno} reads {node.value.id}.text")
        modules = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        for module in modules:
            if module.startswith("medassist.text") and module not in ALLOWED_TEXT_IMPORTS:
                out.append(f"{path.name}:{node.lineno} imports {module}")
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"find", "find_all"}
            and isinstance(node.value, ast.Name)
            and node.value.id == "facts"
        ):
            out.append(f"{path.name}:{node.lineno} regex search over the note (facts.{node.attr})")
    return out


@pytest.mark.parametrize("path", sorted(RISK.glob("*.py")), ids=lambda p: p.name)
def test_risk_module_does_not_read_the_note(path: Path) -> None:
    assert _violations(path) == []


def test_the_check_catches_a_note_reader(tmp_path: Path) -> None:
    bad = tmp_path / "scores_bad.py"
    bad.write_text(
        "import re\nfrom medassist.text.sentences import split_sentences\n"
        "def derive(facts):\n    return re.search('x', facts.text)\n",
        encoding="utf-8",
    )
    found = _violations(bad)
    assert any("facts.text" in v for v in found)
    assert any("medassist.text.sentences" in v for v in found)


def test_note_facts_takes_an_extraction_not_a_note() -> None:
    from medassist.errors import MedassistError
    from medassist.risk.facts import NoteFacts

    with pytest.raises(MedassistError):
        NoteFacts("He has hypertension.")  # type: ignore[arg-type]
