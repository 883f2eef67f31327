"""Alembic migrations of the audit store: append-only, one named revision per change."""
