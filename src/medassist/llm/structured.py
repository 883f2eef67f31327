"""Structured output: the schema a backend constrains to, validation after, one repair.

Every model call that feeds a report asks for a JSON schema derived from a pydantic model.
Backends constrain decoding with their own mechanism (llguidance, llama.cpp's JSON-schema
grammar, a server's ``response_format``), and the answer is always validated here with the
same pydantic model, because constraints are partial: llama.cpp's grammar ignores numeric
and length bounds, and a server may not honour ``response_format`` at all. So the schemas of
this project prefer enums and patterns to bounds.
"""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from medassist.llm.errors import StructuredOutputError
from medassist.llm.types import Message

__all__ = [
    "parse_structured",
    "repair_messages",
    "extract_json",
    "describe_errors",
    "schema_shape",
]

T = TypeVar("T", bound=BaseModel)


def extract_json(text: str) -> str:
    """The JSON object in ``text``: the whole text, or inside a code fence, or the outermost braces."""
    stripped = text.strip()
    if stripped.startswith("```"):
        body = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        stripped = body.rsplit("```", 1)[0].strip()
    if stripped.startswith("{"):
        return stripped
    start = stripped.find("{")
    end = stripped.rfind("}")
    if start == -1 or end <= start:
        raise ValueError("no JSON object in the model output")
    return stripped[start : end + 1]


def describe_errors(error: Exception) -> str:
    """Where the output failed validation (locations and types, never the values)."""
    if isinstance(error, ValidationError):
        parts = []
        for e in error.errors(include_input=False, include_url=False)[:8]:
            loc = ".".join(str(p) for p in e["loc"]) or "(root)"
            parts.append(f"{loc}: {e['msg']}")
        more = len(error.errors()) - len(parts)
        return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON ({error.msg} at character {error.pos})"
    return str(error)


def parse_structured(
    text: str,
    schema: type[T],
    *,
    after_repair: bool = False,
    first: Exception | None = None,
) -> T:
    """Validate ``text`` against ``schema``; after the repair attempt a failure is final."""
    try:
        # strict=False: a raw newline inside a string is tolerated (grammars may allow it)
        return schema.model_validate(json.loads(extract_json(text), strict=False))
    except (ValidationError, ValueError) as exc:
        if not after_repair:
            raise
        reasons = describe_errors(exc)
        before = f" (first attempt: {describe_errors(first)})" if first is not None else ""
        raise StructuredOutputError(
            f"the model's answer does not match the {schema.__name__} schema after one repair "
            f"attempt: {reasons}{before}",
            schema=schema.__name__,
        ) from None


def schema_shape(schema: type[BaseModel]) -> str:
    """A compact example of the JSON a schema wants (a few tokens, unlike the schema itself):
    enums as ``a|b``, strings as ``"..."``, lists with one item."""
    root = schema.model_json_schema()
    defs = root.get("$defs", {})

    def shape(node: dict) -> object:
        if "$ref" in node:
            return shape(defs[node["$ref"].rsplit("/", 1)[1]])
        if "enum" in node:
            return "|".join(str(v) for v in node["enum"])
        if "const" in node:
            return node["const"]
        if "anyOf" in node:
            return shape(next(n for n in node["anyOf"] if n.get("type") != "null"))
        kind = node.get("type")
        if kind == "object":
            return {k: shape(v) for k, v in node.get("properties", {}).items()}
        if kind == "array":
            return [shape(node.get("items", {}))]
        if kind in ("integer", "number"):
            return 0
        if kind == "boolean":
            return False
        return "..."

    return json.dumps(shape(root), ensure_ascii=False)


def repair_messages(
    messages: list[Message], bad_output: str, error: Exception, schema: type[BaseModel]
) -> list[Message]:
    """The conversation plus the wrong answer and a user turn that names what was wrong."""
    instruction = (
        "Your previous answer did not match the required JSON schema: "
        f"{describe_errors(error)}. Answer again with only one JSON object of this shape, "
        f"with no other text: {schema_shape(schema)}"
    )
    return [
        *messages,
        Message(role="assistant", content=bad_output[:4000]),
        Message(role="user", content=instruction),
    ]
