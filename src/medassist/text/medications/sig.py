"""Parse the sig next to one drug mention: dose, unit, route, frequency, PRN, duration."""

from __future__ import annotations

import re
from dataclasses import dataclass

from medassist.text.medications.dose import (
    _BARE_COUNT,
    _BEFORE_DOSE,
    _COUNT_AFTER,
    _COUNT_UNITS,
    _HEAD,
    _LOOSE_HEAD,
    _MASS_UNITS,
    _NAME_NUMBER,
    _number,
    normalize_unit,
)
from medassist.text.medications.sig_terms import (
    _ARTICLE,
    _DURATION,
    _DURATION_DENOMINATOR,
    _DURATION_HINTS,
    _DURATION_NUMBER,
    _DURATION_UNIT,
    _FREQ,
    _FREQ_CONST,
    _FREQ_KIND,
    _IV_HINT,
    _PRN,
    _PRN_HINTS,
    _REASON_GAP,
    _REASON_STOP,
    _REASON_WORD,
    _ROUTE_BEFORE,
    _ROUTE_BEFORE_NORMAL,
    _ROUTE_NAME,
    _ROUTE_RE,
    _WORD_INT,
)


@dataclass(slots=True)
class Sig:
    """The parsed instructions around one medication mention."""

    dose: float | None = None
    dose_max: float | None = None
    unit: str | None = None
    route: str | None = None
    frequency: str | None = None
    as_needed: bool = False
    prn_reason: str | None = None
    duration: str | None = None
    #: where the dose came from: "head" (right after the name), "loose" (after linking words),
    #: "count" (a bare count: "two puffs"), "before" ("81 mg aspirin"), "combo" (5/325)
    source: str | None = None
    #: the dose's span, in ``after`` (or in ``before`` for source "before")
    span: tuple[int, int] | None = None
    #: a combination strength ("49/51 mg", "5/325")
    strength: str | None = None


_COMBO_SPLIT = re.compile(r"\s*/\s*")

#: a new list item: a comma, "and" or "+" followed by a word that does not continue a sig
_ITEM_BREAK = re.compile(r"(?:,|\s(?:and|&|\+))\s*(?=[A-Za-z])", re.IGNORECASE)
_SIG_LEAD = re.compile(
    r"(?:as|for|with|then|which|that|was|were|is|are|has|had|have|been|given|take|taking|"
    r"each|every|at|in|on|per|by|via|until|up|to|max|maximum|not|no|total|dose|doses|if|when|"
    r"one|two|three|four|five|half|tabs?|tablets?|caps?|capsules?|puffs?|drops?|sprays?|"
    r"daily|nightly|twice|once|x|hold|held|titrate|increase|decrease|taper|wean|start|stop|"
    r"continue|resume|do|please|may|can|repeat|alternat\w*|use|apply|inject|instill|inhale|"
    r"chew|dissolve|sliding|scale|before|after|prior|mix|dilute)\b",
    re.IGNORECASE,
)


_PRN_BEFORE = re.compile(r"(?:p\.?\s?r\.?\s?n\.?|as\s+needed)\s*$", re.IGNORECASE)


def item_end(after: str) -> int:
    """Where the text after a name leaves its sig for the next list item (``len(after)`` if it
    does not): "aspirin 75 mg od, GTN spray prn" ends before ", GTN"; "metformin 500 mg, with
    meals" and "Coumadin, which was held" go on."""
    lowered = None
    for match in _ITEM_BREAK.finditer(after):
        pos = match.end()
        if _PRN_BEFORE.search(after, 0, match.start()):
            continue  # "p.r.n., pain": the reason follows
        if _SIG_LEAD.match(after, pos) or _ROUTE_RE.match(after, pos) or _PRN.match(after, pos):
            continue
        if lowered is None:
            lowered = after.lower()
        if _FREQ.match(lowered, pos) or _DURATION.match(after, pos):
            continue
        return match.start()
    return len(after)


def normalize_frequency(text: str) -> str | None:
    """Normalised frequency of a phrase (``b.i.d.`` -> ``BID``, ``every 6 hours`` -> ``q6h``)."""
    match = _FREQ.search(text.lower())
    return _frequency(match) if match else None


def _to_int(word: str | None) -> int | None:
    if word is None:
        return None
    word = word.lower()
    if word.isdigit():
        return int(word)
    return _WORD_INT.get(word)


def _frequency(match: re.Match[str]) -> str | None:
    name = match.lastgroup or ""
    kind = _FREQ_KIND[name]
    if kind.startswith("="):
        return kind[1:]
    if kind in _FREQ_CONST:
        return _FREQ_CONST[kind]
    prefix = f"x{name[1:]}_"
    groups = {
        k[len(prefix) :]: v
        for k, v in match.groupdict().items()
        if v is not None and k.startswith(prefix)
    }
    if kind == "qrange":
        return f"q{_to_int(groups.get('a'))}-{_to_int(groups.get('b'))}h"
    if kind == "qh":
        hours = _to_int(groups.get("a"))
        return "daily" if hours == 24 else f"q{hours}h"
    if kind == "qmin":
        return f"q{groups.get('a') or groups.get('b')}min"
    if kind == "every_n":
        n = _to_int(groups.get("a") or groups.get("b"))
        unit = (groups.get("u") or groups.get("v") or "").lower()
        unit = {"d": "days", "wk": "weeks", "wks": "weeks"}.get(unit, unit)
        return f"every {n} {unit}" if n and n > 1 else unit.rstrip("s") + "ly"
    return None


def _prn_reason(after: str) -> str | None:
    text = after.lstrip(" ,:-–")
    comma = "," in after[: len(after) - len(text)]
    lowered = text.lower()
    for lead in ("for ", "of "):
        if lowered.startswith(lead):
            text = text[len(lead) :]
            break
    words: list[str] = []
    pos = 0
    while len(words) < 4:
        match = _REASON_WORD.match(text, pos)
        if match is None:
            break
        word = match.group()
        if word.lower() in _REASON_STOP and not (words and word.lower() in ("and", "or")):
            break
        words.append(word)
        pos = match.end()
        gap = _REASON_GAP.match(text, pos)
        if gap is None:
            break
        pos = gap.end()
    while words and words[-1].lower() in ("and", "or", "of", "the"):
        words.pop()
    if not words:
        return None
    if text[pos:].lstrip().startswith(":") or (comma and words[0][:1].isupper()):
        return None  # a heading follows ("p.r.n.,ALLERGIES:"), not a reason
    return " ".join(words)


def _duration(window: str) -> tuple[str, int, int] | None:
    """The normalised duration ("7 days") and its span in ``window``."""
    for match in _DURATION.finditer(window):
        short_n = match.group("sn") or match.group("pn")
        if short_n is not None:  # "3/7", "6/52", "for 3/12"
            unit_norm = _DURATION_DENOMINATOR[match.group("sd") or match.group("pd")]
            n = int(short_n)
            if n == 0:
                continue
            return f"{n} {unit_norm.rstrip('s') if n == 1 else unit_norm}", *match.span()
        number = match.group("n") or match.group("n2")
        unit = match.group("u") or match.group("u2")
        if number is None:
            # "for a week" counts as one week; "for days" has no number
            if unit is None or unit.lower() == "d" or not _ARTICLE.search(match.group(0)):
                continue
            number = "1"
        n = int(number) if number.isdigit() else _DURATION_NUMBER.get(number.lower())
        if not n:
            continue
        unit_norm = _DURATION_UNIT.get(unit.lower(), unit.lower())
        if unit_norm == "doses" and n == 1:
            continue  # "x1 dose" is a frequency (once)
        if n == 1:
            unit_norm = unit_norm.rstrip("s")
        return f"{n} {unit_norm}", match.start(), match.end()
    return None


def parse_sig(after: str, before: str = "", name: str = "") -> Sig:
    """Parse the text right after a drug name (and the text right before it).

    ``after`` starts right after the name, ``before`` ends right before it, ``name`` is the
    mention itself (a route may be part of it: "fentanyl patch"). The dose is taken only when it
    is adjacent to the name (fillers allowed), never from further away.
    """
    sig = Sig()
    strength: float | None = None
    strength_max: float | None = None
    unit: str | None = None
    rest_at = 0
    combo = False
    # "Isovue-370", "Darvocet-N 100": a number hyphenated to the name belongs to the name
    head = None if _NAME_NUMBER.match(after) else _HEAD.match(after)
    if head is not None and (head.group("n1") or head.group("combo")):
        if head.group("combo"):
            combo = True
            parts = _COMBO_SPLIT.split(head.group("combo").strip())
            written = head.group(0)[head.start("combo") - head.start() :].lower()
            combo_unit = "mcg" if written.rstrip().endswith("mcg") else None
            if combo_unit is None and written.rstrip().endswith("mg"):
                combo_unit = "mg"
            sig.strength = "/".join(f"{_number(p):g}" for p in parts) + (
                f" {combo_unit}" if combo_unit else ""
            )
        else:
            strength = _number(head.group("n1"))
            strength_max = _number(head.group("n2")) if head.group("n2") else None
            unit = normalize_unit(head.group("unit")) if head.group("unit") else None
        rest_at = head.end()
        sig.source = "combo" if combo else "head"
        sig.span = (head.start("combo" if combo else "n1"), head.end())
    else:
        loose = _LOOSE_HEAD.match(after[:60])
        if loose is not None:
            strength = _number(loose.group("n1"))
            strength_max = _number(loose.group("n2")) if loose.group("n2") else None
            unit = normalize_unit(loose.group("unit"))
            rest_at = loose.end()
            sig.source, sig.span = "loose", (loose.start("n1"), loose.end())
        elif (bare := _BARE_COUNT.match(after)) is not None:
            # "Combivent two puffs", "multivitamin one capsule daily"
            strength = _number(bare.group("c1"))
            strength_max = _number(bare.group("c2")) if bare.group("c2") else None
            unit = normalize_unit(bare.group("cunit"))
            rest_at = len(after)  # no further count to look for
            sig.source, sig.span = "count", (bare.start("c1"), bare.end())
        else:
            offset = max(0, len(before) - 40)
            prior = _BEFORE_DOSE.search(before, offset)
            if prior is not None:
                sig.source, sig.span = "before", (prior.start("n1"), prior.end("unit"))
                strength = _number(prior.group("n1"))
                strength_max = _number(prior.group("n2")) if prior.group("n2") else None
                unit = normalize_unit(prior.group("unit"))
    if strength is not None or combo:
        count = _COUNT_AFTER.match(after[rest_at:])
        if count is not None:
            c1 = _number(count.group("c1"))
            c2 = _number(count.group("c2")) if count.group("c2") else None
            cunit = normalize_unit(count.group("cunit")) if count.group("cunit") else "tabs"
            base_unit = unit.split("/")[0] if unit else None
            if combo or strength is None:
                strength, strength_max, unit = c1, c2, cunit
            elif base_unit in _MASS_UNITS and cunit in _COUNT_UNITS:
                multiplier_max = c2 if c2 is not None else None
                strength_max = strength * multiplier_max if multiplier_max is not None else None
                strength = strength * c1
            elif unit is None and (count.group("cunit") is not None):
                # "Tylenol 650 2 tabs": keep the stated strength, unit unknown
                pass
            rest_at += count.end()
    if strength is not None and strength_max is not None and strength_max < strength:
        strength_max = None
    sig.dose, sig.dose_max, sig.unit = strength, strength_max, unit

    window = after
    route = _ROUTE_RE.search(window)
    if route is not None:
        sig.route = _ROUTE_NAME[route.lastgroup or ""]
    if sig.route is None and name:
        in_name = _ROUTE_RE.search(name)  # "fentanyl patch", "nitroglycerin sublingual"
        if in_name is not None:
            sig.route = _ROUTE_NAME[in_name.lastgroup or ""]
    if sig.route is None:
        prior_route = _ROUTE_BEFORE.search(before[-16:])
        if prior_route is not None:
            sig.route = _ROUTE_BEFORE_NORMAL.get(prior_route.group("r").lower())
    if sig.route is None and sig.unit:
        if sig.unit.startswith("puffs"):
            sig.route = "inhaled"
        elif "/hr" in sig.unit or "/min" in sig.unit:
            sig.route = "IV"
    if sig.route is None and _IV_HINT.search(window):
        sig.route = "IV"

    lowered = window.lower()
    prn = _PRN.search(window) if _PRN_HINTS.search(lowered) else None
    freq_window = window
    if prn is not None:
        sig.as_needed = True
        sig.prn_reason = _prn_reason(window[prn.end() :])
        # the reason is not a frequency ("prn pain" has none); search outside it too
        freq_window = window[: prn.start()] + " " * (prn.end() - prn.start()) + window[prn.end() :]
    duration = _duration(window) if _DURATION_HINTS.search(lowered) else None
    if duration is not None:
        sig.duration, d_start, d_end = duration
        freq_window = freq_window[:d_start] + " " * (d_end - d_start) + freq_window[d_end:]
    for match in _FREQ.finditer(freq_window.lower()):
        value = _frequency(match)
        if value is not None:
            sig.frequency = value
            break
    if sig.frequency is None and sig.unit and ("/hr" in sig.unit or "/min" in sig.unit):
        sig.frequency = "continuous"
    if sig.frequency == "continuous" and sig.route is None:
        sig.route = "IV"
    return sig
