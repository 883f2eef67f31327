"""Model files: existence checks with clear messages, and content hashes cached per file."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from medassist.llm.errors import ModelNotFoundError

__all__ = ["require_file", "file_sha256", "folder_sha256", "looks_like_path"]


def looks_like_path(spec: str) -> bool:
    """A local path rather than a hub id (``org/name``): absolute, relative or home-relative."""
    return spec.startswith(("/", "./", "../", "~", ".\\")) or Path(spec).expanduser().exists()


def require_file(path: str | None, what: str, setting: str) -> Path:
    if not path:
        raise ModelNotFoundError(f"no {what} given (set {setting})", setting=setting)
    p = Path(path).expanduser()
    if not p.exists():
        raise ModelNotFoundError(f"{what} not found: {path} (check {setting})", setting=setting)
    if p.is_dir():
        raise ModelNotFoundError(f"{what} is a directory, not a file: {path}", setting=setting)
    return p


def file_sha256(path: Path) -> str:
    st = path.stat()
    return _sha256(str(path.resolve()), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=32)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def folder_sha256(folder: Path) -> str:
    """A hash of a model folder: its config and the hashes (or sizes) of its weight files."""
    h = hashlib.sha256()
    for p in sorted(folder.iterdir()):
        if p.suffix == ".json":
            h.update(p.name.encode() + b"\0" + p.read_bytes())
        elif p.suffix in {".safetensors", ".bin"}:
            h.update(p.name.encode() + b"\0" + file_sha256(p).encode())
    return h.hexdigest()


def read_json(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))
