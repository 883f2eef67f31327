"""Text + image fusion: item-by-item correlation and the combined view.

correlate(entities, observations) -> list[Correlation]
combined_view(text_report, image_report, observations) -> CombinedView
"""

from __future__ import annotations

from medassist.fusion.correlate import combined_view, correlate

__all__ = ["correlate", "combined_view"]
