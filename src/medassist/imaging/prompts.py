"""The prompt bank for zero-shot observations (data file ``data/prompt_bank.json``)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["prompt_bank", "region_for", "all_prompts", "RADIOGRAPH_MODALITIES"]

RADIOGRAPH_MODALITIES = {"CR", "DX", "RG", "radiograph"}


@lru_cache(maxsize=1)
def prompt_bank() -> dict[str, Any]:
    text = (resources.files("medassist.imaging") / "data" / "prompt_bank.json").read_text("utf-8")
    return json.loads(text)


def _norm_modality(modality: str | None) -> str | None:
    if modality is None:
        return None
    return "radiograph" if modality in RADIOGRAPH_MODALITIES else modality


def region_for(modality: str | None, body_part: str | None) -> tuple[str, dict[str, str]]:
    """The region whose modality and body part match; ``general`` otherwise."""
    regions = prompt_bank()["regions"]
    mod = _norm_modality(modality)
    part = (body_part or "").upper()
    for name, region in regions.items():
        mods = {_norm_modality(m) for m in region["modalities"]}
        if mod in mods and part in {p.upper() for p in region["body_parts"]}:
            return name, region["findings"]
    return "general", regions["general"]["findings"]


def all_prompts() -> list[str]:
    """Every prompt of the bank, in a stable order (what an ONNX export embeds)."""
    bank = prompt_bank()
    out: list[str] = []
    for group in bank["recognition"].values():
        out.extend(group.values())
    for region in bank["regions"].values():
        out.extend(region["findings"].values())
    return list(dict.fromkeys(out))
