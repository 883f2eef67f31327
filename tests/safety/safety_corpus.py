"""Readers of the safety corpora under tests/data/safety (shared by the safety tests)."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "safety"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def read_lines(name: str) -> list[str]:
    """Non-comment lines of a corpus file, with "\\n" escapes turned into line breaks."""
    out = []
    for line in (DATA / name).read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            out.append(line.replace("\\n", "\n"))
    return out


def diagnostic_corpus() -> list[tuple[str, str]]:
    rows = []
    for line in read_lines("diagnostic_sentences.tsv"):
        form, text = line.split("\t", 1)
        rows.append((form, text))
    return rows


def grounding_corpus() -> tuple[dict[str, str], list[dict[str, str]]]:
    notes = json.loads((DATA / "grounding_notes.json").read_text("utf-8"))["notes"]
    pairs = [
        json.loads(line)
        for line in (DATA / "grounding_pairs.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    return notes, pairs
