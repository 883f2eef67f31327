"""Settings from the environment (``MEDASSIST_*``), with safe defaults."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDASSIST_", extra="ignore")

    max_note_bytes: int = Field(
        1_000_000, ge=1, description="Largest note accepted, in bytes (UTF-8)."
    )
    decode_errors: str = Field(
        "replace",
        pattern="^(strict|replace)$",
        description="Undecodable note bytes: 'strict' raises, 'replace' substitutes U+FFFD and warns.",
    )
    max_image_bytes: int = Field(
        512 * 1024 * 1024, ge=1, description="Largest image file accepted."
    )
    max_image_pixels: int = Field(
        200_000_000, ge=1, description="Largest pixel count (rows x cols x frames) decoded."
    )
    image_encoder: str | None = Field(
        None, description="Image encoder: a local path or hub id (none: no observations)."
    )
    image_encoder_backend: str = Field(
        "auto", description="auto | siglip | clip | biomedclip | onnx"
    )
    log_level: str = "WARNING"
    audit_path: str | None = Field(None, description="Append-only JSONL audit log (none: off).")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
