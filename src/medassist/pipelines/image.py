"""Image pipeline: load -> metadata -> quality -> (encoder: observations) -> safety -> report."""

from __future__ import annotations

import time
from typing import Any

from medassist.schemas.common import Notice
from medassist.schemas.imaging import ImageAnalysis, ImageExtraction

__all__ = ["run_image_pipeline"]


def _resolve_encoder(encoder: Any) -> Any:
    """An encoder instance from ``encoder=`` (instance or spec) or settings; None when off."""
    from medassist.config import get_settings

    settings = get_settings()
    spec = encoder if encoder is not None else settings.image_encoder
    if spec is None:
        return None
    if isinstance(spec, str):
        from medassist.imaging.encoders import get_encoder

        return get_encoder(spec, settings.image_encoder_backend)
    return spec


def run_image_pipeline(
    path_or_bytes: Any,
    *,
    window: tuple[float, float] | None = None,
    encoder: Any = None,
    return_embedding: bool = False,
) -> ImageAnalysis:
    """Analyse one image (path, bytes or binary file-like object).

    ``window``: explicit (centre, width) for monochrome DICOM. ``encoder``: an image encoder
    instance or a spec (local path or hub id); default ``settings.image_encoder``; with none
    configured no model is loaded and no observations are made.
    """
    from medassist import safety
    from medassist.imaging.io import load_image
    from medassist.imaging.window import validate_window

    window = validate_window(window)
    from medassist.imaging.quality import assess_loaded

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    loaded = load_image(path_or_bytes, window=window)
    timings["load"] = (time.perf_counter() - t0) * 1000

    t1 = time.perf_counter()
    quality = assess_loaded(loaded)
    timings["quality"] = (time.perf_counter() - t1) * 1000

    extraction = ImageExtraction(metadata=loaded.metadata, quality=quality)
    if loaded.metadata.frames > 1:
        extraction.notices.append(
            Notice(
                code="multi_frame",
                message=f"The file has {loaded.metadata.frames} frames; frame "
                f"{loaded.metadata.extra.get('frame_index', 0) + 1} (the middle one) was assessed.",
            )
        )

    model_ids: list[str] = []
    enc = _resolve_encoder(encoder)
    # a blank image is not worth encoding (the safety layer abstains and says so)
    if enc is not None and not any(i.code == "blank" for i in quality.issues):
        from medassist.imaging.observe import describe

        t2 = time.perf_counter()
        description = describe(loaded.display, loaded.metadata, enc)
        timings["observations"] = (time.perf_counter() - t2) * 1000
        extraction.observations = list(description.observations)
        extraction.encoder = description.encoder
        model_ids.append(description.encoder)
        if return_embedding:
            extraction.embedding = [float(v) for v in description.embedding.ravel()]

    return safety.finalize_image_report(
        extraction, image_sha256=loaded.sha256, timings=timings, model_ids=model_ids
    )
