"""``medassist analyze --llm ...`` and ``medassist doctor`` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

NOTE = "HPI: 58 yo F with cough and fever for 2 days. Denies chest pain. HR 92."


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None):
    full = {k: v for k, v in os.environ.items() if not k.startswith("MEDASSIST_LLM_")}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "medassist", *args],
        capture_output=True, text=True, env=full, input=stdin, timeout=300,
    )  # fmt: skip


def test_analyze_without_a_model_is_unchanged(tmp_path):
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    out = run("analyze", str(note), "--format", "json")
    assert out.returncode == 0, out.stderr
    assert "entities" in json.loads(out.stdout)  # the deterministic TextAnalysis


def test_analyze_with_the_tiny_gguf_streams_then_reports(tmp_path, tiny_gguf):
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    env = {"MEDASSIST_LLM_MAX_NEW_TOKENS": "300", "MEDASSIST_LLM_TIMEOUT_S": "60"}
    out = run(
        "analyze", str(note), "--llm", "llamacpp", "--model", str(tiny_gguf), "--stream", "--format", "json",
        env=env,
    )  # fmt: skip
    assert out.returncode in (0, 6), out.stderr
    events = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert events[0]["event"] == "progress" and events[-1]["event"] == "report"
    report = events[-1]["report"]
    assert report["model"]["backend"] == "llamacpp" and len(report["safety"]["layers_run"]) == 5
    assert (out.returncode == 6) == (report["model"]["state"] == "failed")


def test_missing_model_file_keeps_the_report_and_exits_6(tmp_path):
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    out = run(
        "analyze",
        str(note),
        "--llm",
        "llamacpp",
        "--model",
        str(tmp_path / "x.gguf"),
        "--format",
        "json",
    )
    assert out.returncode == 6
    report = json.loads(out.stdout)
    assert report["text"]["entities"] and report["model"]["error_code"] == "model_not_found"
    assert "did not contribute" in out.stderr and "Traceback" not in out.stderr


def test_openai_without_a_url_is_a_configuration_error():
    out = run("analyze", "-", "--llm", "openai", stdin=NOTE)
    assert out.returncode == 7 and out.stderr.startswith("error:") and "BASE_URL" in out.stderr


def test_stream_without_a_model_is_a_usage_error():
    out = run("analyze", "-", "--stream", stdin=NOTE)
    assert out.returncode == 2 and "--stream needs a model" in out.stderr


def test_doctor_json(tmp_path):
    out = run(
        "doctor",
        "--format",
        "json",
        env={"MEDASSIST_LLM_BACKEND": "llamacpp", "MEDASSIST_LLM_MODEL": str(tmp_path / "m.gguf")},
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {b["name"] for b in data["backends"]} == {"none", "transformers", "llamacpp", "openai"}
    assert data["configured_backend"] == "llamacpp" and data["python"].startswith("3.")
    assert data["model_files"][0]["found"] is False and data["next_steps"]
    assert "torch" in data["packages"]


def test_doctor_text():
    out = run("doctor")
    assert out.returncode == 0 and "llamacpp" in out.stdout and "CUDA" in out.stdout
