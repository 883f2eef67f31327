"""ConText classifier: triggers, pseudo-triggers, terminators, scope, sections, loader."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from medassist.errors import ConfigurationError, InputError
from medassist.schemas.common import Span
from medassist.schemas.text import ContextAssertion, Entity, EntityCategory, Section
from medassist.text.context import (
    apply_context,
    classify_context,
    classify_spans,
    context_for_span,
    find_triggers,
    load_rules,
    parse_rules,
)


def ctx(sentence: str, target: str, occurrence: int = 0) -> ContextAssertion:
    start = -1
    for _ in range(occurrence + 1):
        start = sentence.index(target, start + 1)
    return classify_context(sentence, start, start + len(target))


# --------------------------------------------------------------------------- negation


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("Patient denies chest pain.", "chest pain"),
        ("Extremities reveal no peripheral cyanosis or edema.", "edema"),
        ("No evidence of pneumothorax.", "pneumothorax"),
        ("There is no evidence of acute intracranial hemorrhage.", "acute intracranial hemorrhage"),
        ("Negative for fevers, chills, and weight loss.", "weight loss"),
        ("The abdomen is soft without rebound or guarding.", "guarding"),
        ("She was not lightheaded at all.", "lightheaded"),
        ("General: awake, alert and oriented, in no acute distress.", "acute distress"),
        ("He has never had a seizure.", "seizure"),
        ("Pulmonary embolism was ruled out.", "Pulmonary embolism"),
        ("A pericardial effusion is not seen.", "pericardial effusion"),
        ("Blood cultures were negative.", "Blood cultures"),
        ("Myocardial infarction has been ruled out.", "Myocardial infarction"),
        ("ROS is -ve for bleeding or change in weight.", "bleeding"),
        (
            "There is a low suspicion for significant coronary artery disease.",
            "coronary artery disease",
        ),
        ("PATIENT DENIES SHORTNESS OF BREATH.", "SHORTNESS OF BREATH"),
        ("Patient   denies\n  palpitations.", "palpitations"),
        ("He doesn't have any dysuria.", "dysuria"),
        ("Calf is nontender, Homans sign absent.", "Homans sign"),
    ],
)
def test_negated(sentence: str, target: str) -> None:
    result = ctx(sentence, target)
    assert result.negated, result
    assert result.triggers["negated"]


@pytest.mark.parametrize("target", ["fever", "chills", "night sweats", "weight loss", "dysuria"])
def test_list_negation_reaches_every_item(target: str) -> None:
    sentence = "She denies fever, chills, night sweats, weight loss, nausea, or dysuria."
    assert ctx(sentence, target).negated


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("There has been no change in the size of the nodule.", "nodule"),
        ("No increase in the pleural effusion.", "pleural effusion"),
        ("This is not only a matter of pain control.", "pain control"),
        ("Gram negative rods were isolated from the blood culture.", "rods"),
        ("She tolerated the procedure without difficulty.", "procedure"),
        ("Anticoagulation did not cause bleeding.", "bleeding"),
        ("MR brain with and without contrast shows a mass.", "mass"),
        ("Measurements not obtainable; chest pain on exertion.", "chest pain"),
    ],
)
def test_pseudo_triggers_do_not_negate(sentence: str, target: str) -> None:
    assert not ctx(sentence, target).negated


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("No fever but she has a productive cough.", "productive cough"),
        ("He denies chest pain, however he reports dyspnea on exertion.", "dyspnea"),
        ("No edema; crackles at both bases.", "crackles"),
        ("No pain although she has swelling of the ankle.", "swelling"),
        ("No fracture, which is reassuring given the fall and the hematoma.", "hematoma"),
        ("Aside from the headache, she denies other complaints.", "headache"),
        ("No effusion (compared with the prior study) and mild cardiomegaly.", "cardiomegaly"),
    ],
)
def test_terminators_end_the_scope(sentence: str, target: str) -> None:
    assert not ctx(sentence, target).negated


def test_forward_scope_is_a_token_window() -> None:
    near = "No acute findings in the chest and in particular pneumonia."
    assert ctx(near, "pneumonia").negated
    far = (
        "No fever was recorded overnight by the nursing staff on the ward during the long "
        "shift, and today the chest film shows a consolidation of the right lower lobe."
    )
    assert not ctx(far, "consolidation").negated


def test_trigger_after_target_only_when_backward() -> None:
    # "no" is a forward trigger: it does not reach back to the cough
    assert not ctx("Cough is present, no fever.", "Cough").negated
    # "is not seen" is a backward trigger: it does
    assert ctx("A pneumothorax is not seen.", "pneumothorax").negated


def test_affirmed_mention_has_no_flags() -> None:
    result = ctx("The patient presents with chest pain radiating to the left arm.", "chest pain")
    assert result == ContextAssertion()
    assert result.affirmed


# --------------------------------------------------------------------------- other categories


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("Possible pneumonia in the right lower lobe.", "pneumonia"),
        ("Findings are suspicious for malignancy.", "malignancy"),
        ("Pulmonary embolism cannot be excluded.", "Pulmonary embolism"),
        ("CT chest to rule out aortic dissection.", "aortic dissection"),
        ("R/O myocardial infarction.", "myocardial infarction"),
        ("Questionable early appendicitis.", "appendicitis"),
        ("This may represent a small infarct.", "infarct"),
        ("Chest x-ray: ? pneumonia.", "pneumonia"),
    ],
)
def test_uncertain(sentence: str, target: str) -> None:
    result = ctx(sentence, target)
    assert result.uncertain, result
    assert not result.negated


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("She has a history of atrial fibrillation.", "atrial fibrillation"),
        ("PMH: hypertension, diabetes mellitus, and hyperlipidemia.", "hyperlipidemia"),
        ("Past medical history is significant for asthma and gout.", "gout"),
        ("Status post total abdominal hysterectomy in 1996.", "total abdominal hysterectomy"),
        ("He is s/p CABG.", "CABG"),
        ("Prior myocardial infarction.", "myocardial infarction"),
        ("She had a DVT 5 years ago.", "DVT"),
        ("He also has a history of hiatal hernia in the past.", "hiatal hernia"),
        ("SOCIAL HISTORY: Denies any alcohol, tobacco or illicit drug use.", "tobacco"),
        ("Old rib fracture on the left.", "rib fracture"),
    ],
)
def test_historical(sentence: str, target: str) -> None:
    result = ctx(sentence, target)
    assert result.historical, result


def test_history_of_present_illness_and_recent_durations_are_not_historical() -> None:
    sentence = (
        "HISTORY OF PRESENT ILLNESS: 54-year-old man with a history of diabetes who presents "
        "with a two-day history of chest pain."
    )
    assert ctx(sentence, "diabetes").historical
    assert not ctx(sentence, "chest pain").historical
    assert not ctx("HISTORY OF PRESENT ILLNESS: Fever and cough.", "Fever").historical


def test_negated_history() -> None:
    result = ctx("She has no history of coronary artery disease.", "coronary artery disease")
    assert result.negated and result.historical


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("Return to the emergency department if chest pain recurs.", "chest pain"),
        ("Call if you develop fever or chills.", "fever"),
        ("Should she develop shortness of breath, she will return.", "shortness of breath"),
        ("Naloxone is available in case of respiratory depression.", "respiratory depression"),
        ("Acetaminophen as needed for pain.", "pain"),
    ],
)
def test_hypothetical(sentence: str, target: str) -> None:
    result = ctx(sentence, target)
    assert result.hypothetical, result
    assert not result.negated


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("Mother with breast cancer.", "breast cancer"),
        ("Family history of colon cancer.", "colon cancer"),
        ("FHx: father had a myocardial infarction at 52.", "myocardial infarction"),
        ("Her sister has type 1 diabetes.", "type 1 diabetes"),
        ("Ovarian cancer in her maternal aunt.", "Ovarian cancer"),
    ],
)
def test_family(sentence: str, target: str) -> None:
    result = ctx(sentence, target)
    assert result.family, result
    assert not result.affirmed


def test_family_scope_ends_at_the_patient() -> None:
    sentence = "Mother has hypertension; the patient has asthma."
    assert ctx(sentence, "hypertension").family
    assert not ctx(sentence, "asthma").family
    assert not ctx("She lives with her mother and has asthma.", "asthma").family


def test_trigger_phrases_are_reported_as_written() -> None:
    result = ctx("PATIENT  DENIES   FEVER.", "FEVER")
    assert result.triggers == {"negated": "DENIES"}


def test_trigger_inside_the_target_is_ignored() -> None:
    sentence = "Family history reviewed; no known drug allergies."
    result = ctx(sentence, "Family history")
    assert not result.family and not result.negated


def test_unicode_and_odd_whitespace() -> None:
    sentence = "İ\u00a0No\u2003fever\tor\nchills."
    assert ctx(sentence, "chills").negated


# --------------------------------------------------------------------------- documents


def _entity(text: str, phrase: str, occurrence: int = 0) -> Entity:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(phrase, start + 1)
    return Entity(
        text=phrase,
        start=start,
        end=start + len(phrase),
        category=EntityCategory.condition,
        preferred=phrase.lower(),
    )


NOTE = (
    "HPI: Patient denies chest pain. She reports dyspnea.\n"
    "PAST MEDICAL HISTORY: Hypertension. Asthma.\n"
    "FAMILY HISTORY: Diabetes. Stroke.\n"
    "PLAN: Return if fever."
)


def _sentences(text: str) -> list[Span]:
    spans, start = [], 0
    for i, ch in enumerate(text):
        if ch in ".\n":
            if text[start:i].strip():
                spans.append(Span(start=start, end=i + 1))
            start = i + 1
    return spans


def _sections(text: str) -> list[Section]:
    heads = [
        ("hpi", "HPI:"),
        ("pmh", "PAST MEDICAL HISTORY:"),
        ("family_history", "FAMILY HISTORY:"),
        ("plan", "PLAN:"),
    ]
    found = []
    for i, (name, header) in enumerate(heads):
        start = text.index(header)
        end = text.index(heads[i + 1][1]) if i + 1 < len(heads) else len(text)
        found.append(
            Section(name=name, header=header, start=start, body_start=start + len(header), end=end)
        )
    return found


def test_apply_context_sets_every_entity_and_section_context() -> None:
    entities = [
        _entity(NOTE, "chest pain"),
        _entity(NOTE, "dyspnea"),
        _entity(NOTE, "Hypertension"),
        _entity(NOTE, "Asthma"),
        _entity(NOTE, "Diabetes"),
        _entity(NOTE, "Stroke"),
        _entity(NOTE, "fever"),
    ]
    apply_context(NOTE, _sentences(NOTE), _sections(NOTE), entities)
    by = {e.text: e.context for e in entities}
    assert by["chest pain"].negated and not by["chest pain"].historical
    assert by["dyspnea"] == ContextAssertion()
    # "Asthma." is its own sentence: only the section says it is history
    assert by["Asthma"].historical and by["Asthma"].triggers["historical"] == "section:pmh"
    assert by["Hypertension"].historical
    assert by["Diabetes"].family  # the header is in its sentence
    assert by["Stroke"].family and by["Stroke"].triggers["family"] == "section:family_history"
    assert by["fever"].hypothetical and not by["fever"].family


def test_apply_context_without_sentences_or_sections_uses_a_local_window() -> None:
    text = "Chest pain resolved. No fever. Cough persists."
    entities = [_entity(text, "fever"), _entity(text, "Cough")]
    apply_context(text, [], [], entities)
    assert entities[0].context.negated
    assert not entities[1].context.negated


def test_context_for_span_matches_apply_context() -> None:
    sentences, sections = _sentences(NOTE), _sections(NOTE)
    entity = _entity(NOTE, "chest pain")
    apply_context(NOTE, sentences, sections, [entity])
    assert context_for_span(NOTE, sentences, sections, entity.start, entity.end) == entity.context


def test_each_entity_sees_its_own_sentence_even_when_another_overlaps_triggers() -> None:
    text = "In no acute distress. Acute distress noted later."
    first, second = _entity(text, "acute distress"), _entity(text, "Acute distress")
    apply_context(text, _sentences(text), [], [first, second])
    assert first.context.negated and not second.context.negated


# --------------------------------------------------------------------------- input errors


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (5, 2), (0, 999), (1.5, 3)])
def test_bad_offsets_raise_input_error(start: object, end: object) -> None:
    with pytest.raises(InputError):
        classify_context("No fever.", start, end)  # type: ignore[arg-type]


def test_non_string_raises_input_error() -> None:
    with pytest.raises(InputError):
        classify_context(None, 0, 0)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        apply_context(b"bytes", [], [], [])  # type: ignore[arg-type]


def test_empty_sentence_and_empty_target() -> None:
    assert classify_context("", 0, 0) == ContextAssertion()
    assert classify_context("No fever.", 0, 0) == ContextAssertion()


def test_pathological_input_is_fast() -> None:
    sentence = ("no " * 5000) + "fever" + (" ?" * 5000)
    t0 = time.perf_counter()
    result = classify_context(sentence, 15000, 15005)
    assert time.perf_counter() - t0 < 2.0
    assert result.negated


# --------------------------------------------------------------------------- rule loader


def test_packaged_rules_load_and_state_their_source() -> None:
    rules = load_rules()
    assert len(rules.rules) > 300
    raw = json.loads(
        (
            Path(__file__).resolve().parents[2] / "src/medassist/text/rules/context_rules.json"
        ).read_text()
    )
    assert "medspaCy" in raw["_meta"]["source"] and "NegEx" in raw["_meta"]["source"]
    categories = {r.category for r in rules.rules}
    assert {
        "NEGATED_EXISTENCE",
        "POSSIBLE_EXISTENCE",
        "HISTORICAL",
        "HYPOTHETICAL",
        "FAMILY",
    } <= categories


def _doc(**rule: object) -> dict[str, object]:
    base: dict[str, object] = {
        "category": "NEGATED_EXISTENCE",
        "literal": "no",
        "direction": "FORWARD",
    }
    base.update(rule)
    return {"context_rules": [base]}


@pytest.mark.parametrize(
    "document",
    [
        _doc(scope=3),  # unknown key
        _doc(category="NEGATION"),
        _doc(direction="FORWARDS"),
        _doc(literal="No"),  # literals are lower case
        _doc(literal=""),
        _doc(pattern="(no"),  # invalid regex
        _doc(pattern="(n)o"),  # capturing group
        _doc(pattern="none"),  # does not match its literal
        _doc(max_scope=-1),
        _doc(max_scope=True),
        _doc(category="ANY"),  # ANY only terminates or blocks
        _doc(pattern="(?:a )*no"),  # unbounded group repeat: quadratic on "a a a ..."
        {"context_rules": []},
        {"context_rules": [], "extra": 1},
        {"context_rules": [{"category": "FAMILY"}]},
        ["not", "an", "object"],
    ],
)
def test_strict_loader_rejects_bad_rules(document: object) -> None:
    with pytest.raises(ConfigurationError):
        parse_rules(document)


def test_custom_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(
        json.dumps(
            {
                "context_rules": [
                    {
                        "category": "NEGATED_EXISTENCE",
                        "literal": "sans",
                        "direction": "FORWARD",
                        "max_scope": 2,
                    },
                    {"category": "ANY", "literal": "mais", "direction": "TERMINATE"},
                ]
            }
        )
    )
    rules = load_rules(path)
    sentence = "sans fièvre mais toux"
    triggers = find_triggers(sentence, rules)
    assert [(sentence[t.start : t.end], t.rules[0].direction) for t in triggers] == [
        ("sans", "FORWARD"),
        ("mais", "TERMINATE"),
    ]
    with pytest.raises(ConfigurationError):
        load_rules(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigurationError):
        load_rules(tmp_path / "bad.json")


def test_speed_per_target() -> None:
    sentence = "She denies fever, chills, night sweats, weight loss, nausea, or dysuria."
    start = sentence.index("dysuria")
    classify_context(sentence, start, start + 7)
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        classify_context(sentence, start, start + 7)
    per_target_us = (time.perf_counter() - t0) / n * 1e6
    assert per_target_us < 500  # generous for a shared CI machine; ~20 µs measured


def test_any_text_and_offsets_give_an_assertion_or_input_error() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    words = st.sampled_from(
        [
            "no",
            "not",
            "denies",
            "history of",
            "?",
            ";",
            "but",
            "mother",
            "if",
            "s/p",
            "fever",
            ",",
            ".",
            "\n",
            "ALL CAPS",
            "İ",
            "\u00a0",
            "was ruled out",
            "negative",
            "free",
            "(",
            ")",
        ]
    )

    @settings(max_examples=300, deadline=None)
    @given(st.lists(words, max_size=40).map(" ".join), st.integers(-2, 400), st.integers(-2, 400))
    def check(sentence: str, start: int, end: int) -> None:
        if 0 <= start <= end <= len(sentence):
            result = classify_context(sentence, start, end)
            assert isinstance(result, ContextAssertion)
            assert set(result.triggers) <= {
                "negated",
                "uncertain",
                "historical",
                "hypothetical",
                "family",
            }
            for flag, phrase in result.triggers.items():
                assert getattr(result, flag) and phrase
        else:
            with pytest.raises(InputError):
                classify_context(sentence, start, end)

    check()


@pytest.mark.parametrize(
    ("sentence", "target", "flag", "expected"),
    [
        (
            "Fluid studies were negative for an infectious or malignant cause.",
            "malignant",
            "negated",
            True,
        ),
        ("His history is void of any stroke or bleeding.", "bleeding", "negated", True),
        ("Fever was denied.", "Fever", "negated", True),
        ("Pulmonary embolism ruled out.", "Pulmonary embolism", "negated", True),
        (
            "She is not currently on mechanical ventilation.",
            "mechanical ventilation",
            "negated",
            True,
        ),
        (
            "Review was negative for nausea, dyspnea (SOB), pain while taking a breath, cough.",
            "cough",
            "negated",
            True,
        ),
        (
            "No history of stroke, he had heavy bleeding after an extraction.",
            "bleeding",
            "negated",
            False,
        ),
        ("The ECG was not entirely convincing of STEMI.", "STEMI", "uncertain", True),
        ("The ECG was not consistent with pericarditis.", "pericarditis", "negated", True),
        (
            "Screening for metastatic infection was recommended.",
            "metastatic infection",
            "hypothetical",
            True,
        ),
        ("The child has eczema.", "eczema", "family", False),
        ("Her mother says the child has eczema.", "eczema", "family", False),
        ("Her child has asthma.", "asthma", "family", True),
        ("Cultures (negative) were sent.", "Cultures", "negated", True),
    ],
)
def test_rules_added_for_the_calculators(
    sentence: str, target: str, flag: str, expected: bool
) -> None:
    assert getattr(ctx(sentence, target), flag) is expected


def test_optional_rule_prefixes_are_indexed() -> None:
    """A rule whose pattern starts with an optional part is found from its first token."""
    from medassist.text.context_rules import _prefixes

    assert {"is ", "are", "-ve"} <= set(_prefixes(r"(?:is |are )?-ve for") or ())
    trigger = find_triggers("Swab was -ve for strep.")
    assert [t.start for t in trigger if t.rules[0].category == "NEGATED_EXISTENCE"]


def test_classify_spans_matches_classify_context() -> None:
    text = "Denies fever. Mother has diabetes. Possible pneumonia."
    spans = [(text.index(w), text.index(w) + len(w)) for w in ("fever", "diabetes", "pneumonia")]
    got = classify_spans(text, spans)
    assert [(c.negated, c.family, c.uncertain) for c in got] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
