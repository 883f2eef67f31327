"""FHIR R4B export (medassist.fhir): real reports in, bundles validated by fhir.resources out."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

pytest.importorskip(
    "fhir.resources", reason='FHIR export needs fhir.resources (pip install "fhir.resources>=8,<9")'
)

from fhir.resources.R4B.bundle import Bundle  # noqa: E402

import medassist  # noqa: E402
from medassist.errors import InputError  # noqa: E402
from medassist.fhir import to_fhir_bundle, to_fhir_json  # noqa: E402
from medassist.fhir._base import DISCLAIMER_EXTENSION  # noqa: E402
from medassist.schemas.safety import DISCLAIMER, SAFETY_LAYERS  # noqa: E402
from medassist.schemas.text import TextAnalysis, TextExtraction  # noqa: E402

NOTE = """HPI: 67-year-old woman with COPD and type 2 diabetes presents with worsening shortness of \
breath and productive cough for 3 days. Possible pneumonia. Denies chest pain. No fever. Denies \
hypertension. History of stroke in 2019.

FHx: Mother with breast cancer.

Meds: metformin 500 mg PO BID, albuterol 2 puffs inhaled q4h PRN wheeze. Stopped lisinopril.

Vitals: BP 100/60, HR 118, RR 28, T 38.4 C, SpO2 84% on room air, weight 70 kg.
Labs: WBC 15.2, creatinine 1.4 mg/dL, sodium 131 mmol/L, potassium 4.8 mmol/L, glucose 240 mg/dL, \
lactate 3.1 mmol/L.
"""

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"


# --- helpers -----------------------------------------------------------------------------------


def resources(bundle: dict[str, Any], resource_type: str | None = None) -> list[dict[str, Any]]:
    return [
        e["resource"]
        for e in bundle["entry"]
        if resource_type is None or e["resource"]["resourceType"] == resource_type
    ]


def codes(concept: dict[str, Any], system: str | None = None) -> set[str]:
    return {c["code"] for c in concept.get("coding", []) if system is None or c["system"] == system}


def by_code(
    bundle: dict[str, Any], resource_type: str, system: str, code: str
) -> list[dict[str, Any]]:
    return [r for r in resources(bundle, resource_type) if code in codes(r.get("code", {}), system)]


def one(items: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(items) == 1, items
    return items[0]


def assert_valid_bundle(bundle: dict[str, Any]) -> Bundle:
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    assert bundle["resourceType"] == "Bundle"
    ids = [e["resource"]["id"] for e in bundle["entry"]]
    assert len(ids) == len(set(ids)), "resource ids must be unique"
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    # every urn:uuid reference resolves inside the bundle
    text = json.dumps(bundle["entry"])
    for ref in set(re.findall(r'"reference": "(urn:uuid:[0-9a-f-]+)"', text)):
        assert ref in full_urls, ref
    # the safety section travels: layers, AIAST label, disclaimer on every domain resource
    tags = {(t["system"], t["code"]) for t in bundle["meta"]["tag"]}
    for layer in SAFETY_LAYERS:
        assert ("urn:medassist:safety-layer", layer) in tags
    assert any(s["code"] == "AIAST" for s in bundle["meta"]["security"])
    for resource in resources(bundle):
        exts = {x["url"]: x.get("valueString") for x in resource.get("extension", [])}
        assert exts.get(DISCLAIMER_EXTENSION) == DISCLAIMER, resource["resourceType"]
    assert one(resources(bundle, "Provenance"))
    return parsed


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def text_report() -> TextAnalysis:
    return medassist.analyze_text(NOTE)


@pytest.fixture(scope="module")
def text_bundle(text_report: TextAnalysis) -> dict[str, Any]:
    return to_fhir_bundle(text_report)


# --- text report -------------------------------------------------------------------------------


def test_text_bundle_is_valid_r4b_collection(text_bundle: dict[str, Any]) -> None:
    assert_valid_bundle(text_bundle)
    kinds = {r["resourceType"] for r in resources(text_bundle)}
    assert {
        "Condition",
        "Observation",
        "MedicationStatement",
        "FamilyMemberHistory",
        "RiskAssessment",
        "DetectedIssue",
        "Provenance",
        "Patient",
    } <= kinds


def test_conditions_follow_context(text_bundle: dict[str, Any]) -> None:
    copd = one(by_code(text_bundle, "Condition", ICD, "J44.9"))
    assert codes(copd["verificationStatus"]) == {"confirmed"}
    assert codes(copd["clinicalStatus"]) == {"active"}

    htn = one(by_code(text_bundle, "Condition", ICD, "I10"))  # "Denies hypertension"
    assert codes(htn["verificationStatus"]) == {"refuted"}
    assert "clinicalStatus" not in htn

    pneumonia = one(by_code(text_bundle, "Condition", ICD, "J18.9"))  # "Possible pneumonia"
    assert codes(pneumonia["verificationStatus"]) == {"provisional"}

    stroke = one(by_code(text_bundle, "Condition", ICD, "I63.9"))  # "History of stroke"
    assert "clinicalStatus" not in stroke  # not stated as resolved: left unset, with a note
    assert any("not stated" in n["text"] for n in stroke["note"])


def test_family_history_is_not_a_patient_condition(text_bundle: dict[str, Any]) -> None:
    assert not by_code(text_bundle, "Condition", ICD, "C50.919")
    fmh = one(resources(text_bundle, "FamilyMemberHistory"))
    assert codes(fmh["relationship"]) == {"MTH"}
    assert codes(fmh["condition"][0]["code"], ICD) == {"C50.919"}
    assert fmh["patient"]["reference"].startswith("urn:uuid:")


def test_symptoms_present_and_absent(text_bundle: dict[str, Any]) -> None:
    cough = one(by_code(text_bundle, "Observation", ICD, "R05.9"))
    assert codes(cough["valueCodeableConcept"]) == {"52101004"}  # present
    chest_pain = one(by_code(text_bundle, "Observation", ICD, "R07.9"))  # "Denies chest pain"
    assert codes(chest_pain["valueCodeableConcept"]) == {"2667000"}  # absent
    # "PRN wheeze" is hypothetical: not a statement about the patient
    assert not by_code(text_bundle, "Observation", ICD, "R06.2")


def test_blood_pressure_is_one_panel_with_components(text_bundle: dict[str, Any]) -> None:
    bp = one(by_code(text_bundle, "Observation", LOINC, "85354-9"))
    comps = {next(iter(codes(c["code"], LOINC))): c["valueQuantity"] for c in bp["component"]}
    assert comps["8480-6"]["value"] == 100 and comps["8462-4"]["value"] == 60
    assert comps["8480-6"]["code"] == "mm[Hg]" and comps["8480-6"]["system"] == UCUM
    assert not by_code(text_bundle, "Observation", LOINC, "8480-6")  # no separate SBP resource
    assert codes(bp["category"][0]) == {"vital-signs"}


@pytest.mark.parametrize(
    ("loinc", "value", "ucum", "category"),
    [
        ("8867-4", 118, "/min", "vital-signs"),
        ("9279-1", 28, "/min", "vital-signs"),
        ("8310-5", 38.4, "Cel", "vital-signs"),
        ("2708-6", 84, "%", "vital-signs"),
        ("29463-7", 70, "kg", "vital-signs"),
        ("2160-0", 1.4, "mg/dL", "laboratory"),
        ("2951-2", 131, "mmol/L", "laboratory"),
        ("2345-7", 240, "mg/dL", "laboratory"),
        ("6690-2", 15.2, "10*9/L", "laboratory"),
        ("2524-7", 3.1, "mmol/L", "laboratory"),
    ],
)
def test_measurements_loinc_ucum(
    text_bundle: dict[str, Any], loinc: str, value: float, ucum: str, category: str
) -> None:
    obs = one(by_code(text_bundle, "Observation", LOINC, loinc))
    q = obs["valueQuantity"]
    assert q["value"] == pytest.approx(value)
    assert (q["system"], q["code"]) == (UCUM, ucum)
    assert codes(obs["category"][0]) == {category}


def test_spo2_carries_both_vital_sign_codes(text_bundle: dict[str, Any]) -> None:
    spo2 = one(by_code(text_bundle, "Observation", LOINC, "2708-6"))
    assert codes(spo2["code"], LOINC) == {"2708-6", "59408-5"}


def test_medication_statements(text_bundle: dict[str, Any]) -> None:
    meds = {
        r["medicationCodeableConcept"]["text"]: r
        for r in resources(text_bundle, "MedicationStatement")
    }
    # lab analytes ("potassium 4.8 mmol/L") are not medications
    assert set(meds) == {"metformin", "albuterol", "lisinopril"}
    metformin = meds["metformin"]
    assert metformin["status"] == "active"
    assert codes(metformin["medicationCodeableConcept"], "http://go.drugbank.com/drugs") == {
        "DB00331"
    }
    dosage = metformin["dosage"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"] == {
        "value": 500,
        "unit": "mg",
        "system": UCUM,
        "code": "mg",
    }
    assert codes(dosage["route"]) == {"26643006"}  # SNOMED oral route
    assert dosage["timing"]["repeat"] == {"frequency": 2, "period": 1, "periodUnit": "d"}
    assert codes(dosage["timing"]["code"]) == {"BID"}
    albuterol = meds["albuterol"]["dosage"][0]
    assert albuterol["asNeededCodeableConcept"]["text"] == "wheeze"
    assert (
        albuterol["timing"]["repeat"]["period"] == 4
        and albuterol["timing"]["repeat"]["periodUnit"] == "h"
    )
    assert meds["lisinopril"]["status"] == "stopped"


def test_urgent_red_flag_becomes_first_high_severity_detected_issue(
    text_bundle: dict[str, Any],
) -> None:
    first = text_bundle["entry"][0]["resource"]
    assert first["resourceType"] == "DetectedIssue"
    assert first["severity"] == "high"
    assert "oxygen saturation" in first["detail"]
    spo2 = one(by_code(text_bundle, "Observation", LOINC, "2708-6"))
    assert {"reference": f"urn:uuid:{spo2['id']}"} in first["implicated"]
    assert any(t["code"] == "red_flag_spo2" for t in text_bundle["meta"]["tag"])


def test_scores_become_risk_assessments(
    text_bundle: dict[str, Any], text_report: TextAnalysis
) -> None:
    risks = resources(text_bundle, "RiskAssessment")
    assert {codes(r["method"]).pop() for r in risks} == {
        s.calculator_id for s in text_report.scores
    }
    qsofa = one([r for r in risks if codes(r["method"]) == {"qsofa"}])
    score = next(s for s in text_report.scores if s.calculator_id == "qsofa")
    assert qsofa["prediction"][0]["outcome"]["text"] == score.band
    basis = {b["reference"] for b in qsofa["basis"]}
    rr = one(by_code(text_bundle, "Observation", LOINC, "9279-1"))
    bp = one(by_code(text_bundle, "Observation", LOINC, "85354-9"))
    assert {f"urn:uuid:{rr['id']}", f"urn:uuid:{bp['id']}"} <= basis
    score_obs = one(
        [r for r in resources(text_bundle, "Observation") if codes(r["code"]) == {"qsofa"}]
    )
    assert score_obs["valueQuantity"]["value"] == score.value
    assert f"urn:uuid:{score_obs['id']}" in basis
    assert {c["code"]["coding"][0]["code"] for c in score_obs["component"]} == {
        c.name for c in score.components
    }


def test_raw_note_never_in_bundle(text_bundle: dict[str, Any]) -> None:
    dumped = json.dumps(text_bundle, ensure_ascii=False)
    assert NOTE not in dumped
    for sentence in re.split(r"(?<=[.:])\s+|\n", NOTE):
        sentence = sentence.strip()
        if len(sentence) > 30:
            assert sentence not in dumped, sentence


def test_ids_are_stable_and_patient_reference_used(
    text_report: TextAnalysis, text_bundle: dict[str, Any]
) -> None:
    again = to_fhir_bundle(text_report)
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in text_bundle["entry"]]
    linked = to_fhir_bundle(text_report, patient_reference="Patient/123")
    assert_valid_bundle(linked)
    assert not resources(linked, "Patient")
    for resource in resources(linked):
        ref = resource.get("subject") or resource.get("patient")
        if ref is not None:
            assert ref == {"reference": "Patient/123"}
    assert one(by_code(linked, "Condition", ICD, "J44.9"))["subject"] == {
        "reference": "Patient/123"
    }
    text = to_fhir_json(text_report)
    assert json.loads(text)["id"] == text_bundle["id"]


# --- image report ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ct_path() -> str:
    pydicom_data = pytest.importorskip("pydicom.data", reason="pydicom test data needed")
    return pydicom_data.get_testdata_file("CT_small.dcm")


def test_image_quality_bundle(ct_path: str) -> None:
    report = medassist.analyze_image(ct_path)
    bundle = to_fhir_bundle(report, patient_reference="Patient/ct")
    assert_valid_bundle(bundle)
    quality = one([r for r in resources(bundle, "Observation") if codes(r["code"]) == {"grade"}])
    assert codes(quality["category"][0]) == {"imaging"}
    assert quality["valueCodeableConcept"]["text"] == report.quality.grade
    assert {c["code"]["coding"][0]["code"] for c in quality["component"]} == {
        i.code for i in report.quality.issues
    }
    prov = one(resources(bundle, "Provenance"))
    assert prov["entity"][0]["what"]["identifier"]["value"] == report.safety.audit.image_sha256


def test_image_assistive_observations_are_labelled(ct_path: str) -> None:
    # no encoder weights ship with medassist: the observation is added before the real safety
    # layer (finalize_image_report), exactly where an encoder's output would enter
    from medassist.imaging.io import load_image
    from medassist.imaging.quality import assess_loaded
    from medassist.safety import finalize_image_report
    from medassist.schemas.imaging import ImageExtraction, Observation

    loaded = load_image(ct_path)
    extraction = ImageExtraction(
        metadata=loaded.metadata,
        quality=assess_loaded(loaded),
        observations=[
            Observation(label="opacity in the lower zone", confidence=0.62, encoder="siglip-test")
        ],
    )
    report = finalize_image_report(extraction, image_sha256=loaded.sha256, timings={})
    assert report.observations, "the safety layer kept the observation"
    bundle = to_fhir_bundle(report)
    assert_valid_bundle(bundle)
    obs = one(
        [
            r
            for r in resources(bundle, "Observation")
            if "urn:medassist:image-observation" in json.dumps(r["code"])
        ]
    )
    assert "not a diagnosis" in obs["code"]["text"]
    assert "assistive-observation" in {t["code"] for t in obs["meta"]["tag"]}
    assert "imaging" in {c for cat in obs["category"] for c in codes(cat)}
    assert obs["valueString"] == report.observations[0].label
    confidence = [x["valueDecimal"] for x in obs["extension"] if x["url"].endswith("/confidence")]
    assert confidence and 0 < confidence[0] <= 1


# --- score report ------------------------------------------------------------------------------


def test_score_report_bundle() -> None:
    from medassist.pipelines.score import run_score_pipeline

    report = run_score_pipeline(
        "qsofa", inputs={"respiratory_rate": 24, "sbp": 95, "altered_mentation": True}
    )
    bundle = to_fhir_bundle(report)
    assert_valid_bundle(bundle)
    risk = one(resources(bundle, "RiskAssessment"))
    assert codes(risk["method"]) == {"qsofa"}
    assert risk["prediction"][0]["outcome"]["text"] == report.result.band
    obs = one([r for r in resources(bundle, "Observation") if codes(r["code"]) == {"qsofa"}])
    assert obs["valueQuantity"]["value"] == 3
    points = {
        c["code"]["coding"][0]["code"]: c["extension"][0]["valueDecimal"] for c in obs["component"]
    }
    assert points == {"respiratory_rate": 1.0, "sbp": 1.0, "altered_mentation": 1.0}
    inputs = {c["code"]["coding"][0]["code"]: c for c in obs["component"]}
    assert inputs["sbp"]["valueQuantity"] == {
        "value": 95,
        "unit": "mmHg",
        "system": UCUM,
        "code": "mm[Hg]",
    }
    assert inputs["altered_mentation"]["valueBoolean"] is True
    assert {"reference": f"urn:uuid:{obs['id']}"} in risk["basis"]
    # the same inputs give the same ids; other inputs give other ids
    assert to_fhir_bundle(report)["id"] == bundle["id"]
    other = run_score_pipeline(
        "qsofa", inputs={"respiratory_rate": 18, "sbp": 125, "altered_mentation": False}
    )
    assert to_fhir_bundle(other)["id"] != bundle["id"]


# --- refusal -----------------------------------------------------------------------------------


@pytest.mark.parametrize("obj", [None, "a note", {"entities": []}, TextExtraction(text_length=3)])
def test_refuses_non_reports(obj: object) -> None:
    with pytest.raises(InputError, match="safety-finalised"):
        to_fhir_bundle(obj)  # type: ignore[arg-type]


def test_refuses_report_built_around_the_safety_layers(text_report: TextAnalysis) -> None:
    forged = TextAnalysis.model_construct(
        **{
            **dict(text_report),
            "safety": text_report.safety.model_copy(update={"layers_run": ["output"]}),
        }
    )
    with pytest.raises(InputError, match="safety layer"):
        to_fhir_bundle(forged)


def test_refuses_blank_patient_reference(text_report: TextAnalysis) -> None:
    with pytest.raises(InputError):
        to_fhir_bundle(text_report, patient_reference="  ")


# --- stated clinical status, implausible values, serialised reports --------------------------


def test_stated_resolution_and_implausible_value() -> None:
    report = medassist.analyze_text(
        "PMH: Pneumonia, now resolved. Former smoker. No longer has gout.\nVitals: HR 400."
    )
    bundle = to_fhir_bundle(report)
    assert_valid_bundle(bundle)
    pneumonia = one(by_code(bundle, "Condition", ICD, "J18.9"))
    # "now resolved": the condition existed, so resolved + confirmed, not refuted
    assert codes(pneumonia["clinicalStatus"]) == {"resolved"}
    assert codes(pneumonia["verificationStatus"]) == {"confirmed"}
    assert codes(one(by_code(bundle, "Condition", ICD, "M10.9"))["clinicalStatus"]) == {"inactive"}
    assert codes(one(by_code(bundle, "Condition", ICD, "Z72.0"))["clinicalStatus"]) == {"inactive"}
    hr = one(by_code(bundle, "Observation", LOINC, "8867-4"))
    assert "implausible" in hr["interpretation"][0]["text"]
    issues = {r["code"]["coding"][0]["code"]: r for r in resources(bundle, "DetectedIssue")}
    assert issues["implausible_value"]["severity"] == "moderate"


def test_serialised_report_converts_the_same(
    text_report: TextAnalysis, text_bundle: dict[str, Any]
) -> None:
    # an API or queue may hold the report as JSON: scores come back as plain dicts
    restored = TextAnalysis.model_validate_json(text_report.model_dump_json())
    assert isinstance(restored.scores[0], dict)
    assert to_fhir_bundle(restored) == text_bundle


def test_missing_fhir_resources_is_a_configuration_error(
    text_report: TextAnalysis, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from medassist.errors import ConfigurationError

    monkeypatch.setitem(sys.modules, "fhir.resources.R4B.bundle", None)  # import now fails
    with pytest.raises(ConfigurationError, match="medassist\\[fhir\\]"):
        to_fhir_bundle(text_report)
