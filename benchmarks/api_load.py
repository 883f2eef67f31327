"""Load on the HTTP service: text analysis of MTSamples notes against ``medassist serve``.

Starts ``medassist serve --workers N`` on loopback (a fresh SQLite audit store in a temp
dir, access log off), warms it up, then for each concurrency sends ``--requests`` POSTs of
``/v1/text/analyze`` (JSON ``{"text": note}``) from an asyncio + httpx load generator in
this process (the same machine; its CPU share is reported), and prints requests/s, p50/p95/
p99 latency, errors, the audit rows written against the requests sent (lost records), and
the CPU used by the generator and by the server. ``--soak N`` then sends N more requests
and samples the workers' resident memory, to check it stays flat (within 10 %).

Notes: MTSamples transcriptions (``../shared/data/mtsamples/mtsamples.csv``, CC0), the
held-out half by a fixed hash (sha1 of ``note_id``, odd), cycled. Nothing here is tuned.

Targets (issue 11): concurrency 8: >= 80 requests/s and p99 <= 150 ms; concurrency 32: the
same throughput and p99 <= 600 ms; zero errors; zero lost audit records; RSS flat +-10 %
over 50,000 requests.

    python3.11 benchmarks/api_load.py                                  # the issue's run
    python3.11 benchmarks/api_load.py --requests 1000 --soak 3000      # a shorter one
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "mtsamples" / "mtsamples.csv"
TARGETS = {8: {"rps": 80.0, "p99_ms": 150.0}, 32: {"rps": 80.0, "p99_ms": 600.0}}


def held_out_notes(limit: int | None = None) -> list[str]:
    csv.field_size_limit(1 << 30)
    with DATA.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["transcription"].strip()]
    notes = [
        r["transcription"]
        for r in rows
        if int(hashlib.sha1(r["note_id"].encode()).hexdigest(), 16) % 2 == 1
    ]
    return notes[:limit] if limit else notes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))
    return xs[k]


class Server:
    def __init__(self, workers: int, data_dir: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "MEDASSIST_DATA_DIR": data_dir}
        env.pop("MEDASSIST_API_KEYS", None)
        env.pop("MEDASSIST_RATE_LIMIT", None)
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "medassist", "serve", "--port", str(self.port),
                "--workers", str(workers), "--no-access-log",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self.audit_url = "sqlite:///" + os.path.join(data_dir, "audit.db")
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start: {self.proc.stderr.read()[-2000:]}")
            time.sleep(0.3)
        self.ps = psutil.Process(self.proc.pid)

    def workers(self) -> list[psutil.Process]:
        kids = self.ps.children(recursive=True)
        # uvicorn's supervisor + one spawned process per worker (and a resource tracker)
        return [k for k in kids if "multiprocessing.resource_tracker" not in " ".join(k.cmdline())]

    def cpu_seconds(self) -> float:
        total = 0.0
        for p in [self.ps, *self.workers()]:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
        return total

    def rss_mb(self) -> float:
        return sum(p.memory_info().rss for p in self.workers()) / 2**20

    def audit_rows(self) -> int:
        from medassist.audit import open_store

        store = open_store(self.audit_url)
        try:
            return store.count()
        finally:
            store.dispose()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def run_load(
    url: str,
    notes: list[str],
    n: int,
    concurrency: int,
    offset: int = 0,
    on_progress=None,  # type: ignore[no-untyped-def]
) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    counter = iter(range(n))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def worker() -> None:
            for i in counter:
                note = notes[(offset + i) % len(notes)]
                t0 = time.perf_counter()
                try:
                    r = await client.post("/v1/text/analyze", json={"text": note})
                    ok = r.status_code == 200
                    if not ok:
                        errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - t0)
                if on_progress is not None:
                    on_progress(i)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return {"latencies": latencies, "errors": errors}


def measure(server: Server, notes: list[str], n: int, concurrency: int, offset: int) -> dict:
    rows0 = server.audit_rows()
    cpu0_srv, cpu0_gen, t0 = server.cpu_seconds(), time.process_time(), time.perf_counter()
    out = asyncio.run(run_load(server.url, notes, n, concurrency, offset))
    wall = time.perf_counter() - t0
    cpu_srv, cpu_gen = server.cpu_seconds() - cpu0_srv, time.process_time() - cpu0_gen
    rows = server.audit_rows() - rows0
    lat = [x * 1000 for x in out["latencies"]]
    ncpu = psutil.cpu_count() or 1
    return {
        "concurrency": concurrency,
        "requests": n,
        "ok": len(lat),
        "errors": out["errors"],
        "wall_s": round(wall, 2),
        "rps": round(len(lat) / wall, 1),
        "p50_ms": round(percentile(lat, 50), 1),
        "p95_ms": round(percentile(lat, 95), 1),
        "p99_ms": round(percentile(lat, 99), 1),
        "audit_rows": rows,
        "lost_audit_records": n - rows,
        "generator_cpu_share": round(cpu_gen / (wall * ncpu), 3),
        "server_cpu_share": round(cpu_srv / (wall * ncpu), 3),
        "cores": ncpu,
    }


def soak(server: Server, notes: list[str], n: int, concurrency: int) -> dict:
    samples: list[tuple[int, float]] = [(0, server.rss_mb())]
    step = max(1, n // 20)

    def progress(i: int) -> None:
        if i and i % step == 0:
            samples.append((i, server.rss_mb()))

    rows0 = server.audit_rows()
    t0 = time.perf_counter()
    out = asyncio.run(run_load(server.url, notes, n, concurrency, 0, progress))
    samples.append((n, server.rss_mb()))
    first = samples[1][1] if len(samples) > 2 else samples[0][1]  # after the first step
    last = samples[-1][1]
    return {
        "requests": n,
        "errors": out["errors"],
        "wall_s": round(time.perf_counter() - t0, 1),
        "rss_mb_start": round(samples[0][1], 1),
        "rss_mb_after_first_step": round(first, 1),
        "rss_mb_end": round(last, 1),
        "rss_mb_max": round(max(s for _, s in samples), 1),
        "rss_growth": round(last / first - 1, 3),
        "lost_audit_records": n - (server.audit_rows() - rows0),
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    ap.add_argument(
        "--soak", type=int, default=50_000, help="requests for the memory check (0: skip)"
    )
    ap.add_argument("--notes", type=int, default=0, help="use only the first N held-out notes")
    args = ap.parse_args()
    if not DATA.is_file():
        print(f"MTSamples not found at {DATA}", file=sys.stderr)
        return 2
    notes = held_out_notes(args.notes or None)
    print(
        f"notes: {len(notes)} held-out MTSamples transcriptions "
        f"(mean {sum(map(len, notes)) / len(notes):.0f} chars); "
        f"server: medassist serve --workers {args.workers}; cores: {psutil.cpu_count()}"
    )
    with tempfile.TemporaryDirectory(prefix="medassist-load-") as tmp:
        server = Server(args.workers, tmp)
        try:
            asyncio.run(run_load(server.url, notes, 20 * args.workers, args.workers))  # warm-up
            results = []
            for i, c in enumerate(args.concurrency):
                res = measure(server, notes, args.requests, c, offset=i * args.requests)
                target = TARGETS.get(c)
                if target:
                    res["target"] = target
                    res["meets_target"] = (
                        res["rps"] >= target["rps"]
                        and res["p99_ms"] <= target["p99_ms"]
                        and not res["errors"]
                        and res["lost_audit_records"] == 0
                    )
                results.append(res)
                print(json.dumps(res))
            if args.soak:
                s = soak(server, notes, args.soak, max(args.concurrency))
                s["rss_flat_within_10pct"] = abs(s["rss_growth"]) <= 0.10
                print(json.dumps({"soak": s}))
        finally:
            server.stop()
    print()
    print(
        f"{'conc':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'lost':>5} {'gen cpu':>8} {'srv cpu':>8}"
    )
    for r in results:
        print(
            f"{r['concurrency']:>5} {r['rps']:>8} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['p99_ms']:>8} "
            f"{sum(r['errors'].values()):>7} {r['lost_audit_records']:>5} "
            f"{r['generator_cpu_share']:>8.1%} {r['server_cpu_share']:>8.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
