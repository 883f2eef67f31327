"""``GET /readyz``: ready only when the audit store and every configured model are usable.

A check is a name and a function that returns None when usable or raises with a reason.
Packages that configure a model add theirs with :func:`register_check` (checks must be
cheap: they run on every probe; report "not loaded yet" rather than load weights).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from pydantic import BaseModel

from medassist.api.service import Service
from medassist.errors import MedassistError

__all__ = ["Readiness", "CheckResult", "register_check", "run_checks"]

Check = Callable[[Service], None]
_CHECKS: dict[str, Check] = {}


class CheckResult(BaseModel):
    name: str
    ok: bool
    detail: str


class Readiness(BaseModel):
    ready: bool
    checks: list[CheckResult]


def register_check(name: str, check: Check) -> None:
    _CHECKS[name] = check


def _audit_store(service: Service) -> None:
    service.store().ping()


def _image_encoder(service: Service) -> None:
    """Load the configured encoder (once: it is cached) so that a ready server can use it."""
    spec = service.settings.image_encoder
    if not spec:
        return
    from medassist.imaging.encoders import get_encoder

    get_encoder(spec, service.settings.image_encoder_backend)


_LOADS: dict[int, dict[str, object]] = {}
_LOADS_LOCK = threading.Lock()


def _llm(service: Service) -> None:
    """A configured LLM backend is ready once its weights are loaded: the first probe starts
    loading them in the background and reports "loading" until done (or the load error)."""
    if (service.settings.llm_backend or "none") == "none":
        return
    from medassist.llm import get_backend

    backend = get_backend()  # configuration errors and missing packages raise here
    if backend is None or backend.loaded:
        return
    with _LOADS_LOCK:
        state = _LOADS.get(id(backend))
        if state is None:
            state = _LOADS[id(backend)] = {"error": None, "thread": None}

            def load() -> None:
                try:
                    backend.load()
                except MedassistError as exc:
                    state["error"] = exc.message
                except Exception as exc:  # noqa: BLE001 - reported by the next probe
                    state["error"] = f"loading failed: {type(exc).__name__}"

            thread = threading.Thread(target=load, name="medassist-llm-load", daemon=True)
            state["thread"] = thread
            thread.start()
    thread = state["thread"]
    if isinstance(thread, threading.Thread):
        thread.join(timeout=0.5)
    if state["error"]:
        raise MedassistError(str(state["error"]))
    if not backend.loaded:
        raise MedassistError(f"the {backend.name} model is loading")


register_check("audit_store", _audit_store)
register_check("image_encoder", _image_encoder)
register_check("llm", _llm)


def run_checks(service: Service) -> Readiness:
    results: list[CheckResult] = []
    for name, check in _CHECKS.items():
        try:
            check(service)
            results.append(CheckResult(name=name, ok=True, detail="usable"))
        except MedassistError as exc:
            results.append(CheckResult(name=name, ok=False, detail=exc.message))
        except Exception as exc:  # noqa: BLE001 - a probe reports, never raises
            results.append(CheckResult(name=name, ok=False, detail=type(exc).__name__))
    return Readiness(ready=all(r.ok for r in results), checks=results)
