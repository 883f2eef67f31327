"""On-disk cache of the prebuilt drug lexicon, so a new process starts in well under a second.

The drug lexicon (:mod:`medassist.text.drugs`) is built from the ``drug-named-entity-recognition``
package's dictionary (a bz2 pickle of ~70,000 names): decompressing and filtering it takes
1-3 s. The built index is stored once, as plain builtins serialised with :mod:`marshal`, in
the user cache directory (``$MEDASSIST_CACHE_DIR``, else ``$XDG_CACHE_HOME/medassist``, else
``~/.cache/medassist``) and read back in ~0.1 s.

The file name carries a stamp of everything the index depends on: the package's version, size
and modification time of its dictionary file, the content of this project's data files and of
the module that builds the index, the cache format and the Python version (marshal's format is
version-specific). A stale, truncated, corrupt or unreadable cache is ignored and rebuilt;
writes are atomic (temporary file, then ``os.replace``); an unwritable cache directory only
costs the rebuild. ``MEDASSIST_CACHE_DIR=off`` disables the cache.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
import time
from pathlib import Path

from medassist.logs import get_logger

__all__ = ["cache_dir", "source_stamp", "load", "store", "read_marshal", "write_marshal"]

_log = get_logger(__name__)
_FORMAT = 2
_MAGIC = b"MEDASSIST-DRUGLEX\n"
_DISABLED = {"off", "0", "none", "false"}


def cache_dir() -> Path | None:
    """The cache directory, or None when caching is disabled."""
    explicit = os.environ.get("MEDASSIST_CACHE_DIR")
    if explicit is not None:
        if explicit.strip().lower() in _DISABLED or not explicit.strip():
            return None
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    home = os.path.expanduser("~")
    if xdg:
        return Path(xdg).expanduser() / "medassist"
    if home.startswith("~"):  # no home directory: no cache rather than a relative path
        return None
    return Path(home) / ".cache" / "medassist"


def _package_version(package_file: Path) -> str:
    """The installed distribution's version, from its ``*.dist-info`` folder name (reading
    ``importlib.metadata`` costs ~20 ms; the dictionary file's stamp keys the cache anyway)."""
    site = package_file.parent.parent
    try:
        names = [
            n
            for n in os.listdir(site)
            if n.lower().startswith("drug_named_entity_recognition-") and n.endswith(".dist-info")
        ]
    except OSError:
        return "unknown"
    return ",".join(sorted(names)) or "unknown"


def source_stamp(package_file: Path, data_files: list[Path]) -> str:
    """A short hash of every input of the lexicon build (see the module docstring)."""
    digest = hashlib.sha256()
    stat = package_file.stat()
    builder = Path(__file__).resolve().parent / "drugs.py"
    digest.update(
        f"{_FORMAT}|{sys.version_info[:2]}|{_package_version(package_file)}|{stat.st_size}|"
        f"{stat.st_mtime_ns}".encode()
    )
    for path in [builder, *data_files]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def _path(stamp: str) -> Path | None:
    directory = cache_dir()
    return None if directory is None else directory / f"drug_lexicon-{stamp}.marshal"


def read_marshal(path: Path, magic: bytes, stamp: str, what: str) -> dict | None:
    """A marshalled dict cached at ``path`` under ``magic`` + ``stamp``, or None (absent, stale,
    corrupt or unreadable). Shared by every on-disk index cache of the text engine."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    header = magic + stamp.encode() + b"\n"
    if not blob.startswith(header):
        return None
    try:
        data = marshal.loads(memoryview(blob)[len(header) :])
    except (EOFError, ValueError, TypeError):
        _log.warning("%s cache corrupt; rebuilding", what)
        return None
    return data if isinstance(data, dict) else None


def write_marshal(
    path: Path, magic: bytes, stamp: str, data: dict, what: str, *, prune_after_s: float | None
) -> bool:
    """Write ``data`` atomically (temporary file, then ``os.replace``) and prune the caches of
    other builds with the same file-name prefix (all of them, or those unused for
    ``prune_after_s``); False (and a debug log) when it cannot be written."""
    prefix = path.name.split("-", 1)[0]
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{prefix}-", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(magic + stamp.encode() + b"\n")
            handle.write(marshal.dumps(data))
        os.replace(tmp_name, path)
        tmp_name = None
        cutoff = None if prune_after_s is None else time.time() - prune_after_s
        for old in path.parent.glob(f"{prefix}-*.marshal"):
            if old != path and (cutoff is None or old.stat().st_mtime < cutoff):
                old.unlink(missing_ok=True)
        return True
    except (OSError, ValueError) as exc:
        _log.debug("%s cache not written: %s", what, type(exc).__name__)
        return False
    finally:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)


def load(stamp: str) -> dict | None:
    """The cached compact lexicon for ``stamp``, or None (absent, stale or unreadable)."""
    path = _path(stamp)
    return None if path is None else read_marshal(path, _MAGIC, stamp, "drug lexicon")


def store(stamp: str, data: dict) -> bool:
    """Write the compact lexicon atomically; False (and a debug log) when it cannot.
    Caches of other builds unused for a week are pruned (another install may share the dir)."""
    path = _path(stamp)
    if path is None:
        return False
    return write_marshal(path, _MAGIC, stamp, data, "drug lexicon", prune_after_s=7 * 86400)
