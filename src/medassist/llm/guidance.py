"""llguidance as a token mask: JSON-schema constrained decoding for any backend that exposes
its logits (transformers' ``logits_processor``, llama-cpp-python's ``logits_processor``).

The matcher follows the generated tokens and, before each step, says which tokens the
schema allows next; the others get ``-inf``. It enforces what llama.cpp's grammar ignores or
makes slow (string and array bounds); once the value is complete only an end token is allowed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from medassist.llm.errors import ModelLoadError

__all__ = ["GuidedMask", "matcher_for"]


def matcher_for(ll_tokenizer: Any, schema: dict[str, Any]) -> Any:
    import llguidance

    grammar = llguidance.LLMatcher.grammar_from_json_schema(
        schema, defaults={"whitespace_flexible": False, "lenient": True}
    )
    matcher = llguidance.LLMatcher(ll_tokenizer, grammar, log_level=0)
    if matcher.is_error():
        raise ModelLoadError(f"llguidance refused the schema: {matcher.get_error()}")
    return matcher


class GuidedMask:
    """Allowed next tokens as a boolean array, stepping the matcher with each sampled token."""

    def __init__(self, matcher: Any, eos_ids: list[int]) -> None:
        self.matcher = matcher
        self.eos_ids = [int(i) for i in eos_ids]
        self.prompt_len: int | None = None

    def allowed(self, ids_so_far: int, last_token: int | None, vocab: int) -> np.ndarray:
        if self.prompt_len is None:
            self.prompt_len = ids_so_far
        elif last_token is not None:
            self.matcher.consume_token(int(last_token))
        if self.matcher.is_stopped() or self.matcher.is_error():
            allowed = np.zeros(vocab, dtype=bool)
            for eos in self.eos_ids:
                if 0 <= eos < vocab:
                    allowed[eos] = True
            return allowed
        bits = np.frombuffer(self.matcher.compute_bitmask(), dtype=np.uint8)
        allowed = np.unpackbits(bits, bitorder="little")[:vocab].astype(bool)
        if len(allowed) < vocab:
            allowed = np.pad(allowed, (0, vocab - len(allowed)))
        return allowed

    # llama-cpp-python's LogitsProcessor: (input_ids, scores) -> scores, numpy
    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        last = int(input_ids[-1]) if self.prompt_len is not None else None
        allowed = self.allowed(len(input_ids), last, scores.shape[-1])
        scores[~allowed] = -np.inf
        return scores
