"""An image report (:class:`~medassist.schemas.imaging.ImageAnalysis`) as FHIR Observations.

One Observation for image quality (grade as the value, each issue as a component) and one per
assistive observation, each labelled as an assistive model observation to review (never a
diagnosis) with its confidence. Category "imaging". No pixels, no identifying DICOM tags.
"""

from __future__ import annotations

from typing import Any

from medassist.fhir._base import CONFIDENCE_EXTENSION, BundleBuilder, coding, disclaimer_note
from medassist.fhir.safety import SECURITY_LABELS
from medassist.schemas.imaging import ImageAnalysis

__all__ = ["add_image_report", "ASSISTIVE_LABEL"]

ASSISTIVE_LABEL = "Assistive model observation to review - not a diagnosis"
_CATEGORY = [{"coding": [coding("obs_category", "imaging", "Imaging")]}]


def _labels() -> dict[str, Any]:
    return {"security": [dict(label) for label in SECURITY_LABELS]}


def _image_note(report: ImageAnalysis) -> dict[str, str]:
    md = report.metadata
    parts = [f"format {md.format}", f"{md.columns}x{md.rows} px"]
    if md.modality:
        parts.append(f"modality {md.modality}")
    if md.body_part:
        parts.append(f"body part {md.body_part}")
    if md.view_position:
        parts.append(f"view {md.view_position}")
    if md.frames > 1:
        parts.append(f"{md.frames} frames")
    return {"text": "image: " + ", ".join(parts)}


def add_image_report(builder: BundleBuilder, report: ImageAnalysis, *, issued: str | None) -> None:
    if builder.patient_reference is None:
        builder.add(
            {
                "resourceType": "Patient",
                "id": builder.placeholder_patient_id,
                "meta": _labels(),
                "active": True,
            },
            kind="Patient",
        )
    quality = report.quality
    components = [
        {
            "code": {
                "coding": [coding("image_quality", issue.code)],
                "text": f"{issue.code.replace('_', ' ')} (metric {issue.metric})",
            },
            "valueQuantity": {"value": round(float(issue.value), 6)},
            "referenceRange": [{"text": f"threshold {issue.threshold:g} ({issue.metric})"}],
            "interpretation": [{"text": issue.explanation}],
        }
        for issue in quality.issues
    ]
    qo: dict[str, Any] = {
        "resourceType": "Observation",
        "meta": _labels(),
        "status": "preliminary",
        "category": _CATEGORY,
        "code": {
            "coding": [coding("image_quality", "grade", "Image quality grade")],
            "text": "Image quality",
        },
        "subject": builder.subject(),
        "valueCodeableConcept": {
            "coding": [coding("image_quality", quality.grade)],
            "text": quality.grade,
        },
        "component": components,
        "note": [_image_note(report), disclaimer_note()],
    }
    if issued:
        qo["issued"] = issued
    quality_url = builder.add(qo, kind="ImageQuality")

    for i, obs in enumerate(report.observations):
        confidence = report.safety.confidence.get(f"observation:{i}", obs.confidence)
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "meta": {
                **_labels(),
                "tag": [coding("safety", "assistive-observation", ASSISTIVE_LABEL)],
            },
            "status": "preliminary",
            "category": [
                *_CATEGORY,
                {
                    "coding": [coding("safety", "assistive-observation", ASSISTIVE_LABEL)],
                    "text": ASSISTIVE_LABEL,
                },
            ],
            "code": {
                "coding": [coding("image_observation", obs.kind)],
                "text": f"{ASSISTIVE_LABEL}: {obs.kind.replace('_', ' ')}",
            },
            "subject": builder.subject(),
            "valueString": obs.label,
            "derivedFrom": [{"reference": quality_url}],
            "method": {
                "text": f"image encoder {obs.encoder or report.encoder or 'unknown'} (zero-shot)"
            },
            "note": [
                {"text": f"{ASSISTIVE_LABEL}; model confidence {obs.confidence:.2f}"},
                _image_note(report),
                disclaimer_note(),
            ],
            "extension": [
                {"url": CONFIDENCE_EXTENSION, "valueDecimal": round(float(confidence), 4)}
            ],
        }
        if quality.grade == "poor":
            resource["note"].insert(
                1, {"text": "image quality is poor: this observation is less reliable"}
            )
        if issued:
            resource["issued"] = issued
        builder.add(resource, kind="ImageObservation")
