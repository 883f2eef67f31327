"""GGUF quantization through llama.cpp (``llama_model_quantize``) and its fidelity probes.

``quantize_gguf`` turns an F16/BF16/F32 GGUF into one of the llama.cpp quantization types;
``tensor_types`` reads back which tensor types the file really holds (llama.cpp falls back
from K-quants to Q5_0/Q8_0 on rows whose width is not a multiple of 256, so the name of the
requested type alone says little); ``embedding_fidelity`` compares sentence embeddings of an
embedding model (a BERT encoder) with those of its reference file.
"""

from __future__ import annotations

import ctypes
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from medassist.errors import BackendUnavailableError, InputError, ModelError

__all__ = [
    "QUANT_TYPES",
    "EmbeddingFidelity",
    "check_gguf",
    "embed_sentences",
    "embedding_fidelity",
    "parse_quant_types",
    "quantize_gguf",
    "tensor_types",
]

# requested name -> llama.cpp ftype constant name (llama.h, LLAMA_FTYPE_MOSTLY_*)
QUANT_TYPES = {
    "Q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0",
    "Q6_K": "LLAMA_FTYPE_MOSTLY_Q6_K",
    "Q5_K_M": "LLAMA_FTYPE_MOSTLY_Q5_K_M",
    "Q5_K_S": "LLAMA_FTYPE_MOSTLY_Q5_K_S",
    "Q5_0": "LLAMA_FTYPE_MOSTLY_Q5_0",
    "Q4_K_M": "LLAMA_FTYPE_MOSTLY_Q4_K_M",
    "Q4_K_S": "LLAMA_FTYPE_MOSTLY_Q4_K_S",
    "Q4_0": "LLAMA_FTYPE_MOSTLY_Q4_0",
    "Q3_K_M": "LLAMA_FTYPE_MOSTLY_Q3_K_M",
    "Q2_K": "LLAMA_FTYPE_MOSTLY_Q2_K",
    "F16": "LLAMA_FTYPE_MOSTLY_F16",
    "BF16": "LLAMA_FTYPE_MOSTLY_BF16",
}
_GGUF_MAGIC = b"GGUF"


def _llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError as exc:
        raise BackendUnavailableError(
            "GGUF quantization needs llama-cpp-python (extra 'gguf')"
        ) from exc
    return llama_cpp


def parse_quant_types(spec: str) -> list[str]:
    """'Q8_0,q4_k_m' -> ['Q8_0', 'Q4_K_M']; unknown names are an InputError."""
    names = [part.strip().upper() for part in spec.split(",") if part.strip()]
    if not names:
        raise InputError("no quantization type given (e.g. --quant Q8_0,Q4_K_M)")
    unknown = [n for n in names if n not in QUANT_TYPES]
    if unknown:
        raise InputError(
            f"unknown quantization type(s) {', '.join(unknown)}; "
            f"choose from {', '.join(QUANT_TYPES)}"
        )
    return list(dict.fromkeys(names))


def check_gguf(path: str | Path) -> Path:
    """An existing, readable file that starts with the GGUF magic, or an InputError."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"GGUF file not found: {p}")
    try:
        with p.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror}") from exc
    if magic != _GGUF_MAGIC:
        raise InputError(f"{p.name} is not a GGUF file (no GGUF magic)")
    return p


def quantize_gguf(src: str | Path, dst: str | Path, quant: str, *, nthread: int = 0) -> Path:
    """Quantize the GGUF ``src`` to ``quant`` (a key of QUANT_TYPES) into ``dst``."""
    source = check_gguf(src)
    (name,) = parse_quant_types(quant)
    llama_cpp = _llama_cpp()
    from llama_cpp._utils import suppress_stdout_stderr

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, QUANT_TYPES[name])
    params.nthread = nthread
    out = Path(dst)
    out.parent.mkdir(parents=True, exist_ok=True)
    with suppress_stdout_stderr(disable=False):
        rc = llama_cpp.llama_model_quantize(
            str(source).encode(), str(out).encode(), ctypes.byref(params)
        )
    if rc != 0 or not out.is_file():
        out.unlink(missing_ok=True)
        raise ModelError(f"llama_model_quantize failed for {source.name} -> {name} (code {rc})")
    return out


def tensor_types(path: str | Path) -> dict[str, int]:
    """How many tensors of each GGML type the file holds, e.g. {'Q8_0': 37, 'F32': 64}."""
    from gguf import GGUFReader

    reader = GGUFReader(str(check_gguf(path)))
    counts = Counter(t.tensor_type.name for t in reader.tensors)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def embed_sentences(
    path: str | Path, sentences: list[str], *, n_threads: int = 1
) -> tuple[np.ndarray, float]:
    """(L2-normalised embeddings, tokens/s) of an embedding GGUF, pooling as the file says."""
    llama_cpp = _llama_cpp()
    model = llama_cpp.Llama(
        str(check_gguf(path)),
        embedding=True,
        n_ctx=512,
        n_threads=n_threads,
        n_threads_batch=n_threads,
        verbose=False,
    )
    try:
        model.embed(sentences[0])  # warm-up, not timed
        n_tokens = sum(len(model.tokenize(s.encode())) for s in sentences)
        start = time.perf_counter()
        rows = [np.asarray(model.embed(s, normalize=True), dtype=np.float64) for s in sentences]
        elapsed = time.perf_counter() - start
    finally:
        model.close()
    return np.stack(rows), n_tokens / max(elapsed, 1e-9)


class EmbeddingFidelity(BaseModel):
    sentences: int
    cosine_min: float
    cosine_mean: float


def embedding_fidelity(reference: np.ndarray, candidate: np.ndarray) -> EmbeddingFidelity:
    if reference.shape != candidate.shape:
        raise ModelError(f"embedding shapes differ: {reference.shape} vs {candidate.shape}")
    cos = (reference * candidate).sum(1) / (
        np.linalg.norm(reference, axis=1) * np.linalg.norm(candidate, axis=1)
    )
    return EmbeddingFidelity(
        sentences=len(cos), cosine_min=float(cos.min()), cosine_mean=float(cos.mean())
    )
