"""Sig vocabulary from data files, with strict loaders: prescription shorthand
(``data/sig_shorthand.tsv``) and routes of administration (``data/sig_routes.json``).

Frequency abbreviations ("bd", "tds", "qds", "mane", "nocte", "stat") and duration shorthand
("3/7", "6/52", "3/12") are vocabulary: they live in the data file (source noted there) and are
compiled here into the patterns the sig parser searches. A malformed file (unknown column,
kind, value or position, a duplicate token) raises :class:`ConfigurationError` at load.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from medassist.errors import ConfigurationError

__all__ = [
    "Shorthand",
    "load_shorthand",
    "frequency_patterns",
    "duration_pattern",
    "DURATION_UNITS",
]

_FILE = Path(__file__).resolve().parents[1] / "data" / "sig_shorthand.tsv"
_COLUMNS = ["kind", "token", "value", "position"]
_FREQUENCIES = frozenset({"BID", "TID", "QID", "daily", "qAM", "qPM", "qHS", "once"})
DURATION_UNITS = frozenset({"days", "weeks", "months"})
_POSITIONS = {"frequency": {"any", "sig"}, "duration": {"any", "prefix"}}
#: what may stand right before a sig-only token (one space between): a digit, a unit, a route
_SIG_BEFORE = (
    r"\d",
    "mg",
    "mcg",
    "g",
    "ml",
    "units",
    "unit",
    "tab",
    "tabs",
    "tablet",
    "tablets",
    "cap",
    "caps",
    "capsule",
    "capsules",
    "puff",
    "puffs",
    "spray",
    "sprays",
    "drops",
    "po",
    "iv",
    "sc",
    "sl",
    "pr",
    "im",
    "inh",
    "neb",
    "patch",
    "gtt",
)


@dataclass(frozen=True, slots=True)
class Shorthand:
    kind: str
    token: str
    value: str
    position: str


def load_shorthand(path: Path | None = None) -> tuple[Shorthand, ...]:
    """Read and validate the shorthand table."""
    source = path or _FILE
    rows: list[Shorthand] = []
    header: list[str] | None = None
    seen: set[tuple[str, str]] = set()
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if header is None:
            if cells != _COLUMNS:
                raise ConfigurationError(f"{source.name}: header must be {_COLUMNS}, got {cells}")
            header = cells
            continue
        if len(cells) != len(_COLUMNS):
            raise ConfigurationError(f"{source.name}:{number}: expected {len(_COLUMNS)} columns")
        kind, token, value, position = cells
        if kind not in _POSITIONS:
            raise ConfigurationError(f"{source.name}:{number}: unknown kind {kind!r}")
        if position not in _POSITIONS[kind]:
            raise ConfigurationError(f"{source.name}:{number}: unknown position {position!r}")
        allowed = _FREQUENCIES if kind == "frequency" else DURATION_UNITS
        if value not in allowed:
            raise ConfigurationError(f"{source.name}:{number}: unknown {kind} value {value!r}")
        if kind == "frequency" and not re.fullmatch(r"[a-z]+", token):
            raise ConfigurationError(f"{source.name}:{number}: token must be letters: {token!r}")
        if kind == "duration" and not re.fullmatch(r"\d{1,2}", token):
            raise ConfigurationError(f"{source.name}:{number}: denominator must be a number")
        if (kind, token) in seen:
            raise ConfigurationError(f"{source.name}:{number}: duplicate {kind} {token!r}")
        seen.add((kind, token))
        rows.append(Shorthand(kind, token, value, position))
    if header is None:
        raise ConfigurationError(f"{source.name}: empty table")
    return tuple(rows)


def _token_regex(token: str) -> str:
    if len(token) <= 3:  # "bd", "b.d.", "b. d."
        return r"\b" + r"\.?\s?".join(re.escape(c) for c in token) + r"\.?(?![a-z])"
    return r"\b" + re.escape(token) + r"\b"


@lru_cache(maxsize=1)
def frequency_patterns() -> tuple[tuple[str, str], ...]:
    """(``=VALUE``, regex in lower-case text) for every frequency token of the table."""
    sig_only = "(?:" + "|".join(f"(?<={p} )" for p in _SIG_BEFORE) + ")"
    out: list[tuple[str, str]] = []
    for row in load_shorthand():
        if row.kind != "frequency":
            continue
        pattern = _token_regex(row.token)
        if row.position == "sig":
            pattern = sig_only + pattern
        out.append(("=" + row.value, pattern))
    return tuple(out)


@lru_cache(maxsize=1)
def duration_pattern() -> tuple[str, dict[str, str]]:
    """(regex with groups ``sn`` and ``sd``, denominator -> unit) for "3/7"-style durations."""
    anywhere = [r.token for r in load_shorthand() if r.kind == "duration" and r.position == "any"]
    prefixed = [
        r.token for r in load_shorthand() if r.kind == "duration" and r.position == "prefix"
    ]
    units = {r.token: r.value for r in load_shorthand() if r.kind == "duration"}
    parts = []
    if anywhere:
        parts.append(
            r"(?:(?:for|x|×)\s*)?(?P<sn>\d{1,2})\s*/\s*(?P<sd>" + "|".join(anywhere) + r")(?![\d/])"
        )
    if prefixed:
        parts.append(
            r"(?:for|x|×)\s*(?P<pn>\d{1,2})\s*/\s*(?P<pd>" + "|".join(prefixed) + r")(?![\d/])"
        )
    return "|".join(parts), units


_ROUTES_FILE = Path(__file__).resolve().parents[1] / "data" / "sig_routes.json"
_ROUTE_DOC_KEYS = {"source", "licence", "description", "routes"}
_ROUTE_KEYS = {"route", "after", "before"}


@dataclass(frozen=True, slots=True)
class Route:
    route: str  # normalised name ("IV", "PO", "inhaled" ...)
    after: str  # regex for the route anywhere in the sig after the name
    before: tuple[str, ...]  # plain forms that may stand right before the name


def load_routes(path: Path | None = None) -> tuple[Route, ...]:
    """Read and validate the routes file: unknown or missing keys, a duplicate route, a
    pattern that does not compile raise :class:`ConfigurationError`."""
    source = path or _ROUTES_FILE
    try:
        doc = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{source.name}: unreadable ({type(exc).__name__})") from exc
    if not isinstance(doc, dict) or set(doc) != _ROUTE_DOC_KEYS:
        raise ConfigurationError(f"{source.name}: top-level keys must be {sorted(_ROUTE_DOC_KEYS)}")
    out: list[Route] = []
    seen: set[str] = set()
    for i, item in enumerate(doc["routes"]):
        if not isinstance(item, dict) or set(item) != _ROUTE_KEYS:
            raise ConfigurationError(
                f"{source.name}: route {i}: keys must be {sorted(_ROUTE_KEYS)}"
            )
        name, after, before = item["route"], item["after"], item["before"]
        if not isinstance(name, str) or not name or name in seen:
            raise ConfigurationError(f"{source.name}: route {i}: missing or duplicate name")
        if not isinstance(before, list) or not all(isinstance(b, str) and b for b in before):
            raise ConfigurationError(f"{source.name}: route {name}: 'before' must list forms")
        try:
            re.compile(after, re.IGNORECASE)
        except (re.error, TypeError) as exc:
            raise ConfigurationError(f"{source.name}: route {name}: bad pattern") from exc
        if "(?P<" in after:
            raise ConfigurationError(f"{source.name}: route {name}: no named groups")
        seen.add(name)
        out.append(Route(name, after, tuple(b.lower() for b in before)))
    if not out:
        raise ConfigurationError(f"{source.name}: no routes")
    return tuple(out)
