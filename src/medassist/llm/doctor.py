"""What this machine can run, as data (rendered by ``medassist doctor``)."""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from pathlib import Path

from pydantic import BaseModel, Field

from medassist.llm.registry import backend_table

__all__ = ["DoctorReport", "CudaDevice", "BackendCheck", "ModelFileCheck", "run_doctor"]

_PACKAGES = (
    "medassist", "pydantic", "numpy", "torch", "transformers", "accelerate", "bitsandbytes",
    "llguidance", "llama-cpp-python", "gguf", "httpx", "onnxruntime", "fastapi", "uvicorn",
)  # fmt: skip


class CudaDevice(BaseModel):
    index: int
    name: str
    total_gib: float
    free_gib: float
    capability: str


class BackendCheck(BaseModel):
    name: str
    importable: bool
    missing: list[str] = Field(default_factory=list)
    extra: str | None = None
    supports_images: bool
    supports_schema: bool
    can_stream: bool
    configured: bool = False
    next_step: str


class ModelFileCheck(BaseModel):
    setting: str
    value: str
    found: bool
    kind: str  # file | folder | hub id | url
    size_mib: float | None = None
    next_step: str | None = None


class DoctorReport(BaseModel):
    python: str
    platform: str
    packages: dict[str, str | None]
    cuda_available: bool
    cuda_devices: list[CudaDevice] = Field(default_factory=list)
    host_available_gib: float | None = None
    configured_backend: str
    backends: list[BackendCheck]
    model_files: list[ModelFileCheck] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _cuda() -> tuple[bool, list[CudaDevice]]:
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return False, []
    import torch

    if not torch.cuda.is_available():
        return False, []
    out = []
    for i in range(torch.cuda.device_count()):
        free, total = torch.cuda.mem_get_info(i)
        props = torch.cuda.get_device_properties(i)
        out.append(
            CudaDevice(
                index=i,
                name=props.name,
                total_gib=round(total / 1024**3, 2),
                free_gib=round(free / 1024**3, 2),
                capability=f"{props.major}.{props.minor}",
            )
        )
    return True, out


def _host_gib() -> float | None:
    try:
        import psutil
    except ImportError:
        return None
    return round(psutil.virtual_memory().available / 1024**3, 2)


def _file_check(setting: str, value: str, backend: str) -> ModelFileCheck:
    from medassist.llm.files import looks_like_path

    if value.startswith(("http://", "https://")):
        return ModelFileCheck(setting=setting, value=value, found=True, kind="url")
    p = Path(value).expanduser()
    if p.is_file():
        return ModelFileCheck(
            setting=setting,
            value=value,
            found=True,
            kind="file",
            size_mib=round(p.stat().st_size / 2**20, 1),
        )
    if p.is_dir():
        ok = (p / "config.json").exists()
        return ModelFileCheck(
            setting=setting, value=value, found=ok, kind="folder",
            next_step=None if ok else f"{value} has no config.json: point {setting} at a model folder",
        )  # fmt: skip
    if backend == "transformers" and not looks_like_path(value) and value.count("/") == 1:
        return ModelFileCheck(
            setting=setting, value=value, found=False, kind="hub id",
            next_step="a hub id needs the weights in the local hub cache (this machine is offline?)",
        )  # fmt: skip
    if backend == "openai" and setting == "MEDASSIST_LLM_MODEL":
        return ModelFileCheck(setting=setting, value=value, found=True, kind="served model name")
    return ModelFileCheck(
        setting=setting, value=value, found=False, kind="file",
        next_step=f"{value} does not exist: fix {setting}",
    )  # fmt: skip


def run_doctor() -> DoctorReport:
    from medassist.config import get_settings

    settings = get_settings()
    cuda, devices = _cuda()
    backends = []
    for info in backend_table():
        if info.name == "none":
            step = "always available: the deterministic engine"
        elif info.missing:
            step = f'pip install "medassist[{info.extra}]" (missing: {", ".join(info.missing)})'
        elif info.name == "transformers":
            step = (
                "set MEDASSIST_LLM_BACKEND=transformers and MEDASSIST_LLM_MODEL=<MedGemma folder>"
            )
            if not cuda:
                step += " (no CUDA: fp32 on CPU is slow for a 4B model; prefer llamacpp)"
        elif info.name == "llamacpp":
            step = "set MEDASSIST_LLM_BACKEND=llamacpp, MEDASSIST_LLM_MODEL=<file.gguf> (+ MEDASSIST_LLM_MMPROJ for images)"
        else:
            step = "set MEDASSIST_LLM_BACKEND=openai and MEDASSIST_LLM_BASE_URL=http://host:port/v1"
        backends.append(
            BackendCheck(
                name=info.name,
                importable=info.available,
                missing=info.missing,
                extra=info.extra,
                supports_images=info.supports_images,
                supports_schema=info.supports_schema,
                can_stream=info.can_stream,
                configured=info.name == settings.llm_backend,
                next_step=step,
            )
        )
    files = []
    name = settings.llm_backend
    if name != "none":
        for setting, value in (
            ("MEDASSIST_LLM_MODEL", settings.llm_model),
            ("MEDASSIST_LLM_MMPROJ", settings.llm_mmproj),
            ("MEDASSIST_LLM_BASE_URL", settings.llm_base_url),
        ):
            if value:
                files.append(_file_check(setting, value, name))
    steps = []
    chosen = next(b for b in backends if b.name == name)
    if not chosen.importable:
        steps.append(chosen.next_step)
    if name in ("transformers", "llamacpp") and not settings.llm_model:
        steps.append("set MEDASSIST_LLM_MODEL")
    if name == "openai" and not settings.llm_base_url:
        steps.append("set MEDASSIST_LLM_BASE_URL")
    steps.extend(f.next_step for f in files if f.next_step)
    if name == "none":
        steps.append(
            "no model configured: the deterministic engine runs; see the backends' next steps to add one"
        )
    return DoctorReport(
        python=sys.version.split()[0],
        platform=platform.platform(),
        packages={p: _version(p) for p in _PACKAGES},
        cuda_available=cuda,
        cuda_devices=devices,
        host_available_gib=_host_gib(),
        configured_backend=name,
        backends=backends,
        model_files=files,
        next_steps=steps,
    )
