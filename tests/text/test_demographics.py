"""Age and sex from free text (medassist.text.demographics)."""

from __future__ import annotations

import pytest

from medassist.errors import InputError
from medassist.text.demographics import extract_demographics

AGES = [
    pytest.param("54 yo male with chest pain", 54, id="yo"),
    pytest.param("A 54-year-old man presented", 54, id="hyphenated-year-old"),
    pytest.param("a 3-month-old infant with fever", 0.25, id="months-old"),
    pytest.param("a 10-day-old neonate", 10 / 365, id="days-old"),
    pytest.param("a 6 week old baby", 6 / 52, id="weeks-old"),
    pytest.param("Patient aged 70 years, admitted", 70, id="aged"),
    pytest.param("Age: 45\nSex: F", 45, id="age-field"),
    pytest.param("67 y/o M with COPD", 67, id="y-slash-o"),
    pytest.param("76F presenting with dyspnea", 76, id="age-sex-compact"),
    pytest.param("A 22-year old female (height 158 cm)", 22, id="year-old-space"),
    pytest.param("A forty-five-year-old woman", 45, id="spelled-out"),
    pytest.param("The patient is 63 years of age.", 63, id="years-of-age"),
    pytest.param("His 30-year-old son brought in a 65-year-old man", 65, id="skip-relative"),
    pytest.param(
        "She was diagnosed at the age of 30. Now a 52-year-old woman",
        52,
        id="skip-age-at-diagnosis",
    ),
]


@pytest.mark.parametrize(("text", "age"), AGES)
def test_age(text: str, age: float) -> None:
    demo = extract_demographics(text)
    assert demo.age == pytest.approx(age, rel=1e-3)
    assert demo.age_span is not None
    s, e = demo.age_span
    assert text[s:e] == demo.age_text


SEXES = [
    pytest.param("A 54-year-old man presented", "male", id="man"),
    pytest.param("A 64-year-old gentleman with cirrhosis", "male", id="gentleman"),
    pytest.param("an elderly lady with hip pain", "female", id="lady"),
    pytest.param("a 7-year-old boy", "male", id="boy"),
    pytest.param("a 7-year-old girl", "female", id="girl"),
    pytest.param("67 y/o M with COPD", "male", id="letter-m"),
    pytest.param("76F presenting with dyspnea", "female", id="letter-f"),
    pytest.param("Sex: F\nAge: 45", "female", id="sex-field"),
    pytest.param("Gender: male", "male", id="gender-field"),
    pytest.param(
        "A 74-year-old normotensive, nondiabetic, male smoker", "male", id="sex-after-adjectives"
    ),
    pytest.param(
        "Her husband reports she fell. She has pain. Her knee is swollen.",
        "female",
        id="pronouns-with-husband",
    ),
    pytest.param(
        "He reports chest pain; his wife called EMS. He is anxious.", "male", id="pronouns-male"
    ),
    pytest.param("The patient is 28 weeks pregnant.", "female", id="pregnant"),
    pytest.param("Mrs. Smith was admitted", "female", id="title"),
]


@pytest.mark.parametrize(("text", "sex"), SEXES)
def test_sex(text: str, sex: str) -> None:
    demo = extract_demographics(text)
    assert demo.sex == sex
    assert demo.sex_span is not None


def test_conflicting_ages_keep_first_and_record() -> None:
    demo = extract_demographics("A 54-year-old man ... later described as a 56 yo male.")
    assert demo.age == 54
    assert demo.conflicts and "54" in demo.conflicts[0] and "56" in demo.conflicts[0]


def test_same_age_twice_is_no_conflict() -> None:
    demo = extract_demographics("A 54-year-old man. The 54 yo patient was seen.")
    assert demo.age == 54 and demo.conflicts == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Na 140, K 4.1", id="labs-only"),
        pytest.param("BP 120/80, HR 88", id="vitals-only"),
        pytest.param("Follow-up in 3 months.", id="follow-up-months"),
        pytest.param("Temperature 98F at 10:00", id="temperature-f-is-not-age-sex"),
        pytest.param("", id="empty"),
    ],
)
def test_no_age(text: str) -> None:
    demo = extract_demographics(text)
    assert demo.age is None


def test_no_sex_when_unstated() -> None:
    assert extract_demographics("Patient presents with cough.").sex is None


def test_rejects_non_text() -> None:
    with pytest.raises(InputError):
        extract_demographics(42)  # type: ignore[arg-type]


def test_odd_input_does_not_crash() -> None:
    for text in ["9" * 10000, "year-old " * 1000, "aged aged aged", "F" * 500, "\x00\x01"]:
        extract_demographics(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("A 45-year-old man. At the age of 30 he had a stroke.", id="age-at-event"),
        pytest.param("A 45-year-old man; he was 19 years old when diagnosed.", id="was-years-old"),
        pytest.param("A 45-year-old man; controls had a mean age: 52 years.", id="mean-age"),
        pytest.param("A 31-year-old woman delivered at a gestational age of 37 weeks.", id="ga"),
    ],
)
def test_past_or_other_ages_are_not_conflicts(text: str) -> None:
    demo = extract_demographics(text)
    assert demo.age in {45, 31} and demo.conflicts == []


NOTATIONS = [
    pytest.param("45M with chest pain.", 45, "male", id="45M"),
    pytest.param("29F c/o cough x3/7", 29, "female", id="29F"),
    pytest.param("67 yo F presents with dyspnoea", 67, "female", id="67-yo-F"),
    pytest.param("a 45-year-old man with chest pain", 45, "male", id="year-old-man"),
    pytest.param("M/45, chest pain on exertion", 45, "male", id="M-slash-45"),
    pytest.param("F/29: SOB", 29, "female", id="F-slash-29"),
    pytest.param("45 y/o male, smoker", 45, "male", id="y-slash-o-male"),
    pytest.param("Pt 45M, seen in clinic", 45, "male", id="pt-45M"),
    pytest.param("Seen today: 72F, fall at home", 72, "female", id="after-colon"),
    pytest.param("Male, 58, HTN, T2DM", 58, "male", id="male-comma-age"),
    pytest.param("F 34 presents with headache", 34, "female", id="F-space-age"),
    pytest.param("72 y.o. female with COPD", 72, "female", id="y-dot-o"),
]


@pytest.mark.parametrize(("text", "age", "sex"), NOTATIONS)
def test_compact_notations_give_age_and_stated_sex(text: str, age: float, sex: str) -> None:
    demo = extract_demographics(text)
    assert demo.age == pytest.approx(age)
    assert demo.sex == sex and demo.sex_basis == "stated"
    assert demo.age_span is not None and text[slice(*demo.age_span)] == demo.age_text
    assert demo.sex_span is not None and text[slice(*demo.sex_span)] == demo.sex_text


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("Baby aged 6 months with fever", 0.5),
        ("4/12 old infant with fever and poor feeding", 4 / 12),
        ("3/52 old baby, jaundiced", 3 / 52),
    ],
)
def test_infant_ages(text: str, age: float) -> None:
    assert extract_demographics(text).age == pytest.approx(age, rel=1e-3)


@pytest.mark.parametrize(
    "text", ["6 min walk: 45m walk test", "KCl 2M solution", "HR 45 M", "Walked 45 m unaided"]
)
def test_numbers_with_metre_or_molar_letters_are_not_ages(text: str) -> None:
    demo = extract_demographics(text)
    assert demo.age is None and demo.sex is None


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("He has hypertension.", "male"),
        ("She reports a cough. Her inhaler ran out.", "female"),
    ],
)
def test_pronoun_sex_is_a_labelled_inference(text: str, sex: str) -> None:
    demo = extract_demographics(text)
    assert demo.sex == sex and demo.sex_basis == "inferred"


def test_no_sex_without_evidence() -> None:
    demo = extract_demographics("Chest pain for 2 hours. BP 140/90.")
    assert demo.sex is None and demo.sex_basis is None


@pytest.mark.parametrize(
    "note",
    [
        "He has hypertension.",
        "45M, AF, on warfarin.",
        "M/67 with atrial fibrillation and diabetes.",
        "She has atrial fibrillation and her BP is 150/90.",
        "Atrial fibrillation, hypertension, age 70.",
    ],
)
def test_report_and_calculators_read_the_same_age_and_sex(note: str) -> None:
    from medassist.risk.facts import NoteFacts
    from medassist.text.engine import extract

    demo = extract(note).demographics
    facts = NoteFacts.from_text(note)
    age, sex = facts.measurement("age"), facts.measurement("sex")
    assert (age.value if age else None) == demo.age
    assert (sex.value if sex else None) == demo.sex
