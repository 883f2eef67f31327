"""The audit store: one record per /v1 request, written before the response; SQLite always,
PostgreSQL against a real server; a failed write fails the request; the CLI reads it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from medassist.audit import AuditEntry, AuditStore, AuditStoreError, open_store

NOTE = "CC: cough\nHPI: 54 yo F, denies fever. HR 112, RR 24, SpO2 91% on RA. BP 100/60.\n"


def _entry(i: int, **kw) -> AuditEntry:  # type: ignore[no-untyped-def]
    base = dict(
        request_id=f"req{i:04d}",
        created_at=datetime.now(UTC),
        method="POST",
        route="/v1/text/analyze",
        status=200,
        outcome="ok",
        duration_ms=1.5,
        medassist_version="0",
        model_ids=["m1"],
        timings_ms={"total": 1.5},
        notices=["red_flag"],
    )
    base.update(kw)
    return AuditEntry(**base)


def _roundtrip(store: AuditStore) -> None:
    assert store.migrate() == "0001_audit_records"
    assert store.migrate() == "0001_audit_records"  # idempotent
    for i in range(5):
        store.write(_entry(i, key_name="clinic" if i % 2 else None))
    assert store.count() == 5
    got = store.get("req0003")
    assert got is not None and got.key_name == "clinic" and got.notices == ["red_flag"]
    assert got.created_at.tzinfo is not None
    assert [e.request_id for e in store.list(limit=2)] == ["req0004", "req0003"]
    assert [e.request_id for e in store.iter_entries(batch=2)] == [f"req{i:04d}" for i in range(5)]
    with pytest.raises(AuditStoreError):
        store.write(_entry(1))  # request ids are unique
    store.ping()


def test_sqlite_store_roundtrip(tmp_path):
    _roundtrip(open_store(f"sqlite:///{tmp_path}/nested/dir/audit.db"))


def test_postgresql_store_roundtrip(postgres_url):
    store = open_store(postgres_url)
    assert store.engine.dialect.name == "postgresql" and store.engine.driver == "psycopg"
    _roundtrip(store)
    store.dispose()


def test_bad_url_is_a_configuration_error(tmp_path):
    with pytest.raises(AuditStoreError):
        open_store("nosuchdb://x/y")
    with pytest.raises(AuditStoreError):
        open_store("postgresql://nobody@127.0.0.1:1/none")  # nothing listens on port 1


def _rows(url: str) -> list[dict]:
    store = open_store(url)
    try:
        return [e.model_dump(mode="json") for e in store.iter_entries()]
    finally:
        store.dispose()


def test_one_record_per_request_without_text(make_server):
    srv = make_server(api_keys=f"clinic:{'k' * 20},lab:{'l' * 20}")
    with srv.client(headers={"X-API-Key": "l" * 20}) as c:
        r = c.post("/v1/text/analyze", json={"text": NOTE})
        assert r.status_code == 200
        rid = r.headers["x-request-id"]
        c.post("/v1/text/analyze?format=xml", json={"text": NOTE})
        c.get("/v1/calculators")
        c.get("/health")  # not under /v1: not audited
    with srv.client() as anon:
        assert anon.post("/v1/text/analyze", json={"text": NOTE}).status_code == 401
    rows = _rows(srv.audit_url)
    assert len(rows) == 4
    first = next(r for r in rows if r["request_id"] == rid)
    report = r.json()
    assert first["key_name"] == "lab" and first["route"] == "/v1/text/analyze"
    assert first["input_sha256"] == report["safety"]["audit"]["input_sha256"]
    assert first["body_sha256"] and first["status"] == 200 and first["outcome"] == "ok"
    assert set(first["notices"]) == {n["code"] for n in report["safety"]["notices"]}
    assert "extraction" in first["timings_ms"] and first["timings_ms"]["total"] > 0
    statuses = sorted((r["status"], r["error_code"], r["key_name"]) for r in rows)
    assert statuses == [
        (200, None, "lab"),
        (200, None, "lab"),
        (400, "invalid_option", "lab"),
        (401, "unauthorized", None),
    ]
    dumped = json.dumps(rows)
    for fragment in ("cough", "denies", "fever", "SpO2"):
        assert fragment not in dumped


def test_failed_audit_write_fails_the_request(make_server, tmp_path):
    db = tmp_path / "broken" / "audit.db"
    srv = make_server(audit_url=f"sqlite:///{db}")
    with srv.client() as c:
        assert c.post("/v1/text/analyze", json={"text": NOTE}).status_code == 200
        assert c.get("/readyz").json()["ready"] is True
        with sqlite3.connect(db) as con:  # the store breaks under the running server
            con.execute("DROP TABLE audit_records")
        r = c.post("/v1/text/analyze", json={"text": NOTE})
        assert r.status_code == 500, r.text
        assert r.json()["error"] == "audit_write_failed"
        assert "cough" not in r.text and "entities" not in r.text  # the result is withheld
        ready = c.get("/readyz")
        assert ready.status_code == 503
        checks = {ch["name"]: ch for ch in ready.json()["checks"]}
        assert checks["audit_store"]["ok"] is False and ready.json()["ready"] is False
        metrics = c.get("/metrics").text
        line = next(
            ln
            for ln in metrics.splitlines()
            if ln.startswith("medassist_audit_write_failures_total")
        )
        assert float(line.split()[-1]) >= 1


def test_postgresql_audit_behind_the_server(make_server, postgres_url):
    srv = make_server(audit_url=postgres_url)
    with srv.client() as c:
        before = open_store(postgres_url).count()
        for _ in range(3):
            assert c.post("/v1/text/analyze", json={"text": NOTE}).status_code == 200
        assert c.get("/readyz").json()["ready"] is True
    assert open_store(postgres_url).count() == before + 3


def _cli(*args: str, env_url: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "MEDASSIST_AUDIT_URL": env_url}
    return subprocess.run(
        [sys.executable, "-m", "medassist", "audit", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_audit_cli_list_show_export(tmp_path):
    url = f"sqlite:///{tmp_path}/a.db"
    store = open_store(url)
    for i in range(3):
        store.write(_entry(i, key_name="clinic"))
    out = _cli("list", env_url=url)
    assert out.returncode == 0 and "req0002" in out.stdout and "clinic" in out.stdout
    out = _cli("show", "req0001", env_url=url)
    assert out.returncode == 0 and json.loads(out.stdout)["request_id"] == "req0001"
    out = _cli("show", "nope", env_url=url)
    assert out.returncode == 3 and "nope" in out.stderr and "Traceback" not in out.stderr
    out = _cli("export", "--format", "jsonl", env_url=url)
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["request_id"] for x in lines] == ["req0000", "req0001", "req0002"]
    target = tmp_path / "out.jsonl"
    out = _cli("export", "--out", str(target), env_url=url)
    assert out.returncode == 0 and len(target.read_text().splitlines()) == 3
    out = _cli("export", "--format", "xml", env_url=url)
    assert out.returncode == 2


def test_model_route_is_audited_with_hashes_and_notices(make_server):
    srv = make_server()
    with srv.client() as c:
        r = c.post(
            "/v1/analyze", files={"note": (None, "Pt denies fever. HR 130, SpO2 85% on RA.")}
        )
        assert r.status_code == 200, r.text
        rid = r.headers["x-request-id"]
    entry = open_store(srv.audit_url).get(rid)
    assert entry is not None and entry.route == "/v1/analyze" and entry.input_sha256
    assert set(entry.notices) == {n["code"] for n in r.json()["safety"]["notices"]}


def test_readyz_names_an_unusable_model(make_server, monkeypatch, tmp_path):
    from medassist.config import get_settings

    missing = tmp_path / "nope.gguf"
    monkeypatch.setenv("MEDASSIST_LLM_BACKEND", "llamacpp")
    monkeypatch.setenv("MEDASSIST_LLM_MODEL", str(missing))
    get_settings.cache_clear()
    try:
        srv = make_server(llm_backend="llamacpp", llm_model=str(missing))
        with srv.client() as c:
            deadline = __import__("time").monotonic() + 30
            while True:
                r = c.get("/readyz")
                checks = {ch["name"]: ch for ch in r.json()["checks"]}
                if (
                    "loading" not in checks["llm"]["detail"]
                    or __import__("time").monotonic() > deadline
                ):
                    break
            assert r.status_code == 503 and checks["llm"]["ok"] is False
            assert "not found" in checks["llm"]["detail"] and checks["audit_store"]["ok"] is True
    finally:
        monkeypatch.delenv("MEDASSIST_LLM_BACKEND")
        monkeypatch.delenv("MEDASSIST_LLM_MODEL")
        get_settings.cache_clear()
        from medassist.llm import registry

        registry.clear_cache()
