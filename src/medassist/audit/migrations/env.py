"""Alembic environment: migrations run on the connection the store hands over."""

from __future__ import annotations

from alembic import context

from medassist.audit.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the store always passes its connection
    raise RuntimeError("run the audit migrations through medassist.audit.open_store()")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
