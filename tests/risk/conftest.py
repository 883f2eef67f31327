from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "medcalc"


@pytest.fixture(scope="session")
def medcalc_dir() -> Path:
    if not SHARED.exists():
        pytest.skip(f"shared data folder absent: {SHARED}")
    return SHARED
