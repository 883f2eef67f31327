"""English number words ("fifty-two", "nineteen", "one and a half") as clinical notes write
them: the one number-words table of medassist (``data/number_words.json``, strictly loaded).

``word_value("twenty-four")`` -> 24.0 (None when the text is no number word);
``word_number("52")`` / ``word_number("fifty-two")`` -> 52.0; ``number_word_pattern()`` is a
regex alternation of the words (compounds included, longest first) for readers that need one.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from medassist.errors import ConfigurationError

__all__ = ["ONES", "TENS", "word_number", "word_value", "number_word_pattern"]


class _Meta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str
    source: str
    licence: str


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meta: _Meta = Field(alias="_meta")
    ones: dict[str, int]
    tens: dict[str, int]
    multipliers: dict[str, int]
    fractions: dict[str, float]


def _load() -> _Table:
    raw = resources.files("medassist.text").joinpath("data/number_words.json").read_text("utf-8")
    try:
        return _Table.model_validate(json.loads(raw))
    except ValueError as exc:
        raise ConfigurationError(f"number_words.json is invalid: {exc}") from exc


_TABLE = _load()
ONES: dict[str, int] = dict(_TABLE.ones)
TENS: dict[str, int] = dict(_TABLE.tens)
_SEP = re.compile(r"[\s\-]+")


@lru_cache(maxsize=4096)
def word_value(text: str) -> float | None:
    """The value of a number written in words ("seven", "twenty-four", "one hundred and one",
    "one and a half"); None when ``text`` is not wholly a number word."""
    low = " ".join(text.lower().split())
    if low in _TABLE.fractions:
        return float(_TABLE.fractions[low])
    tokens = [t for t in _SEP.split(low) if t and t != "and"]
    if not tokens:
        return None
    total = current = 0
    for word in tokens:
        if word in ONES:
            current += ONES[word]
        elif word in TENS:
            current += TENS[word]
        elif word in _TABLE.multipliers:
            current = max(current, 1) * _TABLE.multipliers[word]
            if _TABLE.multipliers[word] >= 1000:
                total, current = total + current, 0
        else:
            return None
    return float(total + current)


def word_number(text: str) -> float:
    """The value of a number written in digits or words ("52", "fifty-two", "one hundred and
    one"); 0.0 when neither."""
    tokens = text.lower().replace("-", " ").split()
    if tokens and tokens[0].replace(".", "", 1).isdigit():
        return float(tokens[0])
    value = word_value(text)
    return value if value is not None else 0.0


@lru_cache(maxsize=8)
def number_word_pattern(max_value: int = 99) -> str:
    """A regex alternation (no group, longest first) of the number words up to ``max_value``,
    compounds ("twenty-four", "twenty four") included."""
    words = [w for w, v in ONES.items() if v <= max_value]
    for tens, tv in TENS.items():
        if tv <= max_value:
            words.append(tens)
            words += [
                f"{tens}[- ]?{o}" for o, ov in ONES.items() if 0 < ov < 10 and tv + ov <= max_value
            ]
    words.sort(key=len, reverse=True)
    return "|".join(words)
