"""The safety section as FHIR: DetectedIssue per notice/urgent finding, Device, Provenance, labels.

Every bundle carries the disclaimer (an extension and a note on each resource), the notices
(urgent first) as DetectedIssue resources, the safety layers run as ``Bundle.meta.tag`` and a
Provenance that names medassist, the audit hash and every resource of the bundle.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from medassist.fhir._base import SYSTEMS, BundleBuilder, coding
from medassist.schemas.common import Notice, Severity
from medassist.schemas.safety import Finding, SafetySection

__all__ = ["SECURITY_LABELS", "meta_labels", "add_safety_resources", "ISSUE_SEVERITY"]

#: HL7 AI Transparency on FHIR: AIAST marks content asserted by AI/algorithms
SECURITY_LABELS: list[dict[str, Any]] = [
    {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
        "code": "AIAST",
        "display": "Artificial Intelligence asserted",
    }
]

#: medassist severity -> DetectedIssue.severity (high | moderate | low)
ISSUE_SEVERITY: dict[Severity, str] = {
    Severity.urgent: "high",
    Severity.warning: "moderate",
    Severity.info: "low",
}
_RANK = {Severity.urgent: 0, Severity.warning: 1, Severity.info: 2}


def meta_labels(safety: SafetySection) -> dict[str, Any]:
    """``Bundle.meta``: security label AIAST, tags for review-required, layers run, notices."""
    tags: list[dict[str, Any]] = [
        coding("safety", "assistive-output", "Assistive output: clinician review required"),
    ]
    tags += [
        coding("safety_layer", layer, f"safety layer run: {layer}") for layer in safety.layers_run
    ]
    if safety.abstained:
        tags.append(coding("safety", "abstained", "medassist abstained from part of this report"))
    for notice in _ordered(safety.notices):
        if notice.severity == Severity.urgent:
            tags.append(coding("safety_notice", notice.code, f"URGENT: {notice.message}"))
    return {"security": [dict(label) for label in SECURITY_LABELS], "tag": tags}


def _ordered(notices: list[Notice]) -> list[Notice]:
    return sorted(notices, key=lambda n: _RANK.get(n.severity, 3))


def _matching_finding(notice: Notice, findings: list[Finding]) -> Finding | None:
    for finding in findings:
        if finding.message == notice.message:
            return finding
    return None


def add_safety_resources(
    builder: BundleBuilder, safety: SafetySection, *, identified: str | None
) -> None:
    """Add DetectedIssue resources (urgent first), the medassist Device and a Provenance.

    Call last: the Provenance targets every resource already in the bundle.
    """
    issues: list[tuple[str, str, str, Severity, Finding | None]] = []
    seen: set[str] = set()
    for notice in _ordered(safety.notices):
        finding = _matching_finding(notice, safety.findings)
        issues.append((notice.code, notice.message, "notice", notice.severity, finding))
        seen.add(notice.message)
    extra = [
        f
        for f in safety.findings
        if f.severity in (Severity.urgent, Severity.warning) and f.message not in seen
    ]
    for finding in sorted(extra, key=lambda f: _RANK.get(f.severity, 3)):
        issues.append(
            (finding.code, finding.message, f"finding:{finding.layer}", finding.severity, finding)
        )
        seen.add(finding.message)

    for code, message, origin, severity, finding in issues:
        resource: dict[str, Any] = {
            "resourceType": "DetectedIssue",
            "meta": {"security": [dict(label) for label in SECURITY_LABELS]},
            "status": "preliminary",
            "code": {"coding": [coding("safety_notice", code)], "text": code.replace("_", " ")},
            "severity": ISSUE_SEVERITY.get(severity, "low"),
            "patient": builder.subject(),
            "detail": message,
        }
        if identified:
            resource["identifiedDateTime"] = identified
        implicated = []
        if finding is not None and finding.span is not None and finding.target in (None, "note"):
            implicated = builder.references_for_span(finding.span.start, finding.span.end)
        if implicated:
            resource["implicated"] = [{"reference": url} for url in implicated]
        layer = finding.layer if finding is not None else None
        resource["mitigation"] = [
            {
                "action": {
                    "text": "clinician review of the flagged item against the source record"
                },
                **({"date": identified} if identified else {}),
            }
        ]
        resource["extension"] = [
            {"url": f"{SYSTEMS['safety']}:fhir:StructureDefinition/origin", "valueString": origin}
        ] + (
            [{"url": f"{SYSTEMS['safety']}:fhir:StructureDefinition/layer", "valueString": layer}]
            if layer
            else []
        )
        builder.add(resource, kind="DetectedIssue")

    _add_device_and_provenance(builder, safety, identified=identified)


def _add_device_and_provenance(
    builder: BundleBuilder, safety: SafetySection, *, identified: str | None
) -> None:
    audit = safety.audit
    version = audit.medassist_version if audit else None
    device: dict[str, Any] = {
        "resourceType": "Device",
        "deviceName": [{"name": "medassist", "type": "manufacturer-name"}],
        "type": {"text": "assistive clinical software (non-diagnostic)"},
    }
    if version:
        device["version"] = [{"value": version}]
    if audit and audit.model_ids:
        device["note"] = [{"text": "models used: " + ", ".join(audit.model_ids)}]
    device_url = builder.add(device, kind="Device")

    targets = [url for url in builder.urls() if url != device_url]
    provenance: dict[str, Any] = {
        "resourceType": "Provenance",
        "target": [{"reference": url} for url in targets] or [{"reference": device_url}],
        "recorded": identified or datetime.now(UTC).isoformat(timespec="seconds"),
        "activity": {
            "coding": [coding("data_operation", "CREATE", "create")],
            "text": "derived by medassist; safety layers run: " + ", ".join(safety.layers_run),
        },
        "agent": [
            {
                "type": {"coding": [coding("provenance_participant", "assembler", "Assembler")]},
                "who": {"reference": device_url, "display": f"medassist {version or ''}".strip()},
            }
        ],
    }
    entities = []
    if audit and audit.input_sha256:
        entities.append(
            ("input_sha256", audit.input_sha256, "source note (sha256; text not included)")
        )
    if audit and audit.image_sha256:
        entities.append(
            ("image_sha256", audit.image_sha256, "source image (sha256; pixels not included)")
        )
    if entities:
        provenance["entity"] = [
            {
                "role": "source",
                "what": {
                    "identifier": {"system": SYSTEMS[system], "value": value},
                    "display": display,
                },
            }
            for system, value, display in entities
        ]
    builder.add(provenance, kind="Provenance")
