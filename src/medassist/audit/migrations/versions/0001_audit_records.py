"""audit_records: one row per HTTP request.

Revision ID: 0001_audit_records
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_audit_records"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_name", sa.String(128)),
        sa.Column("client", sa.String(64)),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("route", sa.String(256), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("error_code", sa.String(64)),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("body_sha256", sa.String(64)),
        sa.Column("body_bytes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("input_sha256", sa.String(64)),
        sa.Column("image_sha256", sa.String(64)),
        sa.Column("medassist_version", sa.String(32), nullable=False),
        sa.Column("model_ids", sa.JSON(), nullable=False),
        sa.Column("timings_ms", sa.JSON(), nullable=False),
        sa.Column("notices", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_records_request_id", "audit_records", ["request_id"], unique=True)
    op.create_index("ix_audit_records_created_at", "audit_records", ["created_at"])
    op.create_index("ix_audit_records_route", "audit_records", ["route"])


def downgrade() -> None:
    op.drop_table("audit_records")
