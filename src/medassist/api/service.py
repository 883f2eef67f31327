"""What one running app holds: its settings, keys, rate limiter and audit store."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from medassist.api.security import ApiKeys, RateLimiter, load_api_keys, parse_rate_limit
from medassist.audit import AuditStore, AuditStoreError, open_store
from medassist.config import Settings, get_settings

__all__ = ["Service", "build_service"]


@dataclass
class Service:
    settings: Settings
    keys: ApiKeys
    limiter: RateLimiter | None
    _store: AuditStore | None = None
    _store_error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def audit_url(self) -> str:
        return self.settings.resolved_audit_url()

    def audit_url_display(self) -> str:
        """The audit URL without its password."""
        from medassist.audit.store import normalise_url, redacted_url

        return redacted_url(normalise_url(self.audit_url))

    def store(self) -> AuditStore:
        """The audit store, opened and migrated on first use; raises AuditStoreError."""
        if self._store is not None:
            return self._store
        with self._lock:
            if self._store is None:
                try:
                    self._store = open_store(self.audit_url)
                    self._store_error = None
                except AuditStoreError as exc:
                    self._store_error = exc.message
                    raise
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.dispose()


def build_service(settings: Settings | None = None) -> Service:
    """A service from ``settings`` (default: the environment). Bad keys or limits raise
    :class:`~medassist.errors.ConfigurationError` at once, before anything is served."""
    settings = settings or get_settings()
    keys = load_api_keys(settings.api_keys, settings.api_keys_file)
    rate = parse_rate_limit(settings.rate_limit)
    limiter = RateLimiter(*rate) if rate else None
    return Service(settings=settings, keys=keys, limiter=limiter)
