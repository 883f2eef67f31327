"""score_analysis stays linear on adversarial notes (no catastrophic regex backtracking).

Each case runs in a daemon thread with a generous join timeout, so a regression fails the
test instead of hanging the suite.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from rule_facts import facts_with_rules

from medassist.risk.api import calculate, score_analysis
from medassist.schemas.text import TextExtraction
from medassist.text.findings import finditer_literal, may_match, required_literals

TIMEOUT_S = 60.0

#: (name, note): the cases that once took minutes (e.g. "Na 1" + 10,000 zeros: 418 s)
PATHOLOGICAL: list[tuple[str, str]] = [
    ("words", "a " * 20_000),
    ("numbers", "1 " * 20_000),
    ("negations", "no " * 10_000 + "chest pain"),
    ("bp-chain", "BP " + "120/" * 5_000),
    ("parens", "(" * 10_000),
    ("units", "mg " * 10_000),
    ("long-number", "Na 1" + "0" * 10_000),
    ("newlines", "\n" * 30_000),
    ("headers", "HISTORY OF PRESENT ILLNESS:," * 2_000),
    ("respectively", "sodium, chloride and bicarbonate were 1, 2 and 3, respectively " * 800),
    ("spaces-after-label", "Na" + " " * 20_000 + "140"),
    ("ecg-sentence", "ECG " + "a " * 20_000),
    ("repeated-negation", "no chest pain, no fever, " * 5_000),
]


def _run_with_timeout(fn: Any, timeout: float = TIMEOUT_S) -> tuple[bool, float, Any]:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    start = time.perf_counter()
    thread.start()
    thread.join(timeout)
    elapsed = time.perf_counter() - start
    if "error" in box:
        raise box["error"]
    return not thread.is_alive(), elapsed, box.get("result")


@pytest.mark.parametrize("name,note", PATHOLOGICAL, ids=[c[0] for c in PATHOLOGICAL])
def test_score_analysis_finishes_on_pathological_note(name: str, note: str) -> None:
    extraction = TextExtraction(text_length=len(note))
    finished, elapsed, result = _run_with_timeout(lambda: score_analysis(note, extraction))
    assert finished, f"score_analysis on {name!r} ({len(note)} chars) ran past {TIMEOUT_S:g} s"
    assert isinstance(result, list)
    # linear work: well under the timeout (a second or two on a loaded 2-core machine)
    assert elapsed < 20, f"{name}: {elapsed:.1f} s"


def test_long_number_after_label_is_not_a_value() -> None:
    note = "Na 1" + "0" * 10_000
    finished, _, result = _run_with_timeout(lambda: calculate("anion_gap", text=note))
    assert finished
    assert result.value is None  # an absurd number is dropped, no other input is in the note


def test_scaling_is_roughly_linear() -> None:
    """Ten times the note takes far less than a hundred times as long."""
    small = "no chest pain, temperature 37.2 C, " * 300
    big = small * 10
    ext_small = TextExtraction(text_length=len(small))
    ext_big = TextExtraction(text_length=len(big))
    score_analysis(small, ext_small)  # warm-up (regex compilation)
    _, t_small, _ = _run_with_timeout(lambda: score_analysis(small, ext_small))
    finished, t_big, _ = _run_with_timeout(lambda: score_analysis(big, ext_big))
    assert finished
    assert t_big < max(40 * t_small, 2.0), (t_small, t_big)


# --- the literal pre-check that replaces whole-note regex scans ---------------------------


@pytest.mark.parametrize(
    "pattern,expected",
    [
        ("heart rate", ("heart rate",)),
        (r"\bHR\b", ("hr",)),
        ("respirations?", ("respiration",)),
        ("(?<!portal )hypertension", ("hypertension",)),
        ("diabetes(?: mellitus)?", ("diabetes",)),
        ("(?:left|right)[- ]sided", ("left", "right")),
        ("(?:an |chronic )?alcoholic", ("an ", "chronic ", "alcoholic")),
        (r"sodium|\[?Na\+?\]?", ("sodium", None)),
        ("x{2}y", (None,)),
        ("(?:x){2}y", (None,)),
    ],
)
def test_required_literals(pattern: str, expected: tuple[str | None, ...]) -> None:
    assert required_literals(pattern) == expected


def test_may_match_is_a_safe_precheck() -> None:
    text = "History of Diabetes Mellitus; no HTN."
    assert may_match("diabetes(?: mellitus)?", text.lower())
    assert may_match(r"\bhtn\b", text.lower())
    assert not may_match("hypertension", text.lower())
    assert may_match(r"\[?Na", text.lower())  # unknown literal: a scan is still needed


def test_finditer_literal_equals_finditer() -> None:
    import re

    text = "Pulse 88, HR 90 bpm; heart rate 70. pulse rate of 65 and HR: 101"
    source = r"heart rate|pulse rate|pulse|\bHR\b"
    compiled = re.compile(rf"(?:{source})\D{{0,6}}(\d+)", re.I)
    got = [m.span() for m in finditer_literal(compiled, source, text, text.lower())]
    assert got == [m.span() for m in compiled.finditer(text)]
    assert len(got) == 5


def test_condition_still_reads_context_on_long_note() -> None:
    note = "no " * 10_000 + "chest pain. She has diabetes."
    facts = facts_with_rules(note, {"t.chest_pain": ("chest pain",)})
    assert facts.condition("diabetes").value is True
    chest = facts.condition("t.chest_pain")
    assert chest is not None and chest.value is False
