from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from medassist.config import get_settings


@pytest.fixture
def testfile() -> Callable[[str], str]:
    from pydicom.data import get_testdata_file

    def _get(name: str) -> str:
        path = get_testdata_file(name)
        if path is None:
            pytest.skip(f"pydicom test file absent: {name}")
        return str(path)

    return _get


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    def _set(**values: object) -> None:
        for key, value in values.items():
            monkeypatch.setenv(f"MEDASSIST_{key.upper()}", str(value))
        get_settings.cache_clear()

    yield _set
    get_settings.cache_clear()


@pytest.fixture
def png_bytes() -> Callable[..., bytes]:
    return to_png


def to_png(gray: np.ndarray, bits: int = 8) -> bytes:
    from PIL import Image

    if bits == 16:
        im = Image.fromarray(np.round(np.clip(gray, 0, 1) * 65535).astype(np.uint16))
    else:
        im = Image.fromarray(np.round(np.clip(gray, 0, 1) * 255).astype(np.uint8))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()
