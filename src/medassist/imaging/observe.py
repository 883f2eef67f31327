"""Embeddings and zero-shot assistive observations from an image encoder.

Observations are reported as things to review with a confidence, never as a diagnosis;
the safety layer words them. When the metadata lacks modality or body region (photos,
PNG exports), they are recognised from the pixels first and reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medassist.imaging.encoders.base import ImageEncoder
from medassist.imaging.prompts import prompt_bank, region_for
from medassist.schemas.imaging import ImageMetadata, Observation

__all__ = ["Description", "describe"]


@dataclass
class Description:
    observations: list[Observation]
    embedding: np.ndarray
    region: str
    encoder: str


def _recognise(
    encoder: ImageEncoder,
    image_emb: np.ndarray,
    group: dict[str, str],
    kind: str,
    temperature: float,
) -> Observation:
    labels = list(group)
    text_emb = encoder.embed_texts([group[k] for k in labels])
    probs = _as_distribution(encoder, image_emb, text_emb, temperature)
    best = int(np.argmax(probs))
    return Observation(
        label=labels[best], confidence=float(probs[best]), kind=kind, encoder=encoder.name
    )  # type: ignore[arg-type]


def _as_distribution(
    encoder: ImageEncoder, image_emb: np.ndarray, text_emb: np.ndarray, temperature: float
) -> np.ndarray:
    """Recognition picks one of a closed set, so scores are normalised over the set."""
    probs = encoder.probabilities(image_emb[None, :], text_emb, temperature)[0]
    return probs / max(float(probs.sum()), 1e-12)


def describe(
    image: np.ndarray, metadata: ImageMetadata, encoder: ImageEncoder, top_k: int = 5
) -> Description:
    """Embed ``image`` (display-ready, float in [0, 1]) and score the matching prompt region."""
    bank = prompt_bank()
    temperature = float(bank.get("temperature", 1.0))
    image_emb = encoder.embed_images([image])[0]
    observations: list[Observation] = []
    modality, body_part = metadata.modality, metadata.body_part
    if not modality:
        obs = _recognise(
            encoder, image_emb, bank["recognition"]["modality"], "modality", temperature
        )
        observations.append(obs)
        modality = obs.label
    if not body_part:
        obs = _recognise(
            encoder, image_emb, bank["recognition"]["body_region"], "body_region", temperature
        )
        observations.append(obs)
        body_part = obs.label
    region, findings = region_for(modality, body_part)
    labels = list(findings)
    text_emb = encoder.embed_texts([findings[k] for k in labels])
    probs = encoder.probabilities(image_emb[None, :], text_emb, temperature)[0]
    order = np.argsort(-probs)[:top_k]
    observations.extend(
        Observation(
            label=labels[i], confidence=float(probs[i]), kind="finding_prompt", encoder=encoder.name
        )
        for i in order
    )
    return Description(
        observations=observations, embedding=image_emb, region=region, encoder=encoder.name
    )
