"""The audit record at the package boundary (pydantic) and its table (SQLAlchemy 2)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import JSON, DateTime, Float, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["AuditEntry", "AuditRow", "Base", "TABLE"]

TABLE = "audit_records"


class AuditEntry(BaseModel):
    """One request, as recorded. No free text from the request is ever stored."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    request_id: str = Field(min_length=1, max_length=64)
    created_at: datetime
    key_name: str | None = Field(None, max_length=128)
    client: str | None = Field(None, max_length=64, description="client address")
    method: str = Field(max_length=16)
    route: str = Field(max_length=256, description="route template, e.g. /v1/text/analyze")
    status: int
    outcome: str = Field(max_length=32, description="ok | client_error | server_error | ...")
    error_code: str | None = Field(None, max_length=64)
    duration_ms: float
    body_sha256: str | None = Field(None, max_length=64)
    body_bytes: int = 0
    input_sha256: str | None = Field(None, max_length=64)
    image_sha256: str | None = Field(None, max_length=64)
    medassist_version: str = Field(max_length=32)
    model_ids: list[str] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    notices: list[str] = Field(default_factory=list, description="codes of safety notices")

    @field_validator("created_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        # SQLite keeps no time zone: every time written is UTC
        return v if v.tzinfo is not None else v.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class AuditRow(Base):
    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    key_name: Mapped[str | None] = mapped_column(String(128))
    client: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))
    route: Mapped[str] = mapped_column(String(256), index=True)
    status: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[str | None] = mapped_column(String(64))
    duration_ms: Mapped[float] = mapped_column(Float)
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    body_bytes: Mapped[int] = mapped_column(Integer, default=0)
    input_sha256: Mapped[str | None] = mapped_column(String(64))
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    medassist_version: Mapped[str] = mapped_column(String(32))
    model_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    timings_ms: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    notices: Mapped[list[str]] = mapped_column(JSON, default=list)
