"""Memory before loading: an estimate from the config and the quantization, and what is free.

The estimate counts the parameters of the architecture built on the ``meta`` device (no
memory, exact count), then bytes per parameter: linear layers at the quantized width
(8-bit: 1 byte, 4-bit nf4: 0.5 byte plus its block scales), everything else at the compute
dtype; plus the KV cache for the context and a fixed working margin.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["MemoryEstimate", "estimate_model_memory", "free_memory_bytes"]

_GIB = 1024**3


class MemoryEstimate(BaseModel):
    parameters: int
    linear_parameters: int
    weights_bytes: int
    kv_cache_bytes: int
    overhead_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.weights_bytes + self.kv_cache_bytes + self.overhead_bytes

    def gib(self) -> float:
        return self.total_bytes / _GIB


def _count(model: Any) -> tuple[int, int]:
    import torch

    total = linear = 0
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear) and not name.endswith("lm_head"):
            linear += sum(p.numel() for p in module.parameters(recurse=False))
    seen: set[int] = set()
    for p in model.parameters():
        if id(p) not in seen:  # tied embeddings count once
            seen.add(id(p))
            total += p.numel()
    return total, linear


def estimate_model_memory(
    config: Any, *, quantization: str = "none", dtype_bytes: int = 2, context_tokens: int = 4096
) -> MemoryEstimate:
    """Bytes a model of ``config`` needs once loaded (weights + KV cache + margin)."""
    import torch
    from transformers import AutoModelForImageTextToText

    with torch.device("meta"):
        model = AutoModelForImageTextToText.from_config(config)
    total, linear = _count(model)
    other = total - linear
    per_linear = {"none": dtype_bytes, "8bit": 1.0, "4bit": 0.5 + 0.5 / 64 * 4}[quantization]
    weights = int(linear * per_linear + other * dtype_bytes)
    text = getattr(config, "text_config", config)
    layers = int(getattr(text, "num_hidden_layers", 0) or 0)
    kv_heads = int(getattr(text, "num_key_value_heads", 0) or 0)
    head_dim = int(
        getattr(text, "head_dim", 0)
        or (getattr(text, "hidden_size", 0) // max(getattr(text, "num_attention_heads", 1), 1))
    )
    kv = 2 * layers * kv_heads * head_dim * context_tokens * dtype_bytes
    overhead = int(0.05 * weights) + 256 * 1024**2
    return MemoryEstimate(
        parameters=total,
        linear_parameters=linear,
        weights_bytes=weights,
        kv_cache_bytes=kv,
        overhead_bytes=overhead,
    )


def free_memory_bytes(device: str) -> int:
    """Free memory of ``device`` ('cpu' or 'cuda:N'): CUDA's mem_get_info or the host's available."""
    if device.startswith("cuda"):
        import torch

        index = int(device.split(":", 1)[1]) if ":" in device else 0
        free, _total = torch.cuda.mem_get_info(index)
        return int(free)
    import psutil

    return int(psutil.virtual_memory().available)
