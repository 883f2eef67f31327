"""Open, migrate, write and read the audit store (SQLAlchemy 2; SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from medassist.audit.schema import TABLE, AuditEntry, AuditRow
from medassist.errors import ConfigurationError

__all__ = ["AuditStore", "AuditStoreError", "open_store", "normalise_url", "redacted_url"]


class AuditStoreError(ConfigurationError):
    """The audit store cannot be opened, migrated, written or read."""

    code = "audit_store_error"


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 (not psycopg2); other URLs pass unchanged."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def redacted_url(url: str) -> str:
    """``url`` with its password hidden (for logs and the start-up line)."""
    return _redacted(url)


def _redacted(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown as its scheme only
        return url.split(":", 1)[0] + ":..."


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # several workers write; readers never block them
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


class AuditStore:
    """The audit database behind ``url``; :meth:`migrate` brings its tables to head."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.display_url = _redacted(self.url)
        try:
            parsed = make_url(self.url)
        except Exception as exc:  # noqa: BLE001
            raise AuditStoreError(
                f"MEDASSIST_AUDIT_URL is not a database URL ({self.display_url}): {exc}"
            ) from None
        self._migrate_lock = threading.Lock()
        self._migrated = False
        try:
            if parsed.get_backend_name() == "sqlite":
                if parsed.database and parsed.database != ":memory:":
                    Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                self.engine: Engine = create_engine(self.url, connect_args={"timeout": 10})
                event.listen(self.engine, "connect", _sqlite_pragmas)
            else:
                self.engine = create_engine(self.url, pool_pre_ping=True, pool_size=5)
        except (SQLAlchemyError, ImportError, OSError) as exc:
            raise AuditStoreError(
                f"cannot open the audit store {self.display_url}: {type(exc).__name__}: {exc}"
            ) from None

    # -- schema --------------------------------------------------------------------------
    def migrate(self) -> str:
        """Run the Alembic migrations up to head; returns the revision now in force."""
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext

        with self._migrate_lock:
            cfg = Config()
            cfg.set_main_option("script_location", "medassist.audit:migrations")
            try:
                with self.engine.begin() as conn:
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                with self.engine.connect() as conn:
                    rev = MigrationContext.configure(conn).get_current_revision()
            except SQLAlchemyError as exc:
                raise AuditStoreError(
                    f"cannot migrate the audit store {self.display_url}: {type(exc).__name__}"
                ) from None
            self._migrated = True
            return rev or ""

    def ping(self) -> None:
        """Raise :class:`AuditStoreError` unless the audit table can be read."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text(f"SELECT 1 FROM {TABLE} LIMIT 1"))
        except SQLAlchemyError as exc:
            raise AuditStoreError(
                f"the audit store {self.display_url} is not usable: {type(exc).__name__}"
            ) from None

    # -- write / read ----------------------------------------------------------------------
    def write(self, entry: AuditEntry) -> None:
        """Insert one record (committed before returning); raises AuditStoreError."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(AuditRow.__table__), [entry.model_dump()])
        except SQLAlchemyError as exc:
            raise AuditStoreError(
                f"cannot write to the audit store {self.display_url}: {type(exc).__name__}"
            ) from None

    def count(self) -> int:
        with self._read() as session:
            return int(session.scalar(select(func.count()).select_from(AuditRow)) or 0)

    def get(self, request_id: str) -> AuditEntry | None:
        with self._read() as session:
            row = session.scalar(select(AuditRow).where(AuditRow.request_id == request_id))
            return AuditEntry.model_validate(row) if row is not None else None

    def list(
        self, limit: int = 50, since: datetime | None = None, route: str | None = None
    ) -> list[AuditEntry]:
        """The most recent ``limit`` records, newest first."""
        q = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if since is not None:
            q = q.where(AuditRow.created_at >= since)
        if route is not None:
            q = q.where(AuditRow.route == route)
        with self._read() as session:
            return [AuditEntry.model_validate(r) for r in session.scalars(q)]

    def iter_entries(self, batch: int = 1000) -> Iterator[AuditEntry]:
        """Every record, oldest first, read in batches (constant memory)."""
        last = 0
        while True:
            q = select(AuditRow).where(AuditRow.id > last).order_by(AuditRow.id).limit(batch)
            with self._read() as session:
                rows = list(session.scalars(q))
                entries = [AuditEntry.model_validate(r) for r in rows]
            if not rows:
                return
            last = rows[-1].id
            yield from entries

    def _read(self) -> Session:
        return Session(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None, *, migrate: bool = True) -> AuditStore:
    """The store at ``url`` (default: settings' audit URL), migrated to head."""
    if url is None:
        from medassist.config import get_settings

        url = get_settings().resolved_audit_url()
    store = AuditStore(os.path.expanduser(url) if url.startswith("~") else url)
    if migrate:
        store.migrate()
    return store
