"""``medassist audit list|show|export``: read the service's audit store.

The store is ``MEDASSIST_AUDIT_URL`` (default: ``audit.db`` in the data directory) or
``--url``. ``export --format jsonl`` writes every record, oldest first, one JSON object a
line (it replaces the former ``MEDASSIST_AUDIT_PATH`` file).
"""

from __future__ import annotations

import sys

import click

from medassist.errors import InputError

__all__ = ["audit"]

_URL = click.option(
    "--url", default=None, help="Audit store URL (default: MEDASSIST_AUDIT_URL or the data dir)."
)


def _store(url: str | None):  # type: ignore[no-untyped-def]
    from medassist.audit import open_store

    return open_store(url)


@click.group()
def audit() -> None:
    """Read the audit store of the HTTP service (hashes, timings, outcomes — never text)."""


@audit.command("list")
@_URL
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--route", default=None, help="Only this route template, e.g. /v1/text/analyze.")
def list_(url: str | None, limit: int, route: str | None) -> None:
    """The most recent records, newest first."""
    entries = _store(url).list(limit=limit, route=route)
    if not entries:
        click.echo("no audit records")
        return
    click.echo(f"{'time (UTC)':<24} {'request id':<32} {'key':<12} {'status':>6} {'ms':>9}  route")
    for e in entries:
        click.echo(
            f"{e.created_at.strftime('%Y-%m-%d %H:%M:%S'):<24} {e.request_id:<32} "
            f"{(e.key_name or '-')[:12]:<12} {e.status:>6} {e.duration_ms:>9.1f}  "
            f"{e.method} {e.route}"
        )


@audit.command()
@_URL
@click.argument("request_id")
def show(url: str | None, request_id: str) -> None:
    """One record as JSON."""
    entry = _store(url).get(request_id)
    if entry is None:
        raise InputError(f"no audit record with request id {request_id!r}")
    click.echo(entry.model_dump_json(indent=2))


@audit.command()
@_URL
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None)
def export(url: str | None, fmt: str, out: str | None) -> None:
    """Every record, oldest first, as JSON lines (stdout or --out)."""
    store = _store(url)
    fh = open(out, "w", encoding="utf-8") if out else sys.stdout  # noqa: SIM115
    n = 0
    try:
        for entry in store.iter_entries():
            fh.write(entry.model_dump_json() + "\n")
            n += 1
    finally:
        if out:
            fh.close()
    if out:
        click.echo(f"exported {n} audit records to {out}", err=True)
