from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared" / "data" / "medcalc"


@pytest.fixture(scope="session")
def medcalc_dir() -> Path:
    if not SHARED.exists():
        pytest.skip(f"shared data folder absent: {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def bench() -> ModuleType:
    """benchmarks/medcalc.py as a module: its row mapping, scoring and disputes file."""
    spec = importlib.util.spec_from_file_location(
        "medcalc_bench", ROOT / "benchmarks" / "medcalc.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["medcalc_bench"] = module
    spec.loader.exec_module(module)
    return module
