"""medassist: an offline, open-weight clinical assistant backend.

Public API::

    medassist.analyze_text(text) -> TextAnalysis
    medassist.analyze_image(path_or_bytes) -> ImageAnalysis
    medassist.analyze(text=None, image=None, *, llm=None) -> AnalysisReport
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from medassist._version import __version__
from medassist.errors import MedassistError
from medassist.schemas.text import TextAnalysis

__all__ = [
    "__version__",
    "analyze",
    "analyze_text",
    "analyze_image",
    "MedassistError",
    "TextAnalysis",
]

if TYPE_CHECKING:  # pragma: no cover
    from medassist.schemas.analysis import AnalysisReport
    from medassist.schemas.imaging import ImageAnalysis


def analyze_text(text: str | bytes) -> TextAnalysis:
    """Analyse a clinical note with the deterministic engine (no model weights needed)."""
    from medassist.pipelines.text import run_text_pipeline

    return run_text_pipeline(text)


def analyze_image(path_or_bytes: Any, **options: Any) -> ImageAnalysis:
    """Load, assess and (when an encoder is configured) describe a medical image."""
    from medassist.pipelines.image import run_image_pipeline

    return run_image_pipeline(path_or_bytes, **options)


def analyze(
    text: str | bytes | None = None, image: Any = None, *, llm: Any = None
) -> AnalysisReport:
    """Note and/or image, with the configured model or ``llm`` (a backend name or instance).

    Without a model (``MEDASSIST_LLM_BACKEND=none``, the default) the report holds the
    deterministic text and image reports and says what a model would add.
    """
    from medassist.pipelines.analyze import run_analysis

    return run_analysis(text, image, llm=llm)
