"""Point tables of the scores as data (``risk/data/<name>.json``), strictly loaded.

A table states its source and licence in ``_meta``; ``items`` are yes/no criteria with their
points and the finding rule (``text/rules/finding_rules.json``) each is read from;
``choices`` map an input's options to points; ``bands`` interpret the total. Unknown keys are
rejected, so a typo in a table is an error at load time, not a criterion silently ignored.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from medassist.errors import ConfigurationError
from medassist.risk.base import Band

__all__ = ["PointItem", "PointTable", "load_table"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TableMeta(_Strict):
    description: str = ""
    source: str
    licence: str


class PointItem(_Strict):
    name: str
    label: str
    points: float
    #: the finding rule the criterion is read from (none: only given as an input)
    finding: str | None = None
    #: a relative's mention counts (the criterion is itself a family history)
    family: bool = False
    #: scored for women only
    women_only: bool = False


class TableBand(_Strict):
    label: str
    low: float | None = None
    high: float | None = None


class PointTable(_Strict):
    meta: TableMeta = Field(alias="_meta")
    items: list[PointItem] = Field(default_factory=list)
    choices: dict[str, dict[str, float]] = Field(default_factory=dict)
    bands: list[TableBand] = Field(default_factory=list)

    def band_models(self) -> list[Band]:
        return [Band(label=b.label, low=b.low, high=b.high) for b in self.bands]


@lru_cache(maxsize=32)
def load_table(name: str) -> PointTable:
    """The point table ``risk/data/<name>.json``, validated (cached)."""
    path = resources.files("medassist.risk") / "data" / f"{name}.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return PointTable.model_validate(document)
    except FileNotFoundError:
        raise ConfigurationError(f"point table not found: {name}", table=name) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigurationError(
            f"cannot read point table {name} ({type(exc).__name__})", table=name
        ) from None
    except ValidationError as exc:
        raise ConfigurationError(
            f"invalid point table {name}: {exc.errors()[0]['msg']} at "
            f"{'.'.join(str(p) for p in exc.errors()[0]['loc'])}",
            table=name,
        ) from None
