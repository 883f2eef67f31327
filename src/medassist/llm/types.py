"""The data of the backend contract: messages in, a completion (text or object) out."""

from __future__ import annotations

import base64
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ImageInput", "Message", "Limits", "Timings", "ModelRun", "Completion", "StreamEvent"]


class ImageInput(BaseModel):
    """One image for a model: encoded bytes (PNG or JPEG) and their MIME type."""

    model_config = ConfigDict(frozen=True)

    data: bytes = Field(repr=False)
    mime: Literal["image/png", "image/jpeg"] = "image/png"

    def data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"

    def to_pil(self) -> Any:
        import io

        from PIL import Image

        return Image.open(io.BytesIO(self.data)).convert("RGB")


class Message(BaseModel):
    """A chat turn. ``images`` go before ``content`` in the turn (MedGemma's convention)."""

    role: Literal["system", "user", "assistant"]
    content: str
    images: list[ImageInput] = Field(default_factory=list)


class Limits(BaseModel):
    """Generation limits. Temperature 0 (greedy) is the default for clinical use."""

    model_config = ConfigDict(extra="forbid")

    max_new_tokens: int = Field(512, ge=1, le=32768)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    timeout_s: float = Field(120.0, gt=0, le=3600)
    seed: int = 0


class Timings(BaseModel):
    load_ms: float = 0.0  # weights loaded during this call (0 when already cached)
    prompt_ms: float = 0.0  # prefill: until the first generated token
    generate_ms: float = 0.0  # decode: after the first token
    total_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def prompt_tokens_per_s(self) -> float:
        return self.prompt_tokens / (self.prompt_ms / 1000) if self.prompt_ms > 0 else 0.0

    @property
    def generation_tokens_per_s(self) -> float:
        n = self.completion_tokens - 1
        return n / (self.generate_ms / 1000) if self.generate_ms > 0 and n > 0 else 0.0


class ModelRun(BaseModel):
    """What produced an output: recorded on every result and in the report's audit."""

    backend: str
    model_id: str
    file_sha256: str | None = None  # of the weights file (GGUF) or the model folder's index
    quantization: str | None = None
    device: str | None = None
    constrained: bool = False  # decoding was constrained by the schema
    attempts: int = 1  # 2 when the repair attempt ran
    finish_reason: str | None = None
    timings: Timings = Field(default_factory=Timings)

    @property
    def label(self) -> str:
        return f"{self.backend}:{self.model_id}"


class Completion(BaseModel):
    """The result of one call: the text, and the validated object when a schema was asked."""

    text: str
    data: Any = None
    run: ModelRun


class StreamEvent(BaseModel):
    """A piece of a streamed completion; the last event carries the whole ``completion``."""

    delta: str = ""
    completion: Completion | None = None
