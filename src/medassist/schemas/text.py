"""Output models of the clinical text engine."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from medassist.schemas.common import Notice, Span
from medassist.schemas.safety import SafetySection, require_all_layers

__all__ = [
    "EntityCategory",
    "ContextAssertion",
    "Entity",
    "Finding",
    "Medication",
    "Measurement",
    "Demographics",
    "Allergen",
    "Allergies",
    "Section",
    "Summary",
    "TextExtraction",
    "TextAnalysis",
]


class EntityCategory(StrEnum):
    symptom = "symptom"  # symptoms and signs
    condition = "condition"
    medication = "medication"
    procedure = "procedure"


class ContextAssertion(BaseModel):
    """Context of one mention. All False means: affirmed, current, about the patient."""

    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    hypothetical: bool = False
    family: bool = False
    #: a usual or baseline state ("normally A&Ox3", "at baseline"), not necessarily the present
    #: one; it does not change ``affirmed``: a reader of the current state checks it
    baseline: bool = False
    #: the trigger phrases that set the flags, e.g. {"negated": "denies"}
    triggers: dict[str, str] = Field(default_factory=dict)

    @property
    def affirmed(self) -> bool:
        return not (self.negated or self.uncertain or self.hypothetical or self.family)


class Entity(BaseModel):
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    category: EntityCategory
    #: the canonical (preferred) name from the lexicon, e.g. "shortness of breath" for "SOB"
    preferred: str
    #: code system and code: ICD-10-CM for conditions/symptoms, DrugBank for drugs, none otherwise
    code_system: str | None = None
    code: str | None = None
    #: the vocabulary the mention was found with: core (the hand lexicon), abbreviations,
    #: icd10cm, hpo; drugs for drug mentions; None when not said
    vocabulary: str | None = None
    section: str | None = None
    context: ContextAssertion = Field(default_factory=ContextAssertion)
    #: further identical mentions in the note that the report does not list (a repetitive
    #: note is folded: see medassist.text.repeats); 0 for most mentions
    repeats: int = Field(default=0, ge=0)


class Medication(BaseModel):
    name: str  # canonical generic name when known, else as written
    text: str  # the source mention
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    drugbank_id: str | None = None
    dose: float | None = None
    dose_max: float | None = None  # upper end of a range ("1-2 tabs")
    unit: str | None = None
    #: strength of a combination product, one number per component, normalised:
    #: "sacubitril/valsartan 49/51 mg" -> "49/51 mg", "Percocet 5/325" -> "5/325"
    strength: str | None = None
    route: str | None = None
    frequency: str | None = None  # normalised, e.g. "BID", "q6h", "daily"
    as_needed: bool = False
    prn_reason: str | None = None
    duration: str | None = None
    status: Literal["active", "started", "stopped", "continued", "held", "changed", "unknown"] = (
        "unknown"
    )
    section: str | None = None
    context: ContextAssertion = Field(default_factory=ContextAssertion)
    #: named as something the patient is allergic to (allergies section, "allergic to X"):
    #: an allergen, not a medication taken
    allergen: bool = False
    #: further identical mentions in the note that the report does not list (a repetitive
    #: note is folded: see medassist.text.repeats); 0 for most mentions
    repeats: int = Field(default=0, ge=0)


class Measurement(BaseModel):
    """A vital sign or laboratory value.

    ``value``/``unit`` are as written; ``normalized_value``/``normalized_unit`` are in
    the canonical unit of that measurement (e.g. °C, kg, cm, mg/dL for creatinine).
    """

    kind: Literal["vital", "lab"]
    name: str  # canonical key, e.g. "heart_rate", "sbp", "dbp", "temperature", "spo2", "creatinine"
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    value: float | None = None
    unit: str | None = None
    normalized_value: float | None = None
    normalized_unit: str | None = None
    value_text: str | None = None  # non-numeric values: "alert", "room air", "V"
    loinc: str | None = None
    plausible: bool = True
    plausibility_note: str | None = None
    qualifiers: dict[str, Any] = Field(default_factory=dict)  # e.g. {"oxygen": "room air"}
    #: when the value was taken, as the note says ("peaked at", "on admission", "at discharge")
    time_point: Literal[
        "admission", "peak", "nadir", "baseline", "discharge", "latest", "unknown"
    ] = "unknown"
    #: the most recent value of this measurement in the note (one per name): what a
    #: calculator uses unless its definition asks for a peak, a nadir or a baseline
    current: bool = False
    #: further identical mentions in the note that the report does not list (a repetitive
    #: note is folded: see medassist.text.repeats); 0 for most mentions
    repeats: int = Field(default=0, ge=0)


class Demographics(BaseModel):
    age: float | None = None  # years
    age_text: str | None = None
    age_span: tuple[int, int] | None = None
    sex: Literal["female", "male"] | None = None
    sex_text: str | None = None
    sex_span: tuple[int, int] | None = None
    #: "stated" (a sex noun, title, field or "45M"-style letter) or "inferred" (pronouns or
    #: female-only terms: a weak inference, shown as such); None when sex is unknown
    sex_basis: Literal["stated", "inferred"] | None = None
    #: disagreements found in the note, e.g. "age: 54 years ('54-year-old') vs 56 years ('56 yo')";
    #: the first statement is kept in ``age``/``sex``
    conflicts: list[str] = Field(default_factory=list)


class Allergen(BaseModel):
    """One substance the note says the patient is allergic or intolerant to."""

    #: the substance: the canonical drug name when it is a known drug, else as written
    substance: str
    text: str  # the source item, e.g. "Penicillin (rash)"
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    #: the reaction when the note gives one ("rash", "anaphylaxis")
    reaction: str | None = None
    drugbank_id: str | None = None


class Allergies(BaseModel):
    """The allergy reading of a note: allergens, or an explicit "no known allergies" state.

    ``documented`` is False when the note says nothing about allergies (then neither the
    allergens nor ``no_known`` are set): absence of evidence, not "no allergies"."""

    documented: bool = False
    #: "drug" for NKDA / "no known drug allergies", "food" for NKFA, "any" for NKA / "no known
    #: allergies" / "Allergies: nil|none"
    no_known: Literal["drug", "food", "any"] | None = None
    no_known_text: str | None = None
    no_known_span: tuple[int, int] | None = None
    allergens: list[Allergen] = Field(default_factory=list)


class Section(BaseModel):
    name: str  # canonical: chief_complaint, hpi, pmh, psh, medications, allergies, family_history,
    # social_history, ros, exam, labs, imaging, assessment, plan, assessment_plan, impression, other
    header: str | None  # header as written, None for text before the first header
    start: int = Field(ge=0)  # start of the header (or of the body when header is None)
    body_start: int = Field(ge=0)
    end: int = Field(ge=0)


class Summary(BaseModel):
    """Non-diagnostic summary built only from extracted facts."""

    text: str
    sentences: list[str] = Field(default_factory=list)
    suggested_next_steps: list[str] = Field(default_factory=list)


class Finding(BaseModel):
    """A clinical cue found by a text rule (``text/rules/finding_rules.json``), with its context.

    The calculators read criteria from these ("labile INR", "pleuritic chest pain", the ECG
    sentence) instead of re-reading the note. ``groups`` holds a match rule's capture groups;
    ``qualifiers`` holds what the rule file's hedge rules say about the mention: ``hedged``
    (only feared, excluded or in a differential), ``negated_list`` (a later item of a list
    headed by a negation), ``excluded_after`` (a phrase after it discards it, e.g. a drug-
    induced blood-pressure rise), ``self_negated`` (the phrase holds its own negation)."""

    rule: str
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    source: Literal["pattern", "entity"] = "pattern"
    context: ContextAssertion = Field(default_factory=ContextAssertion)
    groups: list[str | None] = Field(default_factory=list)
    qualifiers: list[str] = Field(default_factory=list)
    #: a value reader's result (``value.*`` rules): the value in its canonical unit and a
    #: structured reading when it has several parts (an opioid dose, a steroid conversion)
    value: float | str | bool | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    note: str | None = None


class TextExtraction(BaseModel):
    """What the text engine and the calculators produce, before the safety layers run."""

    text_length: int
    sections: list[Section] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    medications: list[Medication] = Field(default_factory=list)
    #: drugs named as allergies ("Allergies: penicillin", "allergic to sulfa"), kept out of
    #: ``medications`` so that no consumer reads them as taken
    allergens: list[Medication] = Field(default_factory=list)
    #: the allergy reading: every allergen (drugs and others, with reactions) or the explicit
    #: "no known (drug) allergies" state (:mod:`medassist.text.allergies`)
    allergies: Allergies = Field(default_factory=Allergies)
    vitals: list[Measurement] = Field(default_factory=list)
    labs: list[Measurement] = Field(default_factory=list)
    demographics: Demographics = Field(default_factory=Demographics)
    #: the note's sentences (the text engine's splitter), shared by every consumer
    sentences: list[Span] = Field(default_factory=list)
    #: clinical cues of the finding rules, each with its span and context (one reading)
    findings: list[Finding] = Field(default_factory=list)
    summary: Summary = Field(default_factory=lambda: Summary(text=""))
    scores: list[Any] = Field(default_factory=list)  # list[medassist.risk.ScoreResult]
    notices: list[Notice] = Field(default_factory=list)


class TextAnalysis(TextExtraction):
    """The report: an extraction that has passed through every safety layer."""

    safety: SafetySection

    @field_validator("safety")
    @classmethod
    def _all_safety_layers(cls, value: SafetySection) -> SafetySection:
        return require_all_layers(value)
