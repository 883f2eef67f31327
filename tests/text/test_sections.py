from __future__ import annotations

import pytest

from medassist.errors import InputError
from medassist.text.sections import (
    CANONICAL_SECTIONS,
    PREAMBLE,
    detect_sections,
    header_variants,
    section_at,
)


def names(text: str) -> list[str]:
    return [s.name for s in detect_sections(text)]


def test_inline_headers_and_bodies() -> None:
    text = "CC: chest pain\nHPI: 54yo man with CP. Denies SOB.\nPMH: HTN, DM2\nMeds: metformin\n"
    sections = detect_sections(text)
    assert [s.name for s in sections] == ["chief_complaint", "hpi", "pmh", "medications"]
    hpi = sections[1]
    assert hpi.header == "HPI"
    assert text[hpi.start : hpi.start + 3] == "HPI"
    assert text[hpi.body_start :].startswith("54yo man")
    assert hpi.end == sections[2].start
    assert sections[-1].end == len(text)


def test_mtsamples_all_caps_style() -> None:
    text = (
        "HISTORY OF PRESENT ILLNESS:,  This 23-year-old presents with cough.,"
        "PAST MEDICAL HISTORY: , Asthma.,ALLERGIES: , None.,PHYSICAL EXAMINATION:,"
        "HEENT:  Normal.,Lungs:  Clear.,ASSESSMENT AND PLAN: , Bronchitis."
    )
    sections = detect_sections(text)
    assert [s.name for s in sections] == ["hpi", "pmh", "allergies", "exam", "assessment_plan"]
    assert text[sections[0].body_start :].startswith("This 23-year-old")
    assert text[sections[1].body_start :].startswith("Asthma")


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Chief Complaint:", "chief_complaint"),
        ("History of Present Illness:", "hpi"),
        ("Past Medical History:", "pmh"),
        ("PSH:", "psh"),
        ("Current Medications:", "medications"),
        ("Discharge medications:", "medications"),
        ("Allergies:", "allergies"),
        ("FHx:", "family_history"),
        ("FH:", "family_history"),
        ("SH:", "social_history"),
        ("ROS:", "ros"),
        ("Review of systems:", "ros"),
        ("Physical exam:", "exam"),
        ("PE:", "exam"),
        ("Vital signs:", "vitals"),
        ("Labs:", "labs"),
        ("Laboratory data:", "labs"),
        ("Imaging:", "imaging"),
        ("Radiology:", "imaging"),
        ("Assessment:", "assessment"),
        ("Plan:", "plan"),
        ("ASSESSMENT AND PLAN:", "assessment_plan"),
        ("A/P:", "assessment_plan"),
        ("IMPRESSION:", "impression"),
        ("Discharge diagnoses:", "assessment"),
        ("Hospital course:", "hospital_course"),
        ("ESTIMATED BLOOD LOSS:", "other"),
    ],
)
def test_header_variants(header: str, name: str) -> None:
    text = f"Seen today.\n{header} some content here."
    assert names(text) == [PREAMBLE, name]


def test_own_line_headers_without_colon() -> None:
    text = "Assessment\nStable angina.\n\nPlan\nContinue aspirin.\n"
    sections = detect_sections(text)
    assert [s.name for s in sections] == ["assessment", "plan"]
    assert text[sections[0].body_start :].startswith("Stable angina")


def test_sub_headings_stay_in_their_section() -> None:
    text = "PHYSICAL EXAM: HEENT: normal. Lungs: clear. Heart: RRR. Abdomen: soft."
    assert names(text) == ["exam"]


def test_vitals_then_body_system_resumes_exam() -> None:
    text = "OBJECTIVE:,Vitals:  BP 124/78.,HEENT:  Throat red.,Lungs:  Clear."
    assert names(text) == ["exam", "vitals", "exam"]


def test_values_are_not_headers() -> None:
    text = "Exam: BP: 120/80, HR: 88. WBC: 12.1. Plan: follow up."
    assert names(text) == ["exam", "plan"]


def test_short_variants_need_capitals_and_prose_colons_are_not_headers() -> None:
    assert names("She said: fine. Ok pe: no.") == [PREAMBLE]
    assert names("He reports the following: cough") == [PREAMBLE]


def test_preamble_and_section_at() -> None:
    text = "  John Doe clinic note\nCC: cough\nPlan: rest"
    sections = detect_sections(text)
    assert sections[0].name == PREAMBLE and sections[0].header is None
    assert sections[0].start == 2
    assert section_at(sections, 5) is None  # the preamble has no canonical name
    assert section_at(sections, text.index("cough")) == "chief_complaint"
    assert section_at(sections, text.index("rest")) == "plan"
    assert section_at(sections, len(text) + 5) is None
    assert section_at([], 0) is None


def test_empty_and_headerless_text() -> None:
    assert detect_sections("") == []
    assert detect_sections("   \n ") == []
    only = detect_sections("no headers at all")
    assert [s.name for s in only] == [PREAMBLE]


def test_sections_are_ordered_and_disjoint() -> None:
    text = "CC: x\nHPI: y. PMH: z\nFAMILY HISTORY: w\nSOCIAL HISTORY: v\nROS: u"
    sections = detect_sections(text)
    for a, b in zip(sections, sections[1:], strict=False):
        assert a.end == b.start
        assert a.start <= a.body_start <= a.end


def test_data_file_maps_to_known_names() -> None:
    variants = header_variants()
    assert len(variants) > 150
    assert set(variants.values()) <= CANONICAL_SECTIONS | {"@sub"}


def test_non_text_is_an_input_error() -> None:
    with pytest.raises(InputError):
        detect_sections(b"bytes")  # type: ignore[arg-type]


def test_windows_line_endings() -> None:
    text = "Assessment\r\nStable.\r\nPlan:\r\nRest.\r\n"
    sections = detect_sections(text)
    assert [s.name for s in sections] == ["assessment", "plan"]
    assert text[sections[0].body_start :].startswith("Stable")


def test_uk_gp_headers() -> None:
    from medassist.text.sections import detect_sections

    note = (
        "PC: cough 3/7\nHPC: productive. nil haemoptysis\nBackground: HTN, T2DM\n"
        "DH: ramipril 5 mg od\nAllergies: NKDA\nO/E: chest wheeze\nImp: ?LRTI\n"
        "Mx: amoxicillin 500 mg tds\n"
    )
    names = [s.name for s in detect_sections(note) if s.name != "preamble"]
    assert names == [
        "chief_complaint",
        "hpi",
        "pmh",
        "medications",
        "allergies",
        "exam",
        "impression",
        "plan",
    ]


def test_background_section_makes_its_items_history() -> None:
    from medassist.text.engine import extract

    ex = extract("Background: HTN, gout\nPC: chest pain today")
    by = {e.text: e.context for e in ex.entities}
    assert by["HTN"].historical and by["gout"].historical
    assert not by["chest pain"].historical
