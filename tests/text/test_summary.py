from __future__ import annotations

import pytest

from medassist.schemas.text import (
    ContextAssertion,
    Demographics,
    Entity,
    EntityCategory,
    Measurement,
    Medication,
    Section,
    TextExtraction,
)
from medassist.text.summary import build_summary, format_age


def ent(
    preferred: str, category: str = "condition", code: str | None = "X00", section=None, **flags
) -> Entity:
    return Entity(
        text=preferred,
        start=0,
        end=len(preferred),
        category=EntityCategory(category),
        preferred=preferred,
        code_system="ICD-10-CM" if code else None,
        code=code,
        section=section,
        context=ContextAssertion(**flags),
    )


def vital(
    name: str,
    value: float,
    unit: str | None,
    plausible: bool = True,
    start: int = 0,
    text: str | None = None,
    **kw,
) -> Measurement:
    return Measurement(
        kind="vital",
        name=name,
        text=text or f"{name} {value}",
        start=start,
        end=start + 6,
        value=value,
        unit=unit,
        normalized_value=value,
        normalized_unit=kw.pop("nunit", unit),
        plausible=plausible,
        **kw,
    )


def lab(
    name: str, value: float, unit: str, plausible: bool = True, text: str | None = None
) -> Measurement:
    return Measurement(
        kind="lab",
        name=name,
        text=text or f"{name} {value}",
        start=0,
        end=5,
        value=value,
        unit=unit,
        normalized_value=value,
        normalized_unit=unit,
        plausible=plausible,
    )


def full_extraction() -> TextExtraction:
    return TextExtraction(
        text_length=500,
        sections=[Section(name="allergies", header="Allergies", start=0, body_start=10, end=20)],
        entities=[
            ent("chest pain", "symptom", "R07.9"),
            ent("shortness of breath", "symptom", "R06.02"),
            ent("fever", "symptom", "R50.9", negated=True),
            ent("hypertension", "condition", "I10"),
            ent("hypertension", "condition", "I10"),
            ent("myocardial infarction", "condition", "I21.9", historical=True),
            ent("asthma", "condition", "J45.909", section="pmh"),
            ent("breast cancer", "condition", "C50.919", family=True),
            ent("pulmonary embolism", "condition", "I26.99", uncertain=True),
            ent("stroke", "condition", "I63.9", hypothetical=True),
            ent("electrocardiogram", "procedure", None),
            ent("urticaria", "condition", "L50.9", section="allergies"),
        ],
        medications=[
            Medication(
                name="metformin",
                text="metformin 500 mg PO BID",
                start=0,
                end=5,
                dose=500,
                unit="mg",
                route="PO",
                frequency="BID",
            ),
            Medication(name="aspirin", text="ASA", start=0, end=3),
        ],
        vitals=[
            vital("sbp", 150, None, start=0, text="BP 150/90", nunit="mmHg"),
            vital("dbp", 90, None, start=0, text="BP 150/90", nunit="mmHg"),
            vital("heart_rate", 118, None, start=20, text="HR 118", nunit="/min"),
            vital(
                "temperature",
                55.0,
                "C",
                plausible=False,
                start=40,
                text="Temp 55 C",
                plausibility_note="outside 25-45 °C",
            ),
        ],
        labs=[
            lab("creatinine", 1.1, "mg/dL", text="creatinine 1.1 mg/dL"),
            lab("potassium", 6.2, "mmol/L", text="K 6.2"),
        ],
        demographics=Demographics(age=58, sex="male"),
    )


def test_full_summary_sentences() -> None:
    summary = build_summary(full_extraction())
    s = summary.sentences
    assert s[0] == "The note documents a 58-year-old male patient."
    assert "Reported symptoms: chest pain, shortness of breath." in s
    assert "Denied: fever." in s
    assert "Documented conditions: hypertension." in s  # deduplicated, only current/affirmed
    assert "History of: myocardial infarction, asthma." in s
    assert "Family history: breast cancer." in s
    assert "Mentioned as possible: pulmonary embolism." in s
    assert "Also documented: electrocardiogram." in s
    assert "Medications listed: metformin 500 mg PO BID, aspirin." in s
    vit = next(x for x in s if x.startswith("Vital signs recorded:"))
    # labels and values as the note writes them
    assert vit == "Vital signs recorded: BP 150/90, HR 118."
    implausible = next(x for x in s if x.startswith("Values outside plausible ranges:"))
    assert implausible == "Values outside plausible ranges: 'Temp 55 C' (outside 25-45 °C)."
    outside = next(x for x in s if x.startswith("Values outside usual adult ranges:"))
    assert "systolic blood pressure 150 mmHg, above the usual adult range (139 mmHg)" in outside
    assert "diastolic blood pressure 90 mmHg, above the usual adult range (89 mmHg)" in outside
    assert "HR 118 /min, above the usual adult range (100 /min)" in outside
    assert "K 6.2 mmol/L, above the usual adult range (5.1 mmol/L)" in outside
    assert "creatinine" not in outside
    assert "Laboratory values recorded: creatinine 1.1 mg/dL, K 6.2 mmol/L." in s
    assert summary.text == " ".join(s)
    # nothing that was not extracted, nothing hypothetical, no diagnosis language
    assert "stroke" not in summary.text
    assert "urticaria" not in summary.text
    for word in ("diagnosis", "diagnosed", "has pneumonia", "likely", "suggests"):
        assert word not in summary.text.lower()


def test_suggested_next_steps() -> None:
    steps = build_summary(full_extraction()).suggested_next_steps
    joined = " ".join(steps)
    assert "Review the abnormal values listed." in steps
    assert any("outside plausible ranges" in x for x in steps)
    assert any("aspirin" in x and "consider confirming" in x for x in steps)
    assert any("pulmonary embolism" in x for x in steps)
    assert "Vital signs are not documented" not in joined
    assert "Allergies are not documented" not in joined  # the note has an allergies section
    assert "age is not documented" not in joined


def test_missing_facts_give_suggestions() -> None:
    extraction = TextExtraction(
        text_length=100,
        entities=[ent("metformin", "medication", "DB00331")],
    )
    summary = build_summary(extraction)
    assert summary.sentences == ["Medications mentioned: metformin."]
    assert summary.suggested_next_steps[0] == (
        "Vital signs are not documented; consider recording them."
    )
    assert "Allergies are not documented; consider confirming them." in summary.suggested_next_steps
    assert "Patient age is not documented; consider recording it." in summary.suggested_next_steps


def test_empty_extraction() -> None:
    summary = build_summary(TextExtraction(text_length=0))
    assert summary.sentences == ["No clinical facts were extracted from the note."]
    assert summary.suggested_next_steps == []


def test_demographics_phrasing() -> None:
    def first(age, sex):  # type: ignore[no-untyped-def]
        return build_summary(
            TextExtraction(text_length=10, demographics=Demographics(age=age, sex=sex))
        ).sentences[0]

    assert first(80, "female") == "The note documents an 80-year-old female patient."
    assert first(None, "male") == "The note documents a male patient."
    assert first(0.5, None) == "The note documents a 6-month-old patient."
    assert format_age(11) == "11-year-old"
    assert format_age(1 / 52) == "7-day-old"


def test_units_that_differ_from_the_reference_are_not_compared() -> None:
    extraction = TextExtraction(text_length=10, labs=[lab("creatinine", 150, "µmol/L")])
    text = build_summary(extraction).text
    assert "usual adult" not in text
    assert "creatinine 150 µmol/L" in text


def test_blood_pressure_paired_in_any_order_and_bare_repeats_dropped() -> None:
    extraction = TextExtraction(
        text_length=100,
        vitals=[
            vital("dbp", 94, "mmHg", start=7, text="94"),
            vital("sbp", 162, "mmHg", start=3, text="162"),
        ],
        medications=[
            Medication(
                name="metformin",
                text="metformin 1000 mg PO BID",
                start=0,
                end=9,
                dose=1000,
                unit="mg",
                route="PO",
                frequency="BID",
            ),
            Medication(name="metformin", text="metformin", start=50, end=59),
        ],
    )
    summary = build_summary(extraction)
    assert "Vital signs recorded: blood pressure 162/94." in summary.sentences
    assert "Medications listed: metformin 1000 mg PO BID." in summary.sentences
    assert not any("Dose or frequency" in x for x in summary.suggested_next_steps)


def test_converted_values_show_both_units_and_allergens_are_not_medications() -> None:
    temp = vital("temperature", 102.2, "F", start=0, text="T 102.2 F")
    temp = temp.model_copy(update={"normalized_value": 39.0, "normalized_unit": "°C"})
    extraction = TextExtraction(
        text_length=50,
        vitals=[temp],
        medications=[
            Medication(name="penicillin", text="penicillin", start=0, end=10, section="allergies")
        ],
    )
    summary = build_summary(extraction)
    assert "Vital signs recorded: T 102.2 F." in summary.sentences
    assert (
        "Values outside usual adult ranges: T 102.2 F (= 39 °C), above the usual adult range "
        "(38 °C)." in summary.sentences
    )
    assert not any("penicillin" in x for x in summary.sentences)


def test_demographic_conflicts_become_a_suggestion() -> None:
    demo = Demographics(age=54, sex="male")
    if "conflicts" not in Demographics.model_fields:
        pytest.skip("Demographics.conflicts not in the schema")
    demo.conflicts = ["age: 54 years ('54-year-old') vs 56 years ('56 yo')"]
    summary = build_summary(TextExtraction(text_length=10, demographics=demo))
    assert summary.sentences[0] == "The note documents a 54-year-old male patient."
    assert any("54-year-old" in x and "reconciling" in x for x in summary.suggested_next_steps)
