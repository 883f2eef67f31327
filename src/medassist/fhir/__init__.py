"""FHIR R4B export of medassist reports, for pushing results into an EHR.

:func:`to_fhir_bundle` turns a safety-finalised report (``TextAnalysis``, ``ImageAnalysis`` or
``ScoreReport``) into a FHIR R4B ``Bundle`` of type "collection", validated with the
``fhir.resources`` models (optional dependency: ``pip install "medassist[fhir]"``).

The safety section always travels with the bundle: the AIAST security label and the safety
layers run in ``Bundle.meta``, a DetectedIssue per notice (urgent first, severity high) and
per urgent/warning finding, the disclaimer as an extension and a note on every resource, and a
Provenance naming medassist and the audit hash of the input. The note's text never enters
the bundle: only codes, values and the short text of each mention's own span.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from medassist.errors import ConfigurationError, InputError
from medassist.fhir._base import BundleBuilder, stable_seed
from medassist.logs import get_logger
from medassist.schemas.imaging import ImageAnalysis
from medassist.schemas.safety import require_all_layers
from medassist.schemas.scores import ScoreReport
from medassist.schemas.text import TextAnalysis

__all__ = ["to_fhir_bundle", "to_fhir_json", "FHIR_VERSION"]

FHIR_VERSION = "4.3.0"  # R4B
_log = get_logger(__name__)

Report = TextAnalysis | ImageAnalysis | ScoreReport


def _check_report(report: object) -> Report:
    if not isinstance(report, TextAnalysis | ImageAnalysis | ScoreReport):
        raise InputError(
            "only safety-finalised reports can be exported to FHIR (TextAnalysis, ImageAnalysis "
            f"or ScoreReport); got {type(report).__name__}",
            got=type(report).__name__,
        )
    try:
        require_all_layers(report.safety)
    except (ValueError, AttributeError) as exc:
        raise InputError(
            f"the report has not passed through every safety layer and cannot be exported: {exc}",
            got=type(report).__name__,
        ) from None
    return report


def _prune(value: Any) -> Any:
    """Drop empty lists/dicts/None (FHIR forbids empty elements)."""
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {}, "")}
    if isinstance(value, list):
        items = [_prune(v) for v in value]
        return [v for v in items if v not in (None, [], {}, "")]
    return value


def to_fhir_bundle(
    report: TextAnalysis | ImageAnalysis | ScoreReport, *, patient_reference: str | None = None
) -> dict[str, Any]:
    """A FHIR R4B Bundle (type "collection") of ``report`` as a JSON-ready dict.

    ``patient_reference`` (e.g. ``"Patient/123"``) becomes every resource's subject; without
    it the bundle holds a placeholder Patient (gender only) for the integrator to replace.
    Resource ids are uuid5 of the report's audit input hash and the resource's index, so the
    same report always gives the same ids. Raises :class:`~medassist.errors.InputError` for
    anything but a safety-finalised report, :class:`~medassist.errors.ConfigurationError`
    when ``fhir.resources`` is not installed.
    """
    report = _check_report(report)
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError:
        raise ConfigurationError(
            'FHIR export needs the optional dependency fhir.resources: pip install "medassist[fhir]"'
        ) from None
    if patient_reference is not None and not patient_reference.strip():
        raise InputError("patient_reference must be a non-empty FHIR reference, e.g. 'Patient/123'")

    safety = report.safety
    audit = safety.audit
    issued = audit.created_at if audit else None
    if isinstance(report, ScoreReport):
        # one note can feed many calculators: the result is part of a score report's seed
        seed = stable_seed(
            fallback={
                "input": audit.input_sha256 if audit else None,
                "result": report.result.model_dump(mode="json"),
            }
        )
    else:
        seed = stable_seed(
            audit.input_sha256 if audit else None,
            audit.image_sha256 if audit else None,
            fallback=report.model_dump(mode="json", exclude={"safety", "embedding"}),
        )
    builder = BundleBuilder(seed=seed, safety=safety, patient_reference=patient_reference)

    from medassist.fhir.safety import add_safety_resources, meta_labels

    if isinstance(report, TextAnalysis):
        from medassist.fhir.scores import add_score
        from medassist.fhir.text import add_text_report

        add_text_report(builder, report, issued=issued)
        for score in report.scores:
            result = score if not isinstance(score, dict) else _score_from_dict(score)
            add_score(
                builder,
                result,
                confidence=safety.confidence.get(f"score:{result.calculator_id}"),
                issued=issued,
            )
    elif isinstance(report, ImageAnalysis):
        from medassist.fhir.imaging import add_image_report

        add_image_report(builder, report, issued=issued)
    else:
        from medassist.fhir.scores import add_score

        if patient_reference is None:
            builder.add(
                {"resourceType": "Patient", "id": builder.placeholder_patient_id, "active": True},
                kind="Patient",
            )
        add_score(
            builder,
            report.result,
            confidence=safety.confidence.get(f"score:{report.result.calculator_id}"),
            issued=issued,
        )
    add_safety_resources(builder, safety, identified=issued)

    # safety first: DetectedIssues lead the bundle, urgent first (already ordered)
    entries = [e for e in builder.entries if e["resource"]["resourceType"] == "DetectedIssue"]
    entries += [e for e in builder.entries if e["resource"]["resourceType"] != "DetectedIssue"]
    bundle_id = builder.new_id("Bundle")
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": meta_labels(safety),
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{bundle_id}"},
        "type": "collection",
        "timestamp": issued or datetime.now(UTC).isoformat(timespec="seconds"),
        "entry": entries,
    }
    bundle = _prune(bundle)
    # validates the bundle and every entry against its R4B resource model; the dict itself is
    # returned (already JSON-ready; re-serialising through fhir.resources doubles the cost)
    Bundle.model_validate(bundle)
    out = bundle
    _log.debug("fhir bundle: %d entries", len(out.get("entry", [])))
    return out


def _score_from_dict(data: dict[str, Any]) -> Any:
    from medassist.risk.base import ScoreResult

    return ScoreResult.model_validate(data)


def to_fhir_json(
    report: TextAnalysis | ImageAnalysis | ScoreReport,
    *,
    patient_reference: str | None = None,
    indent: int | None = 2,
) -> str:
    """:func:`to_fhir_bundle` serialised as JSON text (UTF-8 safe, non-ASCII kept)."""
    return json.dumps(
        to_fhir_bundle(report, patient_reference=patient_reference),
        indent=indent,
        ensure_ascii=False,
    )
