"""Settings from the environment (``MEDASSIST_*``), with safe defaults."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
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
    # --- the service (medassist serve / medassist.api) ---
    data_dir: str | None = Field(
        None,
        description="Where medassist keeps its data (the default audit database); "
        "default: the user data directory (platformdirs), e.g. ~/.local/share/medassist.",
    )
    audit_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the audit store (sqlite:///..., postgresql://...); "
        "default: sqlite file audit.db in the data directory.",
    )
    api_keys: str | None = Field(
        None, description="API keys as comma-separated name:key pairs (none: auth off on loopback)."
    )
    api_keys_file: str | None = Field(
        None, description="A file of name:key lines (# comments allowed), read at start-up."
    )
    rate_limit: str | None = Field(
        None,
        pattern=r"^\s*\d+\s*/\s*(second|minute|hour|day)\s*$",
        description="Requests allowed per key (or per client without a key), e.g. '120/minute'.",
    )
    request_timeout_s: float = Field(
        60.0, gt=0, description="A request that has not answered in this many seconds gets 504."
    )
    llm_queue_size: int = Field(
        8, ge=0, description="Requests that may wait for a loaded model; more get 503."
    )
    llm_concurrency: int = Field(
        1, ge=1, description="Generations run at once on one loaded model (one per GPU)."
    )
    cors_origins: str | None = Field(
        None, description="Comma-separated origins allowed by CORS (none: CORS off)."
    )

    def resolved_data_dir(self) -> str:
        """The data directory: MEDASSIST_DATA_DIR, else the platform's user data dir."""
        if self.data_dir:
            return self.data_dir
        try:
            from platformdirs import user_data_dir

            return user_data_dir("medassist", appauthor=False)
        except ImportError:  # pragma: no cover - platformdirs ships with the server extra
            import os

            return os.path.join(os.path.expanduser("~"), ".local", "share", "medassist")

    def resolved_audit_url(self) -> str:
        """The audit store URL: MEDASSIST_AUDIT_URL, else sqlite in the data directory."""
        if self.audit_url:
            return self.audit_url
        import os

        return "sqlite:///" + os.path.join(self.resolved_data_dir(), "audit.db")

    # -- language model (medassist.llm); none: the deterministic engine alone ---------------------
    llm_backend: Literal["none", "transformers", "llamacpp", "openai"] = Field(
        "none", description="Model backend: none | transformers | llamacpp | openai."
    )
    llm_model: str | None = Field(
        None,
        description="Local folder or hub id (transformers), GGUF file (llamacpp), served name (openai).",
    )
    llm_mmproj: str | None = Field(
        None, description="GGUF of the vision projector (llamacpp images)."
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1"
    )
    llm_api_key: SecretStr | None = Field(
        None, description="Bearer key of that server (never logged)."
    )
    llm_quantization: Literal["none", "8bit", "4bit"] = Field(
        "none", description="transformers: bitsandbytes 8-bit or 4-bit (nf4)."
    )
    llm_device: str = Field(
        "auto", description="auto | cpu | cuda | cuda:N (device_map for transformers)."
    )
    llm_max_new_tokens: int = Field(512, ge=1, le=32768)
    llm_timeout_s: float = Field(120.0, gt=0, le=3600)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
