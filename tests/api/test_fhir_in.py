"""POST /v1/fhir: an R4B Bundle in (note + structured facts), the merged analysis out as a
Bundle that validates with fhir.resources and round-trips; recorded values win, conflicts
are flagged."""

from __future__ import annotations

import base64
import copy

import pytest

pytest.importorskip("fhir.resources", reason="FHIR input needs the 'fhir' extra")

from fhir.resources.R4B.bundle import Bundle  # noqa: E402

from medassist.fhir.ingest import read_bundle, ucum_to_unit  # noqa: E402
from medassist.schemas.safety import DISCLAIMER  # noqa: E402

NOTE = (
    "CC: cough\nHPI: 71 yo F with cough and fever, denies chest pain. No history of diabetes.\n"
    "Vitals: BP 132/80, HR 88, RR 22, T 38.4 C, SpO2 95% on RA.\n"
    "Meds: metformin 500 mg PO BID\nAllergies: NKDA\n"
)
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def _qty(value: float, code: str, unit: str | None = None) -> dict:
    return {"value": value, "unit": unit or code, "system": UCUM, "code": code}


def _obs(rid: str, loinc: str, qty: dict | None = None, components: list | None = None) -> dict:
    res = {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
    }
    if qty:
        res["valueQuantity"] = qty
    if components:
        res["component"] = [
            {"code": {"coding": [{"system": LOINC, "code": c}]}, "valueQuantity": q}
            for c, q in components
        ]
    return {"resource": res}


def _doc(text: str, *, encode: bool = True, content_type: str = "text/plain") -> dict:
    data = base64.b64encode(text.encode()).decode() if encode else text
    return {
        "resource": {
            "resourceType": "DocumentReference",
            "id": "note1",
            "status": "current",
            "content": [{"attachment": {"contentType": content_type, "data": data}}],
        }
    }


def bundle(*entries: dict) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p7", "gender": "female"}},
            *entries,
        ],
    }


def full_bundle() -> dict:
    subject = {"reference": "Patient/p7"}
    return bundle(
        _doc(NOTE),
        _obs(
            "bp",
            "85354-9",
            components=[("8480-6", _qty(88, "mm[Hg]")), ("8462-4", _qty(50, "mm[Hg]"))],
        ),
        _obs("hr", "8867-4", _qty(88, "/min", "beats/minute")),
        _obs("temp", "8310-5", _qty(101.1, "[degF]")),
        _obs("cr", "2160-0", _qty(168, "umol/L")),
        {
            "resource": {
                "resourceType": "Condition",
                "id": "c1",
                "subject": subject,
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                            "code": "active",
                        }
                    ]
                },
                "code": {
                    "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9"}],
                    "text": "type 2 diabetes mellitus",
                },
            }
        },
        {
            "resource": {
                "resourceType": "MedicationStatement",
                "id": "m1",
                "status": "stopped",
                "subject": subject,
                "medicationCodeableConcept": {"text": "Metformin"},
            }
        },
        {
            "resource": {
                "resourceType": "AllergyIntolerance",
                "id": "a1",
                "patient": subject,
                "criticality": "high",
                "code": {"text": "metformin"},
            }
        },
        {
            "resource": {
                "resourceType": "Encounter",
                "id": "e1",
                "status": "finished",
                "class": {"code": "AMB"},
            }
        },
    )


@pytest.mark.parametrize(
    ("code", "unit"),
    [
        ("mm[Hg]", "mmHg"),
        ("{beats}/min", "/min"),
        ("Cel", "°C"),
        ("[degF]", "°F"),
        ("10*9/L", "10^9/L"),
    ],
)
def test_ucum_codes(code, unit):
    assert ucum_to_unit(code) == unit


def test_reads_note_plain_or_base64_and_structured_values():
    for doc in (_doc(NOTE), _doc(NOTE, encode=False)):
        fin = read_bundle(bundle(doc, _obs("hr", "8867-4", _qty(120, "/min"))))
        assert fin.note == NOTE and fin.documents == 1
        assert [(o.name, o.value, o.unit) for o in fin.observations] == [
            ("heart_rate", 120, "/min")
        ]
        assert fin.patient_reference == "Patient/p7"
    fin = read_bundle(full_bundle())
    values = {o.name: (o.normalized_value, o.normalized_unit) for o in fin.observations}
    assert values["sbp"] == (88, "mmHg") and values["dbp"] == (50, "mmHg")
    assert values["temperature"][1] == "°C" and values["temperature"][0] == pytest.approx(
        38.39, abs=0.01
    )
    assert values["creatinine"][0] == pytest.approx(1.9, abs=0.01)  # µmol/L -> mg/dL
    assert fin.ignored == {"Encounter": 1}
    assert fin.conditions[0].clinical_status == "active" and fin.allergies[0].criticality == "high"


def test_fhir_endpoint_merges_and_flags_conflicts(client):
    r = client.post(
        "/v1/fhir", json=full_bundle(), headers={"content-type": "application/fhir+json"}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/fhir+json")
    out = r.json()
    parsed = Bundle.model_validate(out)  # validates as R4B
    again = Bundle.model_validate(parsed.model_dump(mode="json"))
    assert again.model_dump(mode="json") == parsed.model_dump(mode="json")  # round-trips
    assert DISCLAIMER in r.text
    assert "denies chest pain" not in r.text  # the note's text never enters the bundle
    issues = [
        e["resource"] for e in out["entry"] if e["resource"]["resourceType"] == "DetectedIssue"
    ]
    details = " | ".join(i.get("detail", "") for i in issues)
    assert "allergy to metformin" in details  # allergy vs a medication the note lists
    assert "sbp" in details and "88" in details and "132" in details  # value conflict
    assert "diabetes" in details and "negates" in details  # condition conflict
    assert "stopped" in details  # medication status conflict
    assert issues[0]["severity"] == "high"  # the high-criticality allergy first
    subjects = {e["resource"].get("subject", {}).get("reference") for e in out["entry"]}
    assert "Patient/p7" in subjects
    # the recorded SBP (88) wins: qSOFA counts it, with the record as evidence
    risks = [
        e["resource"] for e in out["entry"] if e["resource"]["resourceType"] == "RiskAssessment"
    ]
    assert any("qsofa" in str(x).lower() for x in risks)
    assert "Observation/bp" in r.text
    assert not any(
        e["resource"]["resourceType"] == "Observation"
        and e["resource"].get("valueQuantity", {}).get("value") == 132
        for e in out["entry"]
    )


def test_structured_values_alone_give_scores(client):
    b = bundle(
        _obs("rr", "9279-1", _qty(24, "/min")),
        _obs("bp", "85354-9", components=[("8480-6", _qty(92, "mm[Hg]"))]),
    )
    r = client.post("/v1/fhir", json=b)
    assert r.status_code == 200, r.text
    assert "RiskAssessment" in {e["resource"]["resourceType"] for e in r.json()["entry"]}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{nope", 400, "invalid_input"),
        (b'{"resourceType": "Patient"}', 422, "invalid_fhir"),
        (b'{"resourceType": "Bundle", "type": "collection"}', 422, "invalid_fhir"),
        (
            b'{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": '
            b'{"resourceType": "Condition", "code": {"text": "secret-diagnosis-x"}}}]}',
            422,
            "invalid_fhir",
        ),
    ],
    ids=["not-json", "not-a-bundle", "empty", "invalid-resource"],
)
def test_bad_bundles_are_clear_4xx(client, body, status, code):
    r = client.post("/v1/fhir", content=body, headers={"content-type": "application/fhir+json"})
    assert r.status_code == status, r.text
    assert r.json()["error"] == code and r.json()["message"]
    assert "secret-diagnosis-x" not in r.text  # messages never quote values


def test_unknown_observation_codes_are_reported_not_guessed(client):
    b = bundle(
        _doc(NOTE), _obs("x", "99999-9", _qty(3, "mg")), _obs("hr", "8867-4", _qty(70, "furlongs"))
    )
    r = client.post("/v1/fhir", json=copy.deepcopy(b))
    assert r.status_code == 200, r.text
    details = " ".join(
        e["resource"].get("detail", "")
        for e in r.json()["entry"]
        if e["resource"]["resourceType"] == "DetectedIssue"
    )
    assert "not used" in details and "Observation/x" in details and "furlongs" in details
