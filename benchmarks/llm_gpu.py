"""MedGemma 4B-IT on a GPU: the full-size architecture with random weights (no download; the
compute is the real model's), bf16 / 8-bit / 4-bit, the project's pipelines beside a plain
``transformers`` ``generate()`` on the same machine.

Fixed sizes: a 1,024-token prompt holding one 896 px image (256 image tokens), 256 generated
tokens (end-of-sequence disabled so every run generates exactly that many). For each
quantization it measures, through the project's real loading code (``TransformersBackend``
on a saved folder: AutoProcessor + AutoModelForImageTextToText, bitsandbytes for 8/4-bit):

* load time and the memory estimate made before loading;
* prefill and decode tokens/s and peak GPU memory with a plain ``model.generate()`` (no project
  code) and with the project's backend (``complete()``: streamer thread, lock, deadline), and
  their ratio (target: the project within 5 % of the plain baseline for the same generation);
* end-to-end latency of the text, image and multimodal pipelines (``run_analysis``:
  deterministic engine, prompt, llguidance-constrained generation up to 256 tokens, safety);
* single-stream bf16 decode against the memory-bandwidth limit: bytes of the decoder's
  weights per token over the measured device-to-device copy bandwidth (target >= 60 %).

The whole script stays within ``--budget-s`` (default 470 s, under the 8-minute limit): a step
that would not fit is skipped and says so. ``--smoke`` runs the same code on a tiny config
(CPU is fine) to check the script without a GPU.

    python3.11 benchmarks/llm_gpu.py --out gpu.json          # on the GPU machine
    python3.11 benchmarks/llm_gpu.py --smoke                 # anywhere, seconds
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests" / "llm"))  # the tokenizer trainer and chat template

#: google/medgemma-4b-it (the Gemma 3 4B architecture): text decoder + SigLIP-so400m tower
MEDGEMMA_4B = {
    "text": dict(
        hidden_size=2560, intermediate_size=10240, num_hidden_layers=34, num_attention_heads=8,
        num_key_value_heads=4, head_dim=256, vocab_size=262208, max_position_embeddings=131072,
        sliding_window=1024, rope_theta=1_000_000.0, query_pre_attn_scalar=256,
        rms_norm_eps=1e-6,
    ),
    "vision": dict(
        hidden_size=1152, intermediate_size=4304, num_hidden_layers=27, num_attention_heads=16,
        image_size=896, patch_size=14, vision_use_head=False,
    ),
    "mm_tokens_per_image": 256,
}  # fmt: skip
TINY = {
    "text": dict(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, head_dim=32, vocab_size=512, max_position_embeddings=4096,
        sliding_window=64,
    ),
    "vision": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=1, num_attention_heads=2,
                   image_size=64, patch_size=16),
    "mm_tokens_per_image": 4,
}  # fmt: skip

NOTE = (
    "HPI: 67-year-old woman with productive cough and fever for 3 days, worse at night. Denies "
    "chest pain and haemoptysis. PMH: COPD, hypertension, type 2 diabetes. Meds: lisinopril "
    "10 mg daily, metformin 500 mg twice daily, tiotropium inhaler. Allergies: penicillin. "
    "Vitals: HR 104, BP 132/84, RR 22, T 38.4 C, SpO2 91% on room air. Exam: crackles at the "
    "right base, no leg swelling. Labs: WBC 14.2, CRP 88, creatinine 1.1 mg/dL. Plan: chest "
    "X-ray, sputum culture, review inhaler technique, re-measure SpO2 after rest."
)


class Budget:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def allows(self, seconds: float, what: str) -> bool:
        if self.left() >= seconds:
            return True
        print(f"  skipped {what}: needs ~{seconds:.0f} s, {self.left():.0f} s left in the budget")
        return False


def sync() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def copy_bandwidth_gbs() -> float | None:
    """Achievable device memory bandwidth: a 4 GiB device-to-device copy (read + write)."""
    import torch

    if not torch.cuda.is_available():
        return None
    n = 4 * 1024**3 // 2
    a = torch.empty(n, dtype=torch.bfloat16, device="cuda")
    b = torch.empty_like(a)
    b.copy_(a)
    sync()
    t = time.perf_counter()
    for _ in range(10):
        b.copy_(a)
    sync()
    dt = (time.perf_counter() - t) / 10
    del a, b
    torch.cuda.empty_cache()
    return 2 * n * 2 / dt / 1e9


def build_folder(arch: dict, out: Path, device: str) -> tuple[Path, float]:
    """Random weights of the architecture, saved with a processor (real loading code reads it)."""
    import torch
    from tiny_models import GEMMA_CHAT_TEMPLATE, SPECIAL, hf_tokenizer
    from transformers import (
        Gemma3Config,
        Gemma3ForConditionalGeneration,
        Gemma3Processor,
        Gemma3TextConfig,
        SiglipVisionConfig,
    )
    from transformers.models.gemma3.image_processing_pil_gemma3 import Gemma3ImageProcessorPil

    t = time.perf_counter()
    tok = hf_tokenizer()
    ids = {s: tok.convert_tokens_to_ids(s) for s in SPECIAL}
    text = Gemma3TextConfig(**arch["text"], pad_token_id=ids["<pad>"], bos_token_id=ids["<bos>"],
                            eos_token_id=[ids["<eos>"], ids["<end_of_turn>"]])  # fmt: skip
    vision = SiglipVisionConfig(**arch["vision"])
    config = Gemma3Config(
        text_config=text.to_dict(),
        vision_config=vision.to_dict(),
        mm_tokens_per_image=arch["mm_tokens_per_image"],
        boi_token_index=ids["<start_of_image>"],
        eoi_token_index=ids["<end_of_image>"],
        image_token_index=ids["<image_soft_token>"],
    )
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    torch.manual_seed(0)
    with torch.device(device):
        model = Gemma3ForConditionalGeneration(config).to(dtype).eval()
    model.save_pretrained(out, max_shard_size="4GB")
    size = arch["vision"]["image_size"]
    Gemma3Processor(
        image_processor=Gemma3ImageProcessorPil(size={"height": size, "width": size}),
        tokenizer=tok,
        chat_template=GEMMA_CHAT_TEMPLATE,
        image_seq_length=arch["mm_tokens_per_image"],
    ).save_pretrained(out)
    del model
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return out, time.perf_counter() - t


def test_image(size: int) -> bytes:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size]
    chest = 0.5 + 0.3 * np.cos((xx - size / 2) / size * 3) * np.cos((yy - size / 2) / size * 2)
    arr = np.clip(chest + rng.normal(0, 0.03, chest.shape), 0, 1)
    buf = io.BytesIO()
    Image.fromarray((arr * 255).astype("uint8")).convert("RGB").save(buf, "PNG")
    return buf.getvalue()


def fixed_messages(backend, image: bytes, prompt_tokens: int):
    """One user turn: the image, then text padded to ``prompt_tokens`` tokens in all."""
    from medassist.llm import ImageInput, Message
    from medassist.llm.base import Request

    words = NOTE.split()
    text = NOTE
    for _ in range(64):
        msgs = [Message(role="user", content=text, images=[ImageInput(data=image)])]
        n = int(backend.prepare_inputs(Request(messages=msgs))["input_ids"].shape[1])
        if n >= prompt_tokens:
            break
        text += " " + " ".join(words[: max(1, (prompt_tokens - n) // 2)] or words)
    # trim to the size from above, a word at a time (a few tokens per step)
    while n > prompt_tokens and " " in text:
        shorter = text.rsplit(" ", 1)[0]
        msgs2 = [Message(role="user", content=shorter, images=[ImageInput(data=image)])]
        n2 = int(backend.prepare_inputs(Request(messages=msgs2))["input_ids"].shape[1])
        if n2 < prompt_tokens:
            break
        text, msgs, n = shorter, msgs2, n2
    return msgs, n


def plain_generate(backend, msgs, new_tokens: int) -> dict:
    """A plain transformers generate() on the same loaded model: no project code in the loop."""
    import torch

    from medassist.llm.base import Request

    model = backend.hf_model
    inputs = backend.prepare_inputs(Request(messages=msgs))
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    with torch.inference_mode():
        model.generate(**inputs, max_new_tokens=2, min_new_tokens=2, do_sample=False)  # warm-up
        sync()
        t0 = time.perf_counter()
        model.generate(**inputs, max_new_tokens=1, min_new_tokens=1, do_sample=False)
        sync()
        t1 = time.perf_counter()
        out = model.generate(
            **inputs, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False
        )
        sync()
        t2 = time.perf_counter()
    generated = int(out.shape[1] - inputs["input_ids"].shape[1])
    prefill = t1 - t0
    decode = (t2 - t1) - prefill
    peak = torch.cuda.max_memory_allocated() / 1024**3 if torch.cuda.is_available() else None
    return {
        "prompt_tokens": int(inputs["input_ids"].shape[1]),
        "generated": generated,
        "prefill_s": prefill,
        "prefill_tps": inputs["input_ids"].shape[1] / prefill,
        "decode_tps": (generated - 1) / decode if decode > 0 else None,
        "total_s": t2 - t1,
        "peak_gib": peak,
    }


def project_generate(backend, msgs, new_tokens: int) -> dict:
    import torch

    from medassist.llm import Limits

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter()
    out = backend.complete(msgs, limits=Limits(max_new_tokens=new_tokens, timeout_s=600))
    sync()
    total = time.perf_counter() - t
    tm = out.run.timings
    return {
        "prompt_tokens": tm.prompt_tokens,
        "generated": tm.completion_tokens,
        "prefill_s": tm.prompt_ms / 1000,
        "prefill_tps": tm.prompt_tokens_per_s,
        "decode_tps": tm.generation_tokens_per_s,
        "total_s": total,
        "peak_gib": torch.cuda.max_memory_allocated() / 1024**3
        if torch.cuda.is_available()
        else None,
    }


def pipelines(backend, image: bytes, new_tokens: int) -> dict:
    from medassist.llm import Limits
    from medassist.pipelines.analyze import run_analysis

    limits = Limits(max_new_tokens=new_tokens, timeout_s=600)
    out = {}
    for name, args in (
        ("text", (NOTE, None)),
        ("image", (None, image)),
        ("multimodal", (NOTE, image)),
    ):
        t = time.perf_counter()
        report = run_analysis(*args, llm=backend, limits=limits)
        sync()
        run = report.model_runs[0] if report.model_runs else None
        out[name] = {
            "latency_s": time.perf_counter() - t,
            "model_state": report.model.state,
            "generated": run.completion_tokens if run else 0,
            "prompt_tokens": run.prompt_tokens if run else 0,
            "attempts": run.attempts if run else 0,
            "model_error": report.model.message,
        }
    return out


def decoder_weight_bytes(model) -> int:
    """Bytes read per decoded token: the language model's weights (not the vision tower)."""
    seen, total = set(), 0
    lm = model.model.language_model if hasattr(model.model, "language_model") else model
    for p in lm.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            total += p.numel() * p.element_size()
    return total


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--smoke", action="store_true", help="tiny config, few tokens (no GPU needed)")
    ap.add_argument("--quant", default="none,8bit,4bit")
    ap.add_argument("--prompt-tokens", type=int, default=1024)
    ap.add_argument("--new-tokens", type=int, default=256)
    ap.add_argument("--budget-s", type=float, default=470.0)
    ap.add_argument("--out", help="write the figures as JSON here")
    ap.add_argument("--workdir", help="where to save the random-weight model (default: a temp dir)")
    args = ap.parse_args()
    budget = Budget(args.budget_s)

    import torch

    from medassist.llm.backends.transformers import TransformersBackend

    cuda = torch.cuda.is_available()
    device = "cuda:0" if cuda else "cpu"
    arch = TINY if args.smoke else MEDGEMMA_4B
    prompt_tokens = 48 if args.smoke else args.prompt_tokens
    new_tokens = 8 if args.smoke else args.new_tokens
    result: dict = {"device": torch.cuda.get_device_name(0) if cuda else "cpu", "smoke": args.smoke,
                    "prompt_tokens_target": prompt_tokens, "new_tokens": new_tokens, "runs": {}}  # fmt: skip
    print(f"# MedGemma-4B architecture benchmark on {result['device']} (torch {torch.__version__})")
    if cuda:
        free, total = torch.cuda.mem_get_info()
        print(f"free GPU memory {free / 1024**3:.1f} of {total / 1024**3:.1f} GiB")
        result["copy_bandwidth_gbs"] = copy_bandwidth_gbs()
        print(f"device-to-device copy bandwidth: {result['copy_bandwidth_gbs']:.0f} GB/s")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="medgemma-arch-"))
    folder, build_s = build_folder(arch, work / "model", device)
    result["build_and_save_s"] = build_s
    print(f"random-weight model built and saved in {build_s:.1f} s -> {folder}")
    image = test_image(arch["vision"]["image_size"])

    for quant in args.quant.split(","):
        if quant != "none" and not cuda and not args.smoke:
            continue
        need = 25 if args.smoke else (150 if quant == "8bit" else 90)
        if not budget.allows(need, f"quantization {quant}"):
            continue
        label = "bf16" if quant == "none" and cuda else ("fp32" if quant == "none" else quant)
        print(f"\n## {label}")
        backend = TransformersBackend(
            str(folder), device=device, quantization=quant, local_files_only=True
        )
        t = time.perf_counter()
        try:
            backend.load()
        except Exception as exc:  # e.g. bitsandbytes without a CUDA build here
            print(f"  load failed: {type(exc).__name__}: {exc}")
            result["runs"][label] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        run: dict = {"load_s": time.perf_counter() - t}
        if backend.memory_estimate is not None:
            run["estimate_gib"] = backend.memory_estimate.gib()
        eos = backend.hf_model.generation_config.eos_token_id
        backend.hf_model.generation_config.eos_token_id = None  # exactly new_tokens each run
        try:
            msgs, n_prompt = fixed_messages(backend, image, prompt_tokens)
            run["plain"] = plain_generate(backend, msgs, new_tokens)
            run["project"] = project_generate(backend, msgs, new_tokens)
        except Exception as exc:  # a quantization kernel missing on this machine, say
            print(f"  generation failed: {type(exc).__name__}: {exc}")
            result["runs"][label] = {**run, "error": f"{type(exc).__name__}: {exc}"}
            backend.unload()
            continue
        run["project_over_plain_time"] = run["project"]["total_s"] / run["plain"]["total_s"]
        # the pipelines stop at the end of their JSON answer, like in use
        backend.hf_model.generation_config.eos_token_id = eos
        if budget.allows(20 if quant != "8bit" else 60, f"pipelines ({label})"):
            run["pipelines"] = pipelines(backend, image, new_tokens)
        if quant == "none" and cuda and run["plain"]["decode_tps"]:
            weights = decoder_weight_bytes(backend.hf_model)
            limit_tps = result["copy_bandwidth_gbs"] * 1e9 / weights
            run["decoder_weight_gib"] = weights / 1024**3
            run["bandwidth_limit_tps"] = limit_tps
            run["decode_fraction_of_limit"] = run["plain"]["decode_tps"] / limit_tps
            run["project_decode_fraction_of_limit"] = (
                run["project"]["decode_tps"] or 0
            ) / limit_tps
        result["runs"][label] = run
        p, q = run["plain"], run["project"]
        print(
            f"  load {run['load_s']:.1f} s, estimate {run.get('estimate_gib', 0):.2f} GiB, prompt {n_prompt} tokens"
        )
        for name, r in (("plain generate()", p), ("medassist backend", q)):
            peak = f"{r['peak_gib']:.2f} GiB" if r["peak_gib"] is not None else "-"
            print(f"  {name:18s} prefill {r['prefill_tps']:8.0f} tok/s  decode {r['decode_tps'] or 0:7.1f} tok/s  "
                  f"total {r['total_s']:6.2f} s  peak {peak}")  # fmt: skip
        print(f"  project / plain time: {run['project_over_plain_time']:.3f} (target <= 1.05)")
        if "decode_fraction_of_limit" in run:
            print(f"  bf16 decode at {run['decode_fraction_of_limit']:.0%} of the bandwidth limit "
                  f"({run['bandwidth_limit_tps']:.0f} tok/s for {run['decoder_weight_gib']:.2f} GiB of weights; target >= 60 %)")  # fmt: skip
        for name, r in run.get("pipelines", {}).items():
            print(
                f"  pipeline {name:10s} {r['latency_s']:6.2f} s  ({r['prompt_tokens']} prompt, {r['generated']} generated, model {r['model_state']})"
            )
        backend.unload()
        gc.collect()
        if cuda:
            torch.cuda.empty_cache()
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    result["elapsed_s"] = args.budget_s - budget.left()
    print(f"\nelapsed {result['elapsed_s']:.0f} s")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))
    elif os.environ.get("OUT"):
        Path(os.environ["OUT"], "llm_gpu.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
