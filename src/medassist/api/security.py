"""API keys, the loopback rule and per-key rate limits.

- Keys come from ``MEDASSIST_API_KEYS`` (``name:key`` pairs, comma-separated) and/or
  ``MEDASSIST_API_KEYS_FILE`` (one ``name:key`` a line, ``#`` comments). A request sends
  its key as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``; keys are compared in
  constant time (:func:`hmac.compare_digest`) and only the key's *name* is ever recorded.
- Without any key configured the service answers loopback clients only; every other
  client gets 401 (a request that came through a proxy — it carries ``Forwarded`` or
  ``X-Forwarded-For`` — is not a loopback request).
- ``MEDASSIST_RATE_LIMIT`` (``N/second|minute|hour|day``) limits each key (or each client
  address when there is no key) with a sliding window; over it: 429 and ``Retry-After``.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from medassist.errors import ConfigurationError

__all__ = [
    "ApiKeys",
    "RateLimiter",
    "is_loopback",
    "load_api_keys",
    "parse_rate_limit",
    "MIN_KEY_LENGTH",
]

MIN_KEY_LENGTH = 16
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}


@dataclass(frozen=True)
class ApiKeys:
    """Configured keys as (name, key bytes) pairs."""

    pairs: tuple[tuple[str, bytes], ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.pairs)

    def names(self) -> list[str]:
        return [n for n, _ in self.pairs]

    def match(self, presented: str | None) -> str | None:
        """The name of the key ``presented``, or None. Every key is compared (constant time)."""
        if not presented:
            return None
        given = presented.encode("utf-8", "replace")
        found: str | None = None
        for name, key in self.pairs:
            if hmac.compare_digest(given, key) and found is None:
                found = name
        return found


def _parse_pairs(text: str, source: str) -> list[tuple[str, bytes]]:
    pairs: list[tuple[str, bytes]] = []
    for n, raw in enumerate(re.split(r"[,\n]", text), start=1):
        item = raw.strip()
        if not item or item.startswith("#"):
            continue
        name, sep, key = item.partition(":")
        name, key = name.strip(), key.strip()
        where = f"{source} entry {n}"
        if not sep or not name or not key:
            raise ConfigurationError(f"{where} is not a name:key pair")
        if not _NAME.match(name):
            raise ConfigurationError(
                f"{where}: key name {name!r} must be 1-64 letters, digits or _.@-"
            )
        if len(key) < MIN_KEY_LENGTH:
            raise ConfigurationError(
                f"{where}: the key of {name!r} is shorter than {MIN_KEY_LENGTH} characters"
            )
        pairs.append((name, key.encode("utf-8")))
    return pairs


def load_api_keys(keys: str | None, keys_file: str | None) -> ApiKeys:
    """Keys from the setting and the file; duplicate names or keys are refused."""
    pairs: list[tuple[str, bytes]] = []
    if keys:
        pairs += _parse_pairs(keys, "MEDASSIST_API_KEYS")
    if keys_file:
        path = Path(keys_file).expanduser()
        try:
            content = path.read_text("utf-8")
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read MEDASSIST_API_KEYS_FILE {str(path)!r} ({exc.strerror})"
            ) from None
        pairs += _parse_pairs(content, "MEDASSIST_API_KEYS_FILE")
    names = [n for n, _ in pairs]
    if len(set(names)) != len(names):
        raise ConfigurationError("two API keys have the same name; names must be unique")
    if len({k for _, k in pairs}) != len(pairs):
        raise ConfigurationError("two API keys are equal; every key must be different")
    return ApiKeys(tuple(pairs))


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return host == "localhost"


def parse_rate_limit(text: str | None) -> tuple[int, float] | None:
    """``"120/minute"`` -> (120, 60.0); None or empty -> None (no limit)."""
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(second|minute|hour|day)\s*", text)
    if not m or int(m.group(1)) < 1:
        raise ConfigurationError(
            f"MEDASSIST_RATE_LIMIT {text!r} is not N/second, N/minute, N/hour or N/day"
        )
    return int(m.group(1)), _PERIODS[m.group(2)]


class RateLimiter:
    """A sliding-window limit of ``count`` requests per ``period`` seconds per identity."""

    def __init__(self, count: int, period: float, max_identities: int = 10_000) -> None:
        self.count = count
        self.period = period
        self.max_identities = max_identities
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, identity: str, now: float | None = None) -> float:
        """Record a request; 0.0 when allowed, else seconds until one is allowed again."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(identity)
            if hits is None:
                if len(self._hits) >= self.max_identities:
                    self._evict(now)
                hits = self._hits[identity] = deque()
            while hits and hits[0] <= now - self.period:
                hits.popleft()
            if len(hits) >= self.count:
                return max(0.001, hits[0] + self.period - now)
            hits.append(now)
            return 0.0

    def _evict(self, now: float) -> None:
        for ident in [i for i, h in self._hits.items() if not h or h[-1] <= now - self.period]:
            del self._hits[ident]
        while len(self._hits) >= self.max_identities:  # still full: drop the oldest
            del self._hits[next(iter(self._hits))]

    @staticmethod
    def retry_after_header(seconds: float) -> str:
        return str(max(1, math.ceil(seconds)))
