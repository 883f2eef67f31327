"""Shared machinery of the FHIR export: stable ids, references, codings, the disclaimer."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from medassist.schemas.safety import DISCLAIMER, SafetySection

__all__ = [
    "MEDASSIST",
    "SYSTEMS",
    "DISCLAIMER_EXTENSION",
    "BundleBuilder",
    "terminology",
    "coding",
    "quantity",
    "disclaimer_note",
    "stable_seed",
    "CONFIDENCE_EXTENSION",
    "POINTS_EXTENSION",
]

#: the URI root of medassist's own code systems and extensions (a URN: nothing to resolve)
MEDASSIST = "urn:medassist"

SYSTEMS: dict[str, str] = {
    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
    # DrugBank has no HL7-registered canonical URI; this is DrugBank's own accession URL base
    "drugbank": "http://go.drugbank.com/drugs",
    "loinc": "http://loinc.org",
    "ucum": "http://unitsofmeasure.org",
    "snomed": "http://snomed.info/sct",
    "obs_category": "http://terminology.hl7.org/CodeSystem/observation-category",
    "cond_clinical": "http://terminology.hl7.org/CodeSystem/condition-clinical",
    "cond_verification": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
    "cond_category": "http://terminology.hl7.org/CodeSystem/condition-category",
    "role_code": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
    "gts": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation",
    "data_absent": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
    "act_code": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "provenance_participant": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
    "data_operation": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
    "calculator": f"{MEDASSIST}:calculator",
    "calculator_input": f"{MEDASSIST}:calculator-input",
    "measurement": f"{MEDASSIST}:measurement",
    "safety_notice": f"{MEDASSIST}:safety-notice",
    "safety_layer": f"{MEDASSIST}:safety-layer",
    "safety": f"{MEDASSIST}:safety",
    "image_quality": f"{MEDASSIST}:image-quality",
    "image_observation": f"{MEDASSIST}:image-observation",
    "report": f"{MEDASSIST}:report",
    "input_sha256": f"{MEDASSIST}:input-sha256",
    "image_sha256": f"{MEDASSIST}:image-sha256",
}

DISCLAIMER_EXTENSION = f"{MEDASSIST}:fhir:StructureDefinition/disclaimer"
CONFIDENCE_EXTENSION = f"{MEDASSIST}:fhir:StructureDefinition/confidence"
POINTS_EXTENSION = f"{MEDASSIST}:fhir:StructureDefinition/points"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, f"{MEDASSIST}:fhir")


@lru_cache(maxsize=1)
def terminology() -> dict[str, Any]:
    """The code mappings in ``data/terminology.json`` (cached)."""
    text = resources.files("medassist.fhir").joinpath("data/terminology.json").read_text("utf-8")
    return json.loads(text)


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"system": SYSTEMS.get(system, system), "code": code}
    if display:
        out["display"] = display
    return out


def quantity(value: float, unit: str | None) -> dict[str, Any]:
    """A FHIR Quantity; UCUM system and code when the unit is one medassist knows."""
    out: dict[str, Any] = {"value": _number(value)}
    if unit:
        ucum = terminology()["ucum"].get(unit)
        if ucum:
            out.update(unit=ucum[1], system=SYSTEMS["ucum"], code=ucum[0])
        else:
            out["unit"] = unit
    return out


def _number(value: float) -> float | int:
    as_float = float(value)
    return int(as_float) if as_float.is_integer() and abs(as_float) < 1e15 else round(as_float, 6)


def disclaimer_note(text: str | None = None) -> dict[str, str]:
    return {"text": text or DISCLAIMER}


@dataclass
class BundleBuilder:
    """Collects the entries of one bundle; gives each resource a stable id.

    Ids are uuid5 of ``seed`` (the report's audit input hash) + the resource's kind and index
    within that kind, so converting the same report twice gives the same ids.
    """

    seed: str
    safety: SafetySection
    patient_reference: str | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    #: (start, end) of a note span -> full URLs of the resources built from it
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    _counters: dict[str, int] = field(default_factory=dict)

    def new_id(self, kind: str) -> str:
        index = self._counters.get(kind, 0)
        self._counters[kind] = index + 1
        return str(uuid.uuid5(_NAMESPACE, f"{self.seed}:{kind}:{index}"))

    @staticmethod
    def full_url(resource_id: str) -> str:
        return f"urn:uuid:{resource_id}"

    def subject(self) -> dict[str, str]:
        """The patient reference: the caller's, else the bundle's placeholder Patient."""
        if self.patient_reference:
            return {"reference": self.patient_reference}
        return {"reference": self.full_url(self.placeholder_patient_id)}

    @property
    def placeholder_patient_id(self) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.seed}:Patient:0"))

    def add(
        self,
        resource: dict[str, Any],
        *,
        kind: str | None = None,
        span: tuple[int, int] | None = None,
        disclaimer: bool = True,
    ) -> str:
        """Add ``resource`` (id and disclaimer extension filled in); returns its full URL."""
        resource_type = resource["resourceType"]
        if "id" not in resource:
            resource["id"] = self.new_id(kind or resource_type)
        if disclaimer:
            resource.setdefault("extension", []).append(
                {"url": DISCLAIMER_EXTENSION, "valueString": self.safety.disclaimer or DISCLAIMER}
            )
        url = self.full_url(resource["id"])
        self.entries.append({"fullUrl": url, "resource": resource})
        if span is not None:
            self.spans.append((span[0], span[1], url))
        return url

    def references_for_span(self, start: int | None, end: int | None) -> list[str]:
        """Full URLs of resources built from note text overlapping ``[start, end)``."""
        if start is None or end is None:
            return []
        return [url for s, e, url in self.spans if s < end and start < e]

    def urls(self, resource_type: str | None = None) -> list[str]:
        return [
            entry["fullUrl"]
            for entry in self.entries
            if resource_type is None or entry["resource"]["resourceType"] == resource_type
        ]


def stable_seed(*parts: str | None, fallback: Any = None) -> str:
    """The first non-empty part, else the sha256 of ``fallback``'s canonical JSON."""
    for part in parts:
        if part:
            return part
    payload = json.dumps(fallback, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()
