"""Readers of the safety corpora under tests/data/safety (shared by the safety tests)."""

from __future__ import annotations

import hashlib
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


MODEL_STYLE = DATA / "model_style"


def half_of(text: str) -> str:
    """The fixed split of the model-style corpora: ``tune`` or ``report`` by sha256 of the text."""
    return "tune" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "report"


def model_style_corpus(half: str | None = None) -> tuple[list[tuple[str, str]], list[str]]:
    """(form, text) diagnostic/prescriptive statements and acceptable ones, of one half or all.

    The halves were fixed (by :func:`half_of`) before the rules were changed for them: rules
    are tuned on ``tune`` and figures are reported on ``report``.
    """
    diag = []
    for line in read_lines("model_style/diagnostic.tsv"):
        form, text = line.split("\t", 1)
        diag.append((form, text))
    acceptable = read_lines("model_style/acceptable.txt")
    if half is not None:
        diag = [(f, t) for f, t in diag if half_of(t) == half]
        acceptable = [t for t in acceptable if half_of(t) == half]
    return diag, acceptable
