"""The real ``medassist`` command, run as a subprocess: outputs, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from medassist.errors import EXIT_CODES
from medassist.schemas.safety import DISCLAIMER, SAFETY_LAYERS


def run(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    import os

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "medassist", *args],
        input=stdin,
        capture_output=True,
        timeout=300,
        env=full_env,
    )


def _no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")


def _assert_safe(report: dict) -> None:
    assert report["safety"]["disclaimer"] == DISCLAIMER
    assert set(SAFETY_LAYERS) <= set(report["safety"]["layers_run"])


NOTE = "CC: cough\nHPI: 70 yo F with cough and fever, denies chest pain. BP 100/60, HR 96, RR 24, T 38.4 C, SpO2 93% RA.\n"


def test_version():
    proc = run("--version")
    assert proc.returncode == 0 and b"medassist" in proc.stdout


def test_help_lists_commands_and_exit_codes():
    proc = run("--help")
    assert proc.returncode == 0
    for word in (b"analyze", b"demo", b"score", b"edge", b"serve", b"Exit codes"):
        assert word in proc.stdout


def test_demo_runs_on_the_embedded_engine():
    proc = run("demo")
    _no_traceback(proc)
    assert proc.returncode == 0
    out = proc.stdout.decode()
    assert (
        out.count(DISCLAIMER.split(".")[0]) >= 4
    )  # every example note's report carries the disclaimer
    assert "Summary" in out


def test_demo_json_every_report_is_safe():
    proc = run("demo", "--format", "json")
    assert proc.returncode == 0
    decoder = json.JSONDecoder()
    text, reports, i = proc.stdout.decode(), [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        obj, i = decoder.raw_decode(text, i)
        reports.append(obj)
    assert len(reports) >= 4
    for report in reports:
        _assert_safe(report)


def test_analyze_file_and_stdin(tmp_path):
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    from_file = run("analyze", str(note), "--format", "json")
    from_stdin = run("analyze", "-", "--format", "json", stdin=NOTE.encode())
    assert from_file.returncode == from_stdin.returncode == 0
    a, b = json.loads(from_file.stdout), json.loads(from_stdin.stdout)
    _assert_safe(a)
    assert a["entities"] == b["entities"]
    cough = [e for e in a["entities"] if e["preferred"] == "cough"]
    assert cough and not cough[0]["context"]["negated"]


def test_analyze_fhir(tmp_path):
    pytest.importorskip("fhir.resources", reason="FHIR output needs the 'fhir' extra")
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    proc = run("analyze", str(note), "--format", "fhir")
    assert proc.returncode == 0, proc.stderr
    bundle = json.loads(proc.stdout)
    assert bundle["resourceType"] == "Bundle" and DISCLAIMER in proc.stdout.decode()


def test_analyze_image_with_note(tmp_path):
    from pydicom.data import get_testdata_file

    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    proc = run(
        "analyze", str(note), "--image", get_testdata_file("MR_small.dcm"), "--format", "json"
    )
    _no_traceback(proc)
    assert proc.returncode == 0
    decoder = json.JSONDecoder()
    text = proc.stdout.decode()
    first, end = decoder.raw_decode(text)
    second, _ = decoder.raw_decode(text[end:].lstrip())
    _assert_safe(first)
    _assert_safe(second)
    assert second["metadata"]["modality"] == "MR"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"\x00\x01\x02PK\x03\x04" + bytes(300), 3),
        (b"x" * 1_000_001, 3),
    ],
    ids=["binary", "too-large"],
)
def test_bad_notes_exit_with_documented_codes(tmp_path, content, code):
    path = tmp_path / "note.txt"
    path.write_bytes(content)
    proc = run("analyze", str(path))
    _no_traceback(proc)
    assert proc.returncode == code, proc.stderr
    assert proc.stderr.startswith(b"error: ")
    assert code in EXIT_CODES


def test_missing_file_and_empty_note(tmp_path):
    proc = run("analyze", str(tmp_path / "absent.txt"))
    assert proc.returncode == 3 and b"not found" in proc.stderr
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    proc = run("analyze", str(empty), "--format", "json")
    assert proc.returncode == 0
    report = json.loads(proc.stdout)
    _assert_safe(report)
    assert any(n["code"] == "empty_note" for n in report["notices"] + report["safety"]["notices"])


def test_non_utf8_is_replaced_with_a_warning(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Patient denies fever. Temp 37 \xb0C, p\xe9diatrie".encode("latin-1"))
    proc = run("analyze", str(path), "--format", "json")
    assert proc.returncode == 0
    report = json.loads(proc.stdout)
    assert any(n["severity"] == "warning" for n in report["notices"] + report["safety"]["notices"])
    strict = run("analyze", str(path), env={"MEDASSIST_DECODE_ERRORS": "strict"})
    assert strict.returncode == 3 and b"UTF-8" in strict.stderr


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"DICM" * 10, 3), (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, 4)],
    ids=["wrong-type", "truncated-png"],
)
def test_bad_images_exit_cleanly(tmp_path, content, code):
    path = tmp_path / "image.dcm"
    path.write_bytes(content)
    proc = run("analyze", "--image", str(path))
    _no_traceback(proc)
    assert proc.returncode == code, proc.stderr
    assert proc.stderr.startswith(b"error: ")


def test_score_paths(tmp_path):
    listed = run("score", "--list")
    assert listed.returncode == 0 and b"news2" in listed.stdout
    proc = run(
        "score",
        "qsofa",
        "--inputs",
        '{"respiratory_rate": 24, "sbp": 95, "altered_mentation": true}',
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    _assert_safe(report)
    assert report["result"]["value"] == 3
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    proc = run("score", "news2", str(note), "--format", "json")
    assert proc.returncode == 0
    _assert_safe(json.loads(proc.stdout))
    unknown = run("score", "curb_65", "--inputs", "{}")
    assert unknown.returncode == 5 and b"curb65" in unknown.stderr
    bad = run("score", "qsofa", "--inputs", '{"sbp": "high"}')
    _no_traceback(bad)
    assert bad.returncode == 5 and b"sbp" in bad.stderr


def test_usage_error_is_exit_2():
    assert run("analyze", "--format", "xml").returncode == 2
    proc = run("analyze")
    assert proc.returncode == 3 and b"NOTE_FILE" in proc.stderr


def test_logs_never_contain_note_text(tmp_path):
    secret = "Zebrafinch"
    note = tmp_path / "note.txt"
    note.write_text(f"HPI: {secret} reports chest pain.")
    proc = run("analyze", str(note), env={"MEDASSIST_LOG_LEVEL": "DEBUG"})
    assert proc.returncode == 0
    assert secret.encode() not in proc.stderr
    assert Path(note).exists()
