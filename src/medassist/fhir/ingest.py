"""FHIR R4B in: read a Bundle into a note and structured facts (``POST /v1/fhir``).

Accepted resources: DocumentReference (note text: a ``text/*`` attachment, base64 as FHIR
says, or plain text where an integrator put it unencoded; else the narrative),
Observation (vital signs and labs by LOINC, values in UCUM), Condition,
MedicationStatement and AllergyIntolerance; a Patient gives the subject reference. Other
resource types are counted and ignored. Error messages name the element, never its value.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, Field

from medassist.errors import InputError, UnitConversionError

__all__ = [
    "FhirInputError",
    "StructuredValue",
    "CodedItem",
    "StatedMedication",
    "StatedAllergy",
    "FhirInput",
    "read_bundle",
    "ucum_to_unit",
]

LOINC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
_ACCEPTED = (
    "DocumentReference",
    "Observation",
    "Condition",
    "MedicationStatement",
    "AllergyIntolerance",
    "Patient",
)
_SKIPPED_STATUS = {"entered-in-error", "cancelled"}


class FhirInputError(InputError):
    http_status = 422
    code = "invalid_fhir"


class StructuredValue(BaseModel):
    """A numeric Observation value (or one component of a panel)."""

    resource: str  # "Observation/<id>" or "Observation#<index>"
    name: str  # medassist's measurement name, e.g. "sbp"
    loinc: str
    kind: str  # "vital" | "lab"
    value: float
    unit: str | None  # medassist's spelling
    ucum: str | None  # as sent
    normalized_value: float
    normalized_unit: str | None


class CodedItem(BaseModel):
    resource: str
    text: str | None = None
    codes: list[tuple[str, str]] = Field(default_factory=list)  # (system, code)
    clinical_status: str | None = None
    verification_status: str | None = None


class StatedMedication(BaseModel):
    resource: str
    name: str
    status: str
    dose: float | None = None
    unit: str | None = None


class StatedAllergy(BaseModel):
    resource: str
    substance: str
    criticality: str | None = None
    clinical_status: str | None = None


class FhirInput(BaseModel):
    note: str = ""
    documents: int = 0
    observations: list[StructuredValue] = Field(default_factory=list)
    conditions: list[CodedItem] = Field(default_factory=list)
    medications: list[StatedMedication] = Field(default_factory=list)
    allergies: list[StatedAllergy] = Field(default_factory=list)
    patient_reference: str | None = None
    ignored: dict[str, int] = Field(default_factory=dict)  # resource type -> count
    skipped: list[str] = Field(default_factory=list)  # why values were not used (no values)


# ------------------------------------------------------------------------------ units
@lru_cache(maxsize=1)
def _ucum_table() -> dict[str, str]:
    from medassist.fhir._base import terminology

    table = {code: unit for unit, (code, _display) in terminology()["ucum"].items()}
    raw = json.loads(
        resources.files("medassist.fhir").joinpath("data/ucum_in.json").read_text("utf-8")
    )
    unknown = set(raw) - {"_meta", "units"}
    if unknown:
        raise ValueError(f"ucum_in.json: unknown keys {sorted(unknown)}")
    table.update(raw["units"])
    return table


def ucum_to_unit(code: str | None, unit: str | None = None) -> str | None:
    """medassist's spelling of a UCUM code (annotations dropped); the human ``unit`` as a
    fallback. Raises UnitConversionError when neither is known."""
    from medassist.text.units import parse_unit

    if not code and not unit:
        return None
    for candidate in (code, unit):
        if not candidate:
            continue
        bare = re.sub(r"\{[^}]*\}", "", candidate) or "1"
        if bare in ("1", ""):
            return None
        mapped = _ucum_table().get(candidate) or _ucum_table().get(bare) or bare
        try:
            return parse_unit(mapped)
        except UnitConversionError:
            continue
    raise UnitConversionError(f"unknown unit {code or unit!r}", from_unit=code or unit)


@lru_cache(maxsize=1)
def _by_loinc() -> dict[str, tuple[str, str]]:
    from medassist.text.catalogue import catalogue

    return {spec.loinc: (name, spec.kind) for name, spec in catalogue().items() if spec.loinc}


# ------------------------------------------------------------------------------ parsing
def _plain_attachments(data: dict[str, Any]) -> None:
    """Base64-encode text attachments that were sent as plain text (in place)."""
    for entry in data.get("entry") or []:
        res = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(res, dict) or res.get("resourceType") != "DocumentReference":
            continue
        for content in res.get("content") or []:
            att = content.get("attachment") if isinstance(content, dict) else None
            if not isinstance(att, dict) or not isinstance(att.get("data"), str):
                continue
            if not str(att.get("contentType", "text/plain")).startswith("text/"):
                continue
            try:
                base64.b64decode(att["data"], validate=True)
            except (binascii.Error, ValueError):
                att["data"] = base64.b64encode(att["data"].encode("utf-8")).decode("ascii")


def _validation_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return "the Bundle is not valid FHIR R4B"
    items = errors()
    first = items[0] if items else {}
    loc = ".".join(str(p) for p in first.get("loc", ())) or "Bundle"
    more = f" (and {len(items) - 1} more)" if len(items) > 1 else ""
    return f"not a valid FHIR R4B Bundle: {loc}: {first.get('msg', 'invalid')}{more}"


def _codes(concept: Any) -> list[tuple[str, str]]:
    return [(c.system or "", c.code) for c in (getattr(concept, "coding", None) or []) if c.code]


def _concept_text(concept: Any) -> str | None:
    if concept is None:
        return None
    if concept.text:
        return concept.text
    for c in concept.coding or []:
        if c.display:
            return c.display
    return None


def _status(concept: Any) -> str | None:
    codes = _codes(concept)
    return codes[0][1] if codes else None


def _ref(res: Any, index: int) -> str:
    kind = res.get_resource_type()
    return f"{kind}/{res.id}" if res.id else f"{kind}#{index}"


def _charset(content_type: str) -> str:
    m = re.search(r"charset=([\w.-]+)", content_type or "", re.I)
    return m.group(1) if m else "utf-8"


def _strip_xhtml(div: str) -> str:
    text = re.sub(r"<br\s*/?>|</p>|</div>|</li>", "\n", div, flags=re.I)
    text = re.sub(r"<[^>]+>", "", text)
    import html

    return html.unescape(text).strip()


def _document_text(res: Any, out: FhirInput) -> str | None:
    for content in res.content or []:
        att = content.attachment
        ctype = (att.contentType or "text/plain").lower()
        if att.data is None or not ctype.startswith("text/"):
            continue
        raw = att.data if isinstance(att.data, bytes) else str(att.data).encode()
        try:
            text = raw.decode(_charset(ctype), errors="replace")
        except LookupError:
            text = raw.decode("utf-8", errors="replace")
        return _strip_xhtml(text) if ctype.startswith("text/html") else text
    if res.text is not None and res.text.div:
        return _strip_xhtml(res.text.div)
    out.skipped.append("a DocumentReference without a text attachment or narrative")
    return None


def _observation(res: Any, index: int, out: FhirInput) -> None:
    if res.status in _SKIPPED_STATUS:
        out.skipped.append(f"{_ref(res, index)}: status {res.status}")
        return
    parts = [(res.code, res.valueQuantity)]
    parts += [(c.code, c.valueQuantity) for c in (res.component or [])]
    for code, qty in parts:
        loincs = [c for s, c in _codes(code) if s == LOINC]
        known = [(lc, _by_loinc()[lc]) for lc in loincs if lc in _by_loinc()]
        if qty is None or qty.value is None:
            continue
        if not known:
            if loincs or not res.component:
                out.skipped.append(f"{_ref(res, index)}: no LOINC code medassist knows")
            continue
        loinc, (name, kind) = known[0]
        value = float(qty.value) if isinstance(qty.value, Decimal | int | float) else None
        if value is None:
            continue
        try:
            unit = ucum_to_unit(qty.code, qty.unit)
            from medassist.text.units import to_canonical

            norm, norm_unit = to_canonical(value, unit, name)
        except UnitConversionError as exc:
            out.skipped.append(f"{_ref(res, index)}: {exc.message}")
            continue
        out.observations.append(
            StructuredValue(
                resource=_ref(res, index),
                name=name,
                loinc=loinc,
                kind=kind,
                value=value,
                unit=unit,
                ucum=qty.code or qty.unit,
                normalized_value=round(norm, 6),
                normalized_unit=norm_unit,
            )
        )


def _medication(res: Any, index: int) -> StatedMedication | None:
    name = _concept_text(res.medicationCodeableConcept)
    if not name:
        return None
    dose = unit = None
    for dosage in res.dosage or []:
        for dr in dosage.doseAndRate or []:
            if dr.doseQuantity is not None and dr.doseQuantity.value is not None:
                dose = float(dr.doseQuantity.value)
                unit = dr.doseQuantity.unit or dr.doseQuantity.code
                break
        if dose is not None:
            break
    return StatedMedication(
        resource=_ref(res, index), name=name, status=res.status, dose=dose, unit=unit
    )


def read_bundle(data: bytes | str | dict[str, Any]) -> FhirInput:
    """Parse and validate an R4B Bundle; raises :class:`FhirInputError` (422) or
    :class:`~medassist.errors.InputError` (400) with a message that quotes no value."""
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError:  # pragma: no cover - the fhir extra
        from medassist.errors import ConfigurationError

        raise ConfigurationError("FHIR input needs: pip install 'medassist[fhir]'") from None
    if not isinstance(data, dict):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise InputError("the body is not JSON; send a FHIR R4B Bundle") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise FhirInputError('the body must be a FHIR resource with "resourceType": "Bundle"')
    _plain_attachments(data)
    try:
        bundle = Bundle.model_validate(data)
    except Exception as exc:  # pydantic ValidationError and fhir_core's own errors
        raise FhirInputError(_validation_message(exc)) from None
    out = FhirInput()
    notes: list[str] = []
    for index, entry in enumerate(bundle.entry or []):
        res = entry.resource
        if res is None:
            continue
        kind = res.get_resource_type()
        if kind not in _ACCEPTED:
            out.ignored[kind] = out.ignored.get(kind, 0) + 1
        elif kind == "DocumentReference":
            if res.status in _SKIPPED_STATUS:
                continue
            text = _document_text(res, out)
            if text:
                notes.append(text)
                out.documents += 1
        elif kind == "Observation":
            _observation(res, index, out)
        elif kind == "Condition":
            out.conditions.append(
                CodedItem(
                    resource=_ref(res, index),
                    text=_concept_text(res.code),
                    codes=_codes(res.code),
                    clinical_status=_status(res.clinicalStatus),
                    verification_status=_status(res.verificationStatus),
                )
            )
        elif kind == "MedicationStatement":
            med = _medication(res, index)
            if med is not None:
                out.medications.append(med)
        elif kind == "AllergyIntolerance":
            substance = _concept_text(res.code)
            if substance:
                out.allergies.append(
                    StatedAllergy(
                        resource=_ref(res, index),
                        substance=substance,
                        criticality=res.criticality,
                        clinical_status=_status(res.clinicalStatus),
                    )
                )
        elif kind == "Patient" and res.id and out.patient_reference is None:
            out.patient_reference = f"Patient/{res.id}"
    out.note = "\n\n".join(notes)
    return out
