"""The audit store: one record per HTTP request, in SQLite (default) or PostgreSQL.

A record holds hashes, versions, model ids, timings, the outcome and the codes of the
safety notices raised — never note text, pixels, query values or file names. Tables are
created and upgraded by Alembic migrations shipped in this package
(:mod:`medassist.audit.migrations`), run programmatically when a store is opened.

>>> store = AuditStore("sqlite:///audit.db")   # doctest: +SKIP
>>> store.write(AuditEntry(...)); store.count(); list(store.iter_entries())
"""

from medassist.audit.schema import AuditEntry
from medassist.audit.store import AuditStore, AuditStoreError, open_store

__all__ = ["AuditEntry", "AuditStore", "AuditStoreError", "open_store"]
