"""The ``transformers`` backend: ``AutoProcessor`` + ``AutoModelForImageTextToText``
(Gemma3ForConditionalGeneration, MedGemma 4B-IT) from a local folder or a hub id.

- bf16 on CUDA, fp32 on CPU; 8-bit and 4-bit (nf4) with bitsandbytes; ``device_map``;
- before loading, the memory need is estimated from the config and the quantization, and the
  load is refused with a clear message when free GPU (or host) memory is short;
- unload frees the weights (and the CUDA cache);
- one generation at a time per loaded model (the base class's lock);
- structured output constrained token by token with llguidance (a logits processor built on
  its matcher and the model's own tokenizer).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from medassist.llm.base import Backend, Deadline, Request, RunStats
from medassist.llm.errors import (
    BackendUnavailableError,
    InsufficientMemoryError,
    ModelLoadError,
    ModelNotFoundError,
)
from medassist.llm.files import folder_sha256, looks_like_path
from medassist.llm.memory import estimate_model_memory, free_memory_bytes
from medassist.llm.types import ModelRun

__all__ = ["TransformersBackend", "GuidanceLogitsProcessor"]


class TransformersBackend(Backend):
    name = "transformers"
    supports_images = True
    supports_schema = True
    can_stream = True
    requires = ("torch", "transformers", "llguidance")
    extra = "llm"

    class Options(Backend.Options):
        device: str = "auto"  # auto | cpu | cuda | cuda:N
        quantization: Literal["none", "8bit", "4bit"] = "none"
        device_map: str | None = None  # default: the device (or "auto" with several GPUs)
        check_memory: bool = True
        #: a cap on what the model may use, in GiB (like accelerate's max_memory); None: all free
        max_memory_gib: float | None = Field(None, gt=0)
        context_tokens: int = Field(4096, ge=64)  # for the KV-cache part of the estimate
        local_files_only: bool = False

    def __init__(self, model: str | None = None, **options: Any) -> None:
        super().__init__(model, **options)
        self._model: Any = None
        self._processor: Any = None
        self._ll_tokenizer: Any = None
        self._sha256: str | None = None
        self._device = "cpu"
        self.memory_estimate: Any = None

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> TransformersBackend:
        opts: dict[str, Any] = {
            "device": settings.llm_device,
            "quantization": settings.llm_quantization,
        }
        opts.update(overrides)
        model = opts.pop("model", None) or settings.llm_model
        return cls(model, **opts)

    def _resolve_device(self) -> str:
        import torch

        dev = self.options.device
        if dev == "auto":
            return "cuda:0" if torch.cuda.is_available() else "cpu"
        if dev == "cuda":
            dev = "cuda:0"
        if dev.startswith("cuda") and not torch.cuda.is_available():
            raise ModelLoadError(
                "MEDASSIST_LLM_DEVICE asks for CUDA, but no CUDA device is visible"
            )
        return dev

    def _load(self) -> None:
        import torch
        from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor

        if not self.model:
            raise ModelNotFoundError(
                "no model given (set MEDASSIST_LLM_MODEL to a local folder or a hub id)"
            )
        source = self.model
        if looks_like_path(source):
            folder = Path(source).expanduser()
            if not folder.is_dir() or not (folder / "config.json").exists():
                raise ModelNotFoundError(
                    f"model folder not found or without config.json: {source} (check MEDASSIST_LLM_MODEL)"
                )
            source = str(folder)
        self._device = self._resolve_device()
        on_cuda = self._device.startswith("cuda")
        dtype = torch.bfloat16 if on_cuda else torch.float32
        quant = self.options.quantization
        try:
            config = AutoConfig.from_pretrained(
                source, local_files_only=self.options.local_files_only
            )
        except OSError as exc:
            raise ModelNotFoundError(
                f"cannot read the model config of {self.model}: {exc}"
            ) from None
        if self.options.check_memory:
            self._check_memory(config, dtype_bytes=2 if on_cuda else 4)
        kwargs: dict[str, Any] = {"dtype": dtype, "local_files_only": self.options.local_files_only}
        if quant != "none":
            try:
                import bitsandbytes  # noqa: F401
                from transformers import BitsAndBytesConfig
            except ImportError:
                raise BackendUnavailableError(
                    f"{quant} quantization needs bitsandbytes (pip install bitsandbytes)"
                ) from None
            if quant == "8bit":
                kwargs["quantization_config"] = BitsAndBytesConfig(load_in_8bit=True)
            else:
                kwargs["quantization_config"] = BitsAndBytesConfig(
                    load_in_4bit=True,
                    bnb_4bit_quant_type="nf4",
                    bnb_4bit_compute_dtype=dtype,
                    bnb_4bit_use_double_quant=True,
                )
        kwargs["device_map"] = self.options.device_map or self._device
        try:
            self._processor = AutoProcessor.from_pretrained(
                source, local_files_only=self.options.local_files_only
            )
            self._model = AutoModelForImageTextToText.from_pretrained(source, **kwargs).eval()
        except (OSError, ValueError, RuntimeError, ImportError) as exc:
            self._model = self._processor = None
            raise ModelLoadError(f"transformers could not load {self.model}: {exc}") from None
        if Path(source).is_dir():
            self._sha256 = folder_sha256(Path(source))

    def _check_memory(self, config: Any, *, dtype_bytes: int) -> None:
        est = estimate_model_memory(
            config,
            quantization=self.options.quantization,
            dtype_bytes=dtype_bytes,
            context_tokens=self.options.context_tokens,
        )
        self.memory_estimate = est
        free = free_memory_bytes(self._device)
        budget = free
        if self.options.max_memory_gib is not None:
            budget = min(free, int(self.options.max_memory_gib * 1024**3))
        if est.total_bytes > budget:
            where = "GPU" if self._device.startswith("cuda") else "host"
            raise InsufficientMemoryError(
                f"not loading {self.model}: it needs about {est.gib():.2f} GiB "
                f"({est.parameters / 1e6:.0f} M parameters, quantization {self.options.quantization}) "
                f"but only {budget / 1024**3:.2f} GiB of {where} memory is available; "
                "try MEDASSIST_LLM_QUANTIZATION=4bit, a smaller model, or the llamacpp backend",
                needed_bytes=est.total_bytes,
                available_bytes=budget,
            )

    def _unload(self) -> None:
        self._model = None
        self._processor = None
        self._ll_tokenizer = None
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:  # pragma: no cover
            pass

    def describe(self) -> ModelRun:
        return ModelRun(
            backend=self.name,
            model_id=self.model or "",
            file_sha256=self._sha256,
            quantization=self.options.quantization,
            device=self._device,
        )

    @property
    def hf_model(self) -> Any:
        return self._model

    @property
    def processor(self) -> Any:
        return self._processor

    # -- generation ------------------------------------------------------------------------------
    def prepare_inputs(self, request: Request) -> Any:
        """The processor's tensors for ``request`` (images before text in each turn)."""
        messages: list[dict[str, Any]] = []
        images = []
        for m in request.messages:
            content: list[dict[str, Any]] = []
            for img in m.images:
                content.append({"type": "image"})
                images.append(img.to_pil())
            content.append({"type": "text", "text": m.content})
            messages.append({"role": m.role, "content": content})
        prompt = self._processor.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=False
        )
        kwargs: dict[str, Any] = {"text": prompt, "return_tensors": "pt"}
        if images:
            kwargs["images"] = images
        inputs = self._processor(**kwargs)
        # add_special_tokens would add a second <bos>: the template already has one
        return inputs.to(self._model.device)

    def _tokenizer(self) -> Any:
        return getattr(self._processor, "tokenizer", self._processor)

    def guidance_processor(self, schema: dict[str, Any]) -> GuidanceLogitsProcessor:
        import llguidance.hf

        from medassist.llm.guidance import GuidedMask, matcher_for

        if self._ll_tokenizer is None:
            tok = self._tokenizer()
            self._ll_tokenizer = llguidance.hf.from_tokenizer(tok, n_vocab=self._vocab_size())
        eos = self._model.generation_config.eos_token_id
        eos_ids = [eos] if isinstance(eos, int) else list(eos or [])
        return GuidanceLogitsProcessor(GuidedMask(matcher_for(self._ll_tokenizer, schema), eos_ids))

    def _vocab_size(self) -> int:
        cfg = self._model.config
        text = getattr(cfg, "text_config", cfg)
        return int(text.vocab_size)

    def execute(self, request: Request, stats: RunStats, deadline: Deadline) -> Iterator[str]:
        import torch
        from transformers import LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

        inputs = self.prepare_inputs(request)
        stats.prompt_tokens = int(inputs["input_ids"].shape[1])
        streamer = _CountingStreamer(self._tokenizer(), stats)

        class _Deadline(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):  # type: ignore[no-untyped-def]
                return torch.full((input_ids.shape[0],), deadline.expired(), dtype=torch.bool)

        gen_kwargs: dict[str, Any] = dict(inputs)
        gen_kwargs.update(
            max_new_tokens=request.limits.max_new_tokens,
            streamer=streamer,
            stopping_criteria=StoppingCriteriaList([_Deadline()]),
        )
        if request.limits.temperature > 0:
            torch.manual_seed(request.limits.seed)
            gen_kwargs.update(do_sample=True, temperature=request.limits.temperature, top_p=1.0)
        else:
            gen_kwargs.update(do_sample=False, top_p=None, top_k=None, temperature=None)
        guidance = None
        if request.json_schema is not None:
            guidance = self.guidance_processor(request.json_schema)
            gen_kwargs["logits_processor"] = LogitsProcessorList([guidance])
            stats.constrained = True
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with torch.inference_mode():
                    self._model.generate(**gen_kwargs)
            except BaseException as exc:  # surfaced in the caller's thread
                errors.append(exc)
                streamer.end()

        thread = threading.Thread(target=run, name="medassist-generate", daemon=True)
        thread.start()
        try:
            yield from streamer
        finally:
            thread.join()
        if errors:
            raise ModelLoadError(f"generation failed: {type(errors[0]).__name__}: {errors[0]}")
        if deadline.expired():
            deadline.check()
        stats.finish_reason = (
            "length" if stats.completion_tokens >= request.limits.max_new_tokens else "stop"
        )


class _CountingStreamer:
    """Decoded text pieces for the caller's thread; counts generated tokens."""

    def __init__(self, tokenizer: Any, stats: RunStats) -> None:
        import queue

        self.tokenizer = tokenizer
        self.stats = stats
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.prompt_seen = False
        self.tokens: list[int] = []
        self.emitted = 0
        special = getattr(tokenizer, "all_special_ids", [])
        self.special = set(special)

    def put(self, value: Any) -> None:
        if not self.prompt_seen:
            self.prompt_seen = True
            return
        ids = [int(i) for i in value.reshape(-1).tolist()]
        self.stats.token(len(ids))
        self.tokens.extend(i for i in ids if i not in self.special)
        text = self.tokenizer.decode(self.tokens, skip_special_tokens=True)
        if text.endswith("\ufffd"):  # an incomplete UTF-8 sequence: wait for the next token
            return
        if len(text) > self.emitted:
            self.queue.put(text[self.emitted :])
            self.emitted = len(text)

    def end(self) -> None:
        text = self.tokenizer.decode(self.tokens, skip_special_tokens=True)
        if len(text) > self.emitted:
            self.queue.put(text[self.emitted :])
            self.emitted = len(text)
        self.queue.put(None)

    def __iter__(self) -> Iterator[str]:
        while True:
            piece = self.queue.get()
            if piece is None:
                return
            yield piece


class GuidanceLogitsProcessor:
    """transformers' LogitsProcessor over :class:`~medassist.llm.guidance.GuidedMask`."""

    def __init__(self, mask: Any) -> None:
        self.mask = mask

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        first = self.mask.prompt_len is None
        last = None if first else int(input_ids[0, -1])
        allowed = self.mask.allowed(int(input_ids.shape[1]), last, scores.shape[-1])
        block = torch.from_numpy(~allowed).to(scores.device)
        return scores.masked_fill(block.unsqueeze(0), float("-inf"))
