"""Prometheus metrics (``GET /metrics``, text exposition format).

With several worker processes (``medassist serve --workers N``) the values of all workers
are collected from ``PROMETHEUS_MULTIPROC_DIR``, which ``medassist serve`` sets up.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = [
    "CONTENT_TYPE_LATEST",
    "REQUESTS",
    "LATENCY",
    "MODEL_CALLS",
    "MODEL_TOKENS",
    "QUEUE_DEPTH",
    "AUDIT_WRITE_FAILURES",
    "record_model_call",
    "render",
]

REQUESTS = Counter(
    "medassist_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "medassist_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
MODEL_CALLS = Counter(
    "medassist_model_calls_total", "Calls of a model backend", ["model", "outcome"]
)
MODEL_TOKENS = Counter(
    "medassist_model_tokens_total", "Tokens through a model backend", ["model", "kind"]
)
QUEUE_DEPTH = Gauge(
    "medassist_model_queue_depth",
    "Requests waiting for a loaded model",
    ["model"],
    multiprocess_mode="livesum",
)
AUDIT_WRITE_FAILURES = Counter(
    "medassist_audit_write_failures_total", "Audit records that could not be written"
)


def record_model_call(
    model: str, outcome: str = "ok", prompt_tokens: int = 0, completion_tokens: int = 0
) -> None:
    """Count one model call and its tokens (call it where a model was run)."""
    MODEL_CALLS.labels(model=model, outcome=outcome).inc()
    if prompt_tokens:
        MODEL_TOKENS.labels(model=model, kind="prompt").inc(prompt_tokens)
    if completion_tokens:
        MODEL_TOKENS.labels(model=model, kind="completion").inc(completion_tokens)


def render() -> bytes:
    """The exposition text of this process, or of all workers in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()
