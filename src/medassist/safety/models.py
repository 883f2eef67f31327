"""Pydantic models returned by the safety layers (their public results)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from medassist.schemas.common import Notice, Span
from medassist.schemas.safety import Finding

__all__ = [
    "GuardedText",
    "SafeText",
    "GroundingItem",
    "GroundingReport",
    "SafeGeneratedText",
    "ValidationReport",
]


class GuardedText(BaseModel):
    """A note that passed the input guard: decoded text plus what the guard noticed.

    ``sha256`` is the hash of the decoded text encoded as UTF-8 (the same note gives the
    same hash whatever its byte encoding); ``byte_length`` is the size of the raw input.
    """

    text: str
    sha256: str
    byte_length: int = Field(ge=0)
    notices: list[Notice] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()


class SafeText(BaseModel):
    """Text after the non-diagnostic layer: ``text`` rewritten, ``findings`` what changed."""

    text: str
    findings: list[Finding] = Field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.findings)


GroundingKind = Literal["entity", "number", "medication", "dose", "claim"]


class GroundingItem(BaseModel):
    """One checked fact of a generated text."""

    text: str
    kind: GroundingKind
    span: Span  # into the generated text
    reason: str
    #: where the fact was found in the source (supported items only)
    source_span: Span | None = None


class GroundingReport(BaseModel):
    supported: list[GroundingItem] = Field(default_factory=list)
    unsupported: list[GroundingItem] = Field(default_factory=list)

    @property
    def unsupported_fraction(self) -> float:
        total = len(self.supported) + len(self.unsupported)
        return len(self.unsupported) / total if total else 0.0

    def findings(self, target: str = "generated") -> list[Finding]:
        from medassist.schemas.common import Severity

        return [
            Finding(
                layer="grounding",
                code=f"unsupported_{item.kind}",
                message=f"{item.kind} not supported by the source: {item.reason}",
                severity=Severity.warning,
                span=item.span,
                target=target,
                action="flagged",
            )
            for item in self.unsupported
        ]


class SafeGeneratedText(BaseModel):
    """A generated text after grounding and non-diagnostic checks."""

    text: str
    findings: list[Finding] = Field(default_factory=list)
    grounding: GroundingReport = Field(default_factory=GroundingReport)
    removed_sentences: int = 0
    abstained: bool = False


class ValidationReport(BaseModel):
    """What clinical validation found: findings and notices (urgent ones first)."""

    findings: list[Finding] = Field(default_factory=list)
    notices: list[Notice] = Field(default_factory=list)
    implausible: list[str] = Field(default_factory=list)  # ids like "vital:0"
    flagged_medications: list[int] = Field(default_factory=list)
