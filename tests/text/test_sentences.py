from __future__ import annotations

import pytest

from medassist.errors import InputError
from medassist.text.sentences import split_sentences


def sents(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


def test_basic_split_and_offsets() -> None:
    text = "  Patient is well. She has no complaints!  Follow up?  "
    spans = split_sentences(text)
    assert [text[s.start : s.end] for s in spans] == [
        "Patient is well.",
        "She has no complaints!",
        "Follow up?",
    ]
    for s in spans:
        assert not text[s.start].isspace() and not text[s.end - 1].isspace()


@pytest.mark.parametrize(
    "text",
    [
        "Seen by Dr. Smith today.",
        "Mr. Jones was seen.",
        "Metformin 500 mg p.o. b.i.d. with meals.",
        "Take aspirin q.d. in the morning.",
        "Use a diuretic, e.g. Lasix, daily.",
        "Compare vs. prior films.",
        "Lesion measures approx. 5 cm.",
        "Placed a No. 2 tube.",
        "Temperature 98.6 F and 0.5 mg given.",
        "Given 5 mg. p.o. now.",
        "Vitals: BP 120/80, HR 88, T 98.6 F, RR 16, SpO2 97% RA",
    ],
)
def test_single_sentence_cases(text: str) -> None:
    out = sents(text)
    if text.startswith("Vitals:"):
        assert out == ["Vitals:", "BP 120/80, HR 88, T 98.6 F, RR 16, SpO2 97% RA"]
    else:
        assert out == [text]


def test_dosing_abbreviation_can_end_a_sentence() -> None:
    assert sents("Take metformin 500 mg b.i.d. She is well.") == [
        "Take metformin 500 mg b.i.d.",
        "She is well.",
    ]


def test_inline_numbered_list() -> None:
    assert sents("PMH: 1. HTN 2. DM 3. CKD stage 3.") == [
        "PMH:",
        "1. HTN",
        "2. DM",
        "3. CKD stage 3.",
    ]
    assert sents("CKD stage 3. He is well.") == ["CKD stage 3.", "He is well."]


def test_line_broken_list_items_are_sentences() -> None:
    text = "Medications:\nmetformin 500 mg PO BID\nlisinopril 10 mg daily\n- ASA 81 mg\n"
    assert sents(text) == [
        "Medications:",
        "metformin 500 mg PO BID",
        "lisinopril 10 mg daily",
        "- ASA 81 mg",
    ]


def test_soft_wrapped_lines_are_joined() -> None:
    text = "The patient presents with\nchest pain and was given\nnitroglycerin."
    assert sents(text) == [text]


def test_headers_end_sentences_mtsamples_style() -> None:
    text = "Weight stable.,MEDICATIONS: , Her only medication is Allegra.,ALLERGIES: , None."
    assert sents(text) == [
        "Weight stable.",
        "MEDICATIONS:",
        "Her only medication is Allegra.",
        "ALLERGIES:",
        "None.",
    ]


def test_header_without_full_stop_before_it() -> None:
    assert sents("Chest pain\nHPI: 54yo man with CP. Denies SOB") == [
        "Chest pain",
        "HPI:",
        "54yo man with CP.",
        "Denies SOB",
    ]


def test_empty_and_whitespace() -> None:
    assert split_sentences("") == []
    assert split_sentences("  \n\t ") == []
    assert sents("...") == []


def test_spans_are_ordered_and_inside_text() -> None:
    text = "A. B? C! 1. x 2. y\n\nHPI: z. Dr. Who. e.g. that."
    spans = split_sentences(text)
    prev = 0
    for s in spans:
        assert prev <= s.start < s.end <= len(text)
        prev = s.end


def test_non_text_is_an_input_error() -> None:
    with pytest.raises(InputError):
        split_sentences(None)  # type: ignore[arg-type]


def test_lettered_items_and_mtsamples_bullets() -> None:
    assert sents("A. Hypertension, controlled. B. Diabetes.") == [
        "A. Hypertension, controlled.",
        "B. Diabetes.",
    ]
    assert sents("Joints swollen.,*  Morning stiffness.,*  Night pain.") == [
        "Joints swollen.",
        "*  Morning stiffness.",
        "*  Night pain.",
    ]


def test_windows_line_endings_and_tabs() -> None:
    text = "Meds:\r\n\tmetformin 500 mg BID\r\n\tlisinopril 10 mg daily\r\n"
    assert sents(text) == ["Meds:", "metformin 500 mg BID", "lisinopril 10 mg daily"]


def test_random_text_never_breaks_the_core() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    from medassist.text.matcher import find_entities
    from medassist.text.sections import detect_sections

    alphabet = st.sampled_from(list("abcXYZ .,:;!?\n\t\r-/0123456789()") + ["HPI:", "PE", "İ", "é"])

    @hypothesis.settings(max_examples=150, deadline=None)
    @hypothesis.given(st.lists(alphabet, max_size=80).map("".join))
    def check(text: str) -> None:
        spans = split_sentences(text)
        prev = 0
        for s in spans:
            assert prev <= s.start < s.end <= len(text)
            prev = s.end
        sections = detect_sections(text)
        for a, b in zip(sections, sections[1:], strict=False):
            assert a.end == b.start
        for e in find_entities(text):
            assert text[e.start : e.end] == e.text

    check()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nil CP. c/o SOB. ?PE.", ["Nil CP.", "c/o SOB.", "?PE."]),
        (
            "Afebrile. o/e wheeze bilaterally. nil rash.",
            ["Afebrile.", "o/e wheeze bilaterally.", "nil rash."],
        ),
        ("Seen at 5 p.m. pt well.", ["Seen at 5 p.m. pt well."]),
    ],
)
def test_gp_shorthand_and_queries_open_a_sentence(text: str, expected: list[str]) -> None:
    assert [text[s.start : s.end] for s in split_sentences(text)] == expected
