"""The ``llamacpp`` backend: llama-cpp-python with a GGUF file (the edge path).

- threads, context size, batch size and GPU layers configurable;
- images through the model's mmproj (``MTMDChatHandler``, which renders the GGUF's own chat
  template, Gemma 3's included) when ``mmproj`` is given;
- a GGUF without a chat template (a base model) is prompted in Gemma's turn format;
- structured output with llama.cpp's JSON-schema grammar (``constraint="grammar"``, the
  default: it ignores numeric bounds, so the answer is validated afterwards, with one
  repair), or with llguidance over llama.cpp's own
  vocabulary (``constraint="llguidance"``: every bound enforced, a token mask per step).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field

from medassist.llm.base import Backend, Deadline, Request, RunStats
from medassist.llm.errors import ModelError, ModelLoadError
from medassist.llm.files import file_sha256, require_file
from medassist.llm.types import Message, ModelRun

__all__ = ["LlamaCppBackend"]


class LlamaCppBackend(Backend):
    name = "llamacpp"
    supports_images = True  # with an mmproj
    supports_schema = True
    can_stream = True
    requires = ("llama_cpp",)
    extra = "gguf"

    class Options(Backend.Options):
        mmproj: str | None = None
        n_ctx: int = Field(4096, ge=64)
        n_threads: int | None = Field(None, ge=1)
        n_batch: int = Field(512, ge=1)
        n_gpu_layers: int = Field(0, ge=-1)
        chat_format: str | None = None  # default: the GGUF's template, else "gemma"
        repeat_penalty: float = Field(1.0, gt=0)
        constraint: Literal["grammar", "llguidance"] = "grammar"

    def __init__(self, model: str | None = None, **options: Any) -> None:
        super().__init__(model, **options)
        self._llama: Any = None
        self._sha256: str | None = None
        self._grammars: dict[str, Any] = {}
        self._ll_tokenizer: Any = None

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> LlamaCppBackend:
        opts: dict[str, Any] = {"mmproj": settings.llm_mmproj}
        if settings.llm_device.startswith("cuda"):
            opts["n_gpu_layers"] = -1
        opts.update(overrides)
        model = opts.pop("model", None) or settings.llm_model
        return cls(model, **opts)

    def _load(self) -> None:
        from llama_cpp import Llama

        path = require_file(self.model, "GGUF model file", "MEDASSIST_LLM_MODEL")
        mmproj = None
        if self.options.mmproj:
            mmproj = require_file(self.options.mmproj, "mmproj file", "MEDASSIST_LLM_MMPROJ")
        kwargs: dict[str, Any] = {
            "n_ctx": self.options.n_ctx,
            "n_threads": self.options.n_threads or max(1, (os.cpu_count() or 2)),
            "n_batch": self.options.n_batch,
            "n_gpu_layers": self.options.n_gpu_layers,
            "verbose": False,
        }
        try:
            if mmproj is not None:
                from llama_cpp.llama_chat_format import MTMDChatHandler

                _quiet_mtmd()  # mtmd logs the prompt (note text) at info level: never

                kwargs["chat_handler"] = MTMDChatHandler(
                    clip_model_path=str(mmproj),
                    verbose=False,
                    use_gpu=self.options.n_gpu_layers != 0,
                )
            elif self.options.chat_format:
                kwargs["chat_format"] = self.options.chat_format
            self._llama = Llama(model_path=str(path), **kwargs)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelLoadError(f"llama.cpp could not load {path.name}: {exc}") from None
        if (
            mmproj is None
            and not self.options.chat_format
            and not self._llama.metadata.get("tokenizer.chat_template")
        ):
            # a base model: Gemma's own turn format (llama-cpp-python would use llama-2's)
            from llama_cpp.llama_chat_format import get_chat_completion_handler

            self._llama.chat_format = "gemma"
            self._llama.chat_handler = get_chat_completion_handler("gemma")
        self._sha256 = file_sha256(path)

    def _unload(self) -> None:
        if self._llama is not None:
            self._llama.close()
        self._llama = None

    def describe(self) -> ModelRun:
        quant = None
        if self._llama is not None:
            quant = _file_type(self._llama.metadata.get("general.file_type"))
        return ModelRun(
            backend=self.name,
            model_id=os.path.basename(self.model or ""),
            file_sha256=self._sha256,
            quantization=quant,
            device="gpu" if self.options.n_gpu_layers else "cpu",
        )

    def grammar(self, schema: dict[str, Any]) -> Any:
        """llama.cpp's grammar for ``schema`` (enums, patterns, array and string lengths;
        numeric bounds are not enforced: the answer is validated afterwards)."""
        from llama_cpp.llama_grammar import LlamaGrammar

        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            self._grammars[key] = LlamaGrammar.from_json_schema(key, verbose=False)
        return self._grammars[key]

    def guided_mask(self, schema: dict[str, Any]) -> Any:
        import llama_cpp
        import llguidance.llamacpp

        from medassist.llm.guidance import GuidedMask, matcher_for

        vocab = llama_cpp.llama_model_get_vocab(self._llama.model)
        if self._ll_tokenizer is None:
            self._ll_tokenizer = llguidance.llamacpp.lltokenizer_from_vocab(vocab)
        eos = {int(llama_cpp.llama_vocab_eos(vocab)), int(llama_cpp.llama_vocab_eot(vocab))}
        return GuidedMask(matcher_for(self._ll_tokenizer, schema), sorted(i for i in eos if i >= 0))

    def _messages(self, messages: list[Message]) -> list[dict[str, Any]]:
        out = []
        for m in messages:
            if m.images:
                if self.options.mmproj is None:
                    raise ModelError(
                        "this GGUF model was loaded without a vision projector; set "
                        "MEDASSIST_LLM_MMPROJ (--mmproj) to send images"
                    )
                content: Any = [
                    {"type": "image_url", "image_url": {"url": img.data_url()}} for img in m.images
                ]
                content.append({"type": "text", "text": m.content})
            else:
                content = m.content
            out.append({"role": m.role, "content": content})
        return out

    def execute(self, request: Request, stats: RunStats, deadline: Deadline) -> Iterator[str]:
        llama = self._llama
        kwargs: dict[str, Any] = {
            "messages": self._messages(request.messages),
            "max_tokens": request.limits.max_new_tokens,
            "temperature": request.limits.temperature,
            "seed": request.limits.seed,
            "repeat_penalty": self.options.repeat_penalty,
            "stream": True,
        }
        if request.json_schema is not None:
            if self.options.constraint == "llguidance":
                from llama_cpp import LogitsProcessorList

                kwargs["logits_processor"] = LogitsProcessorList(
                    [self.guided_mask(request.json_schema)]
                )
            else:
                kwargs["grammar"] = self.grammar(request.json_schema)
            stats.constrained = True
        try:
            chunks = llama.create_chat_completion(**kwargs)
            for chunk in chunks:
                if deadline.expired():
                    chunks.close()
                    deadline.check()
                choice = chunk["choices"][0]
                if choice.get("finish_reason"):
                    stats.finish_reason = choice["finish_reason"]
                piece = choice.get("delta", {}).get("content")
                if piece:
                    stats.token()
                    yield piece
        except ValueError as exc:  # e.g. the prompt does not fit n_ctx
            raise ModelError(f"llama.cpp refused the request: {exc}") from None
        stats.prompt_tokens = max(0, llama.n_tokens - stats.completion_tokens)


_QUIET: Any = None


def _quiet_mtmd() -> None:
    """Route mtmd's log (which echoes prompt text) to a callback that drops it."""
    global _QUIET
    import ctypes

    import llama_cpp
    import llama_cpp.mtmd_cpp as mtmd

    if _QUIET is None:

        @llama_cpp.llama_log_callback
        def _drop(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
            return None

        _QUIET = _drop  # keep a reference: the C side holds the pointer
    for setter in ("mtmd_log_set", "mtmd_helper_log_set"):
        if hasattr(mtmd, setter):
            getattr(mtmd, setter)(_QUIET, ctypes.c_void_p(0))


def _file_type(code: Any) -> str | None:
    try:
        from llama_cpp import llama_cpp as lib

        names = {
            getattr(lib, n): n.removeprefix("LLAMA_FTYPE_MOSTLY_").removeprefix("LLAMA_FTYPE_")
            for n in dir(lib)
            if n.startswith("LLAMA_FTYPE_")
        }
        return names.get(int(code))
    except (TypeError, ValueError, ImportError):
        return None
