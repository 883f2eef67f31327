"""English number words ("fifty-two", "nineteen") as used in clinical notes."""

from __future__ import annotations

__all__ = ["ONES", "TENS", "word_number"]

ONES: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip


def word_number(text: str) -> float:
    """The value of a number written in digits or words ("52", "fifty-two", "one hundred and one")."""
    tokens = text.lower().replace("-", " ").split()
    if tokens and tokens[0].replace(".", "", 1).isdigit():
        return float(tokens[0])
    total = 0
    for word in tokens:
        if word in TENS:
            total += TENS[word]
        elif word in ONES:
            total += ONES[word]
        elif word == "hundred":
            total = max(total, 1) * 100
    return float(total)
