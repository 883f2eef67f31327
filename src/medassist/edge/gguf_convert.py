"""Hugging Face checkpoint -> GGUF through llama.cpp's own converter (``convert_hf_to_gguf.py``).

The converter is not installed by any wheel; it ships in a llama.cpp checkout and in the
llama-cpp-python sdist (``vendor/llama.cpp``). It is looked for, in this order, in the
directory given, in ``MEDASSIST_LLAMA_CPP_DIR`` and in ``~/.cache/medassist``. Each may be a
llama.cpp directory, an unpacked llama-cpp-python sdist, or the sdist ``.tar.gz`` itself (the
converter's files are then unpacked once into ``~/.cache/medassist/llama.cpp-<version>``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

from medassist.errors import BackendUnavailableError, InputError, ModelError

__all__ = ["CONVERTER", "OUTTYPES", "convert_hf_to_gguf", "find_llama_cpp_dir"]

CONVERTER = "convert_hf_to_gguf.py"
OUTTYPES = ("f32", "f16", "bf16", "q8_0")
ENV_VAR = "MEDASSIST_LLAMA_CPP_DIR"
# what the converter imports besides itself (the sdist carries a matching gguf-py)
_NEEDED = (CONVERTER, "conversion/", "gguf-py/")
_HOW = (
    "give a llama.cpp checkout or the llama-cpp-python sdist with --llama-cpp-dir or "
    f"{ENV_VAR} (python3.11 -m pip download --no-deps --no-binary :all: "
    "llama-cpp-python==0.3.36 -d ~/.cache/medassist)"
)


def _cache_root() -> Path:
    return Path.home() / ".cache" / "medassist"


def _from_dir(path: Path) -> Path | None:
    for candidate in (path, path / "vendor" / "llama.cpp"):
        if (candidate / CONVERTER).is_file():
            return candidate
    return None


def _from_sdist(archive: Path) -> Path:
    """Unpack the converter's files from a llama-cpp-python sdist (once) and return the dir."""
    stem = archive.name.removesuffix(".tar.gz")
    target = _cache_root() / f"llama.cpp-{stem}"
    if (target / CONVERTER).is_file():
        return target
    prefix = f"{stem}/vendor/llama.cpp/"
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = []
            for member in tar.getmembers():
                if not member.name.startswith(prefix) or not (member.isfile() or member.isdir()):
                    continue
                rel = member.name[len(prefix) :]
                if any(rel == n or rel.startswith(n) for n in _NEEDED):
                    member.name = rel
                    members.append(member)
            if not members:
                raise InputError(f"{archive.name} has no vendor/llama.cpp/{CONVERTER}")
            partial = target.with_name(target.name + ".partial")
            partial.mkdir(parents=True, exist_ok=True)
            tar.extractall(partial, members=members, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise InputError(f"cannot read {archive.name} as a llama-cpp-python sdist: {exc}") from exc
    partial.replace(target)
    return target


def _resolve(path: Path) -> Path | None:
    if path.is_dir():
        found = _from_dir(path)
        if found is not None:
            return found
        sdists = sorted(path.glob("llama_cpp_python-*.tar.gz"))
        return _from_sdist(sdists[-1]) if sdists else None
    if path.is_file() and path.name.endswith(".tar.gz"):
        return _from_sdist(path)
    return None


def find_llama_cpp_dir(explicit: str | Path | None = None) -> Path:
    """The directory holding ``convert_hf_to_gguf.py``; a clear error when there is none."""
    if explicit is not None:
        found = _resolve(Path(explicit).expanduser())
        if found is None:
            raise BackendUnavailableError(f"no {CONVERTER} under {explicit}; {_HOW}")
        return found
    env = os.environ.get(ENV_VAR)
    if env:
        found = _resolve(Path(env).expanduser())
        if found is None:
            raise BackendUnavailableError(f"{ENV_VAR}={env} holds no {CONVERTER}; {_HOW}")
        return found
    cache = _cache_root()
    for extracted in sorted(cache.glob("llama.cpp*"), reverse=True):
        if (extracted / CONVERTER).is_file():
            return extracted
    found = _resolve(cache) if cache.is_dir() else None
    if found is None:
        raise BackendUnavailableError(f"llama.cpp's {CONVERTER} was not found; {_HOW}")
    return found


def convert_hf_to_gguf(
    model_dir: str | Path,
    out_file: str | Path,
    *,
    outtype: str = "f16",
    llama_cpp_dir: str | Path | None = None,
    timeout_s: float = 3600.0,
) -> Path:
    """Convert a local Hugging Face checkpoint (config.json + safetensors) to one GGUF file."""
    model = Path(model_dir)
    if not (model / "config.json").is_file():
        raise InputError(f"{model} is not a Hugging Face checkpoint folder (no config.json)")
    if outtype not in OUTTYPES:
        raise InputError(f"unknown GGUF outtype {outtype!r}; choose one of {', '.join(OUTTYPES)}")
    converter = find_llama_cpp_dir(llama_cpp_dir) / CONVERTER
    out = Path(out_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(converter), str(model), "--outfile", str(out), "--outtype", outtype]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        raise ModelError(f"{CONVERTER} did not finish within {timeout_s:.0f} s") from exc
    if proc.returncode != 0 or not out.is_file():
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise ModelError(f"{CONVERTER} failed (exit {proc.returncode}): {tail}")
    return out
