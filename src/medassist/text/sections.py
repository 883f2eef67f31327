"""Section detection for clinical notes.

Finds section headers written inline (``"HPI: 54yo man ..."``), on their own line
(``"Assessment"``), or in the all-caps transcription style of MTSamples
(``"HISTORY OF PRESENT ILLNESS:, ..."``) and maps them to canonical names through the
data file ``data/section_headers.tsv``. Unknown all-caps headers followed by a colon open an
``other`` section; body-system sub-headings (``HEENT:``, ``Lungs:``, ``BP:``) stay inside the
section they belong to. Text before the first header is a section named ``preamble`` with
``header=None``; :func:`section_at` reports ``None`` for it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from medassist.schemas.text import Section

__all__ = [
    "CANONICAL_SECTIONS",
    "PREAMBLE",
    "Header",
    "detect_sections",
    "find_headers",
    "section_at",
    "header_variants",
]

PREAMBLE = "preamble"
SUB = "@sub"
CANONICAL_SECTIONS: frozenset[str] = frozenset(
    {
        "chief_complaint",
        "hpi",
        "pmh",
        "psh",
        "medications",
        "allergies",
        "family_history",
        "social_history",
        "ros",
        "exam",
        "vitals",
        "labs",
        "imaging",
        "assessment",
        "plan",
        "assessment_plan",
        "impression",
        "hospital_course",
        "other",
    }
)
# exam body-system sub-headings that, right after a vitals section, resume the exam
_EXAM_SUBS = frozenset(
    [
        "general",
        "general appearance",
        "constitutional",
        "heent",
        "head",
        "eyes",
        "ears",
        "nose",
        "throat",
        "ent",
        "nose and throat",
        "head and neck",
        "mouth",
        "neck",
        "chest",
        "breasts",
        "lungs",
        "respiratory",
        "pulmonary",
        "heart",
        "cardiac",
        "cardiovascular",
        "cv",
        "cvs",
        "abdomen",
        "gastrointestinal",
        "gi",
        "genitourinary",
        "gu",
        "genitalia",
        "pelvic",
        "rectal",
        "back",
        "extremities",
        "ext",
        "musculoskeletal",
        "skin",
        "integumentary",
        "dermatologic",
        "neurologic",
        "neurological",
        "neuro",
        "cns",
        "psychiatric",
        "psych",
        "lymphatic",
        "lymph nodes",
        "motor",
        "sensory",
        "reflexes",
        "gait",
        "mental status",
    ]
)


class Header(NamedTuple):
    """One header occurrence: ``text[start:end]`` is the label (without the colon)."""

    start: int
    end: int  # end of the label
    body_start: int  # first character of the content after the header
    label: str
    canonical: str  # a canonical section name, or "@sub" for a sub-heading


_WS = re.compile(r"\s+")


def _norm(label: str) -> str:
    return _WS.sub(" ", label.strip().lower())


@lru_cache(maxsize=1)
def header_variants() -> dict[str, str]:
    """Normalised header variant -> canonical section name (or ``"@sub"``)."""
    path = resources.files("medassist.text") / "data" / "section_headers.tsv"
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("variant\t"):
            continue
        variant, canonical = line.split("\t")
        canonical = canonical.strip()
        if canonical != SUB and canonical not in CANONICAL_SECTIONS:
            raise ValueError(f"section_headers.tsv: unknown canonical name {canonical!r}")
        out[_norm(variant)] = canonical
    return out


# positions where a header may start: start of a line (after optional bullets) or right after
# sentence punctuation (MTSamples joins sections with ".," or ". ,")
_POSITION = re.compile(
    r"(?:^[ \t]*(?:[#*\u2022-]+[ \t]*)?|(?<=[.,;!?)\]])[ \t,]*)(?=[A-Za-z])", re.M
)
_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9/&'\-]*(?:[ \t]+[A-Za-z0-9/&'\-]+){0,6}?[ \t]*:")
_OWN_LINE = re.compile(
    r"^[ \t]*(?:[#*\u2022-]+[ \t]*)?([A-Za-z][A-Za-z /&'\-]{0,60}?)[ \t]*:?[ \t\r]*$", re.M
)
_BODY_SKIP = re.compile(r"[ \t,]*")
_BODY_SKIP_NL = re.compile(r"[\s,]*")


def _accept(label: str, after: str, colon: bool) -> str | None:
    """The canonical name for a header label, or None when it is not a header."""
    key = _norm(label)
    canonical = header_variants().get(key)
    letters = sum(ch.isalpha() for ch in label)
    if canonical is not None:
        if letters <= 3 and label.islower():
            return None  # short variants (CC, SH, PE, VS, FHx) never all in lower case
        if canonical == SUB and (not colon or after[:1].isdigit()):
            return None  # "BP: 120/80" is a value, not a heading
        return canonical
    if not colon or letters < 3 or label != label.upper():
        return None
    if after[:1].isdigit():
        return None  # "WBC: 12.1" is a value
    return "other"


@lru_cache(maxsize=16)
def find_headers(text: str) -> tuple[Header, ...]:
    """Every header occurrence in ``text``, in order (sub-headings included)."""
    found: dict[int, Header] = {}
    n = len(text)
    for pos_match in _POSITION.finditer(text):
        pos = pos_match.end()
        if pos in found:
            continue
        colon = text.find(":", pos, pos + 90)
        if colon == -1 or "\n" in text[pos:colon]:
            continue  # no colon close by on this line: not a header (cheap pre-check)
        m = _LABEL.match(text, pos)
        if m is None:
            continue
        label_end = m.end() - 1
        label = text[pos:label_end].rstrip()
        body = _BODY_SKIP.match(text, m.end()).end()
        after = text[body : body + 1] if body < n else ""
        canonical = _accept(label, after, colon=True)
        if canonical is not None:
            found[pos] = Header(pos, pos + len(label), body, label, canonical)
    for m in _OWN_LINE.finditer(text):
        pos = m.start(1)
        if pos in found or not m.group(1).strip():
            continue
        label = m.group(1)
        canonical = _accept(label, "", colon=False)
        if canonical is None or canonical == SUB:
            continue
        body = _BODY_SKIP_NL.match(text, m.end()).end()
        found[pos] = Header(pos, pos + len(label), min(body, n), label, canonical)
    return tuple(found[k] for k in sorted(found))


def detect_sections(text: str) -> list[Section]:
    """Split ``text`` into sections; see the module docstring."""
    if not isinstance(text, str):
        from medassist.errors import InputError

        raise InputError("detect_sections expects text (str)")
    starts: list[tuple[Header, str]] = []
    current: str | None = None
    for header in find_headers(text):
        name = header.canonical
        if name == SUB:
            if current == "vitals" and _norm(header.label) in _EXAM_SUBS:
                name = "exam"
            else:
                continue
        starts.append((header, name))
        current = name
    sections: list[Section] = []
    first = starts[0][0].start if starts else len(text)
    lead = len(text[:first]) - len(text[:first].lstrip())
    if text[:first].strip():
        sections.append(Section(name=PREAMBLE, header=None, start=lead, body_start=lead, end=first))
    for i, (header, name) in enumerate(starts):
        end = starts[i + 1][0].start if i + 1 < len(starts) else len(text)
        sections.append(
            Section(
                name=name,
                header=header.label,
                start=header.start,
                body_start=min(header.body_start, end),
                end=end,
            )
        )
    return sections


def section_at(sections: list[Section], offset: int) -> str | None:
    """Canonical name of the section containing ``offset`` (None in the preamble or outside)."""
    lo, hi = 0, len(sections)
    while lo < hi:  # sections are sorted and disjoint: binary search on start
        mid = (lo + hi) // 2
        if sections[mid].start <= offset:
            lo = mid + 1
        else:
            hi = mid
    if lo == 0:
        return None
    section = sections[lo - 1]
    if offset >= section.end or section.name == PREAMBLE:
        return None
    return section.name
