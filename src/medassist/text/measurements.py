"""Vital signs and laboratory values in free clinical text.

``extract_vitals(text)`` and ``extract_labs(text)`` return :class:`Measurement` objects with
the span, the value and unit as written, the value in the measurement's canonical unit, the
LOINC code, a plausibility check and qualifiers (oxygen, comparator, flag, specimen...).

How: every alias of a measurement ("serum creatinine", "Cr", "hyponatremia") is found
(:mod:`medassist.text.measurement_aliases`); after each, a short window (never past the next
alias or the end of the sentence) is read for a value and its unit
(:mod:`medassist.text.quantity`), under the guards of :mod:`medassist.text.measurement_rules`
(doses, dates, times, ranges, drug names, body-fluid specimens).
Lists ("Na, K and Cl were 137, 4.4 and 102 mmol/L, respectively"; "AST/ALT 120/80") are
paired in order. Vital-specific forms (blood pressure, GCS, consciousness, unlabelled values
such as "110 bpm" or "38.5 °C") are in :mod:`medassist.text.vitals`.

Catalogue: ``data/measurements.json`` (LOINC codes (c) Regenstrief Institute, LOINC licence).
"""

from __future__ import annotations

import re
from functools import lru_cache

from medassist.errors import InputError
from medassist.schemas.text import Measurement
from medassist.text.measurement_aliases import AliasHit, find_aliases
from medassist.text.measurement_rules import (
    AMBIGUOUS,
    BP_NAMES,
    CMP_NORMAL,
    CMP_WORDS,
    DRUG_LIKE,
    FILLER_WORDS,
    FLAG_RE,
    GIVEN_BEFORE,
    LIST_SEP_RE,
    LOOSE_STOP,
    NEGATIVE_OK,
    REFERENCE_RE,
    REVERSE_GAP_RE,
    SALT_AFTER,
    SALT_BEFORE,
    SENTENCE_END_RE,
    TIME_SKIP_RE,
    UNKNOWN_UNIT_RE,
    UREA_ALIASES,
    VALUE_SEP_RE,
    WEIGHT_CHANGE,
    WHOLE_NUMBER_NAMES,
    choose_name,
    dot_thousands,
    lab_mg,
    post_number_reject,
    range_after,
    specimen_of,
    unit_fits,
)
from medassist.text.measurement_time import annotate
from medassist.text.quantity import (
    LIST_NUMBER_RE,
    NUMBER_RE,
    Candidate,
    build_measurement,
    is_dose_context,
    parse_number,
    read_unit,
)

__all__ = ["extract_vitals", "extract_labs", "extract_measurements", "lab_value_starts"]


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise InputError(f"text must be a string, got {type(text).__name__}")
    return text


def _window_end(text: str, start: int, limit: int) -> int:
    m = SENTENCE_END_RE.search(text, start, limit)
    end = m.start() if m else limit
    # a decimal point is not a sentence end: the regex needs a following space, so "1.2" is safe
    return end


_MAX_CONTINUATIONS = 4
#: between one value and the next of the same measurement: linking and time words only
CONTINUATION_GAP_RE = re.compile(
    r"(?:->|→|[\s,()\-:]|"
    r"(?:on|at|by|after|within)\s+(?:hospital\s+|post-?operative\s+)?(?:day|HD|POD)\s*#?\s*\d{1,3}\b|"
    r"(?:at|after|within)\s+\d{1,3}\s*(?:h|hrs?|hours?|min|minutes?|days?|weeks?)\b|"
    r"\d{1,3}\s*(?:h|hrs?|hours?|days?|weeks?)\s+(?:later|after)\b|"
    r"\b(?:and|then|was|were|is|now|to|down|up|later|subsequently|improv\w*|decreas\w*|"
    r"declin\w*|fell|falling|dropp\w*|rose|rising|increas\w*|trend\w*|peak\w*|at|on|by|"
    r"the|a|of|after|further|but|repeat\w*|rechecked|recheck|discharge|admission|baseline|"
    r"today|currently|current|nadir|triage|presentation|arrival|ED|ER|transfer|surgery|"
    r"reach\w*|normali[sz]\w*|back|came|went|return\w*|"
    r"before|prior|time|day|of|its|lowest|highest|max|maximum|minimum|finally|eventually|"
    r"following|hydration|transfusion|treatment|therapy|dialysis)\b)*",
    re.IGNORECASE,
)
CONTINUATION_LINK_RE = re.compile(
    r"\b(?:and|then|to|but|now)\b|->|→|,|"
    r"\(\s*(?:at\s+)?(?:baseline|previous|prior|usual|admission|discharge|peak|nadir)\b",
    re.IGNORECASE,
)
#: after a bare later value: the clause goes on with time or linking words, or ends
CONTINUATION_AFTER_RE = re.compile(
    r"\s*(?:$|[.,;)\n]|->|→|\b(?:at|on|in|by|after|before|and|then|today|now|upon|prior|"
    r"with|following|during|when)\b)",
    re.IGNORECASE,
)

#: before a weight read backwards ("gained 4 kg of weight"): a change, not the body weight
_CHANGE_BEFORE = re.compile(
    r"\b(?:gain(?:s|ed|ing)?|los(?:e|es|t|ing)|dropped|put\s+on|increase\s+of|decrease\s+of|"
    r"reduction\s+of)\s+(?:of\s+)?(?:about\s+|approximately\s+|nearly\s+|almost\s+|over\s+)?$",
    re.IGNORECASE,
)


class _Reader:
    """Reads the value after an alias, within ``[pos, limit)``."""

    def __init__(self, text: str, hits: list[AliasHit]) -> None:
        self.text = text
        self.hits = hits

    def filler(self, pos: int, limit: int, loose: int) -> tuple[int, str, bool] | None:
        """Skip linking words; return (position of the value, filler text, loose) or None."""
        text = self.text
        start = pos
        used_loose = False
        n_loose = 0
        while pos < limit:
            ch = text[pos]
            if ch in " \t\n:=([,)–-]'\"+−⁻%":
                if ch == "," and used_loose and re.match(r",\s*[\d.]", text[pos : pos + 6]):
                    return None  # "pulse ox monitoring, 1% lidocaine": another clause
                if ch in "-−" and pos + 1 < limit and text[pos + 1].isdigit():
                    # "K -" then digit: a minus sign or a dash; let the number reader decide
                    return pos, text[start:pos], used_loose
                pos += 1
                continue
            if ch.isdigit() or ch in "<>≤≥~≈." or ch == "−":
                return pos, text[start:pos], used_loose
            wm = re.match(r"[A-Za-z][A-Za-z'\-]*\.?", text[pos:limit])
            if not wm:
                return None
            word = wm.group(0).rstrip(".").lower()
            if word in {"less", "greater", "more", "up", "as"}:
                # comparator phrases are read with the number
                pm = re.match(
                    r"(?:less than|greater than|more than|up to|as high as|as low as)\s*",
                    text[pos:limit],
                    re.IGNORECASE,
                )
                if pm and pos + pm.end() < limit and text[pos + pm.end()].isdigit():
                    return pos, text[start:pos], used_loose
            if word in FILLER_WORDS:
                pos += wm.end()
                continue
            if word in LOOSE_STOP:
                return None
            if loose and n_loose < loose:
                tm = TIME_SKIP_RE.match(text, pos, limit)
                if tm:
                    pos = tm.end()
                    used_loose = True
                    continue
                if len(word) <= 16:
                    pos += wm.end()
                    n_loose += 1
                    used_loose = True
                    continue
            return None
        return None

    def number(
        self, pos: int, limit: int, name: str, after_separator: bool = False
    ) -> tuple[float, int, int, str | None] | None:
        """(value, start, end, comparator) of the number at ``pos``."""
        text = self.text
        cmp_: str | None = None
        cm = re.match(
            r"(<=|>=|≤|≥|<|>|~|≈|less than|greater than|more than|up to|as high as|as low as|"
            r"approximately|approx\.?|about|around)\s*",
            text[pos:limit],
            re.IGNORECASE,
        )
        if cm:
            word = cm.group(1).lower()
            cmp_ = CMP_NORMAL.get(word) or CMP_WORDS.get(word) or "~"
            pos += cm.end()
        negative = False
        if pos < limit and text[pos] in "-−":
            if name not in NEGATIVE_OK:
                pos += 1  # a dash, not a minus sign ("HCO3−1 mEq/L", "Na+ - 139")
            else:
                negative = True
                pos += 1
        nm = (LIST_NUMBER_RE if after_separator else NUMBER_RE).match(text, pos)
        if not nm or nm.end() > limit + 12:
            return None
        try:
            value = parse_number(nm.group(0))
        except ValueError:
            return None
        if negative:
            value = -value
        return value, (pos - 1 if negative else pos), nm.end(), cmp_


class _Extractor:
    def __init__(self, text: str) -> None:
        self.text = text
        self.hits = find_aliases(text)
        self.reader = _Reader(text, self.hits)
        self.out: list[Measurement] = []
        self.used_numbers: list[tuple[int, int]] = []
        self.consumed: set[int] = set()  # alias indexes handled by list mode
        self.claimed: set[int] = set()  # start offsets of numbers already given to an alias

    # ------------------------------------------------------------------ helpers
    def _limit(self, index: int) -> int:
        hit = self.hits[index]
        nxt = self.hits[index + 1].start if index + 1 < len(self.hits) else len(self.text)
        hard = min(nxt, hit.end + (40 if hit.weak else 90), len(self.text))
        return _window_end(self.text, hit.end, hard)

    def _emit(self, cand: Candidate) -> Measurement | None:
        m = build_measurement(cand, self.text)
        if m is not None:
            self.out.append(m)
            self.used_numbers.append((m.start, m.end))
        return m

    # ------------------------------------------------------------------ lists
    def lists(self) -> None:
        """'Na, K and Cl were 137, 4.4 and 102'; 'AST/ALT 120/80'; 'QT/QTc 400/450 ms'."""
        hits, text = self.hits, self.text
        i = 0
        while i < len(hits):
            j = i
            while j + 1 < len(hits) and LIST_SEP_RE.match(text[hits[j].end : hits[j + 1].start]):
                if "\n" in text[hits[j].end : hits[j + 1].start]:
                    break
                j += 1
            if j == i:
                i += 1
                continue
            group = list(range(i, j + 1))
            if self._pair_group(group):
                self.consumed.update(group)
            i = j + 1

    def _pair_group(self, group: list[int]) -> bool:
        text = self.text
        last = self.hits[group[-1]]
        limit = _window_end(text, last.end, min(len(text), last.end + 80))
        if group[-1] + 1 < len(self.hits):
            limit = min(limit, self.hits[group[-1] + 1].start)
        found = self.reader.filler(last.end, limit, loose=2)
        if found is None:
            return False
        pos, fill, _ = found
        if REFERENCE_RE.search(fill):
            return False
        values: list[tuple[float, int, int, str | None, object]] = []
        while len(values) < len(group):
            got = self.reader.number(
                pos,
                limit + 20,
                self.hits[group[len(values)]].names[0],
                after_separator=bool(values),
            )
            if got is None:
                break
            value, vstart, vend, cmp_ = got
            unit = read_unit(text, vend)
            vend2 = unit.end if unit else vend
            if unit is None:  # an unreadable unit ("174mEql/L"): skip the token
                skip = re.match(
                    r"[ \t]?(?!(?:and|or|to|in|on|at|with|respectively)\b)[A-Za-zµμ][A-Za-z0-9µμ/%]*",
                    text[vend : vend + 200],  # bounded: never copy the rest of the text
                    re.IGNORECASE,
                )
                if skip:
                    vend2 = vend + skip.end()
            paren = re.match(r"[ \t]*\([^()\n]{0,40}\)", text[vend2 : vend2 + 200])
            if paren and re.search(r"\d\s*(?:-|–|to)\s*\d|normal|ref|<|>", paren.group(0)):
                vend2 += paren.end()  # "162 mg/dL (139-230 mg/dL), 33 mg/dL": a reference range
            values.append((value, vstart, vend2, cmp_, unit))
            sep = VALUE_SEP_RE.match(text, values[-1][2])
            if not sep or len(values) == len(group):
                break
            pos = sep.end()
        if len(values) != len(group):
            return False
        if re.match(r"\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{2,4}", text[values[0][1] : values[0][1] + 12]):
            return False  # "AST and ALT on 6/20/2009": a date, not two values
        shared = values[-1][4]
        specimen = specimen_of(text, self.hits[group[0]])
        for idx, (value, vstart, vend, cmp_, unit) in zip(group, values, strict=True):
            hit = self.hits[idx]
            if vstart in self.claimed:
                continue
            u = unit or shared
            cand = self._candidate(
                hit, value, hit.start, vend, cmp_, u, loose=False, specimen=specimen
            )
            if cand is not None and self._emit(cand) is not None:
                self.claimed.add(vstart)
        return True

    # ------------------------------------------------------------------ single values
    def _candidate(
        self,
        hit: AliasHit,
        value: float,
        start: int,
        end: int,
        cmp_: str | None,
        unit: object,
        loose: bool,
        specimen: str | None = None,
    ) -> Candidate | None:
        specimen = specimen or specimen_of(self.text, hit)
        unit_symbol = getattr(unit, "symbol", None)
        chosen = choose_name(hit, specimen, unit_symbol, value)
        if chosen is None:
            return None
        name, quals = chosen
        if name in BP_NAMES or name in {"blood_pressure"}:
            return None
        qualifiers: dict[str, object] = dict(quals)
        if cmp_:
            qualifiers["comparator"] = cmp_
        low = hit.text.lower()
        if name == "bun" and re.sub(r"\s+", " ", low) in UREA_ALIASES:
            qualifiers["reported_as"] = "urea"
        if "deficit" in low:
            qualifiers["base_deficit"] = True
        if name in {"troponin", "troponin_t"} and ("hs" in low or "high" in low):
            qualifiers["high_sensitivity"] = True
        if name == "calcium" and "corrected" in low:
            qualifiers["corrected"] = True
        weak = hit.weak or (loose and unit is None) or (len(hit.text) <= 1 and unit is None)
        if name in WHOLE_NUMBER_NAMES and unit is None and value != int(value):
            return None  # "HR 1.2 (95% CI ...)": a hazard ratio, not a heart rate
        return Candidate(
            name=name,
            start=start,
            end=end,
            value=value,
            unit=unit_symbol,
            unit_written=getattr(unit, "written", None),
            weak=weak,
            qualifiers=qualifiers,
        )

    def reverse(self, index: int) -> bool:
        """'133 mmol/L corrected sodium', '569 mg/dL glucose': value and unit before the name."""
        hit = self.hits[index]
        text = self.text
        if any(n in BP_NAMES or n == "gcs" for n in hit.names):
            return False
        if SALT_AFTER.match(text, hit.end):
            return False  # "20 mEq/L of potassium chloride": a drug concentration
        if "weight" in hit.names and WEIGHT_CHANGE.match(text, hit.end):
            return False  # "a 4 kg weight gain": a change, not the body weight
        before = text[max(0, hit.start - 40) : hit.start]
        offset = hit.start - len(before)
        numbers = list(NUMBER_RE.finditer(before))
        if not numbers:
            return False
        num_start = offset + numbers[-1].start()
        if num_start in self.claimed:
            return False
        nm = NUMBER_RE.match(text, num_start)
        if not nm:
            return False
        unit = read_unit(text, nm.end(), max_tokens=2)
        if unit is None or not REVERSE_GAP_RE.fullmatch(text, unit.end, hit.start):
            return False
        if unit.symbol in AMBIGUOUS or not unit_fits(hit, unit.symbol):
            return False
        if "weight" in hit.names and _CHANGE_BEFORE.search(text, max(0, num_start - 30), num_start):
            return False  # "gained 4 kg of weight"
        cand = self._candidate(
            hit, parse_number(nm.group(0)), num_start, hit.end, None, unit, loose=False
        )
        if cand is None:
            return False
        cand.qualifiers["value_before_name"] = True
        if self._emit(cand) is None:
            return False
        self.claimed.add(num_start)
        return True

    def _salt_before(self, hit: AliasHit) -> bool:
        """'5% albumin', 'IV potassium': a drug named, not a lab. A percentage that is the value
        of the previous measurement ("Hematocrit 32.1% Hemoglobin 13.0 g/dL") or that a table
        sets apart with several spaces ("3%   Total bilirubin") is no drug strength."""
        lo = max(0, hit.start - 20)
        m = SALT_BEFORE.search(self.text, lo, hit.start)
        if m is None:
            return False
        if self.text[m.start() : m.end()].lstrip()[:1] == "%" or "percent" in m.group(0).lower():
            if re.match(r"%?[ \t]{2,}|%?\s*\n", self.text[m.start() : hit.start]):
                return False
            if any(s < m.start() + 1 and e >= m.start() for s, e in self.used_numbers):
                return False
        return True

    def single(self, index: int) -> None:
        hit = self.hits[index]
        text = self.text
        if any(n in BP_NAMES or n == "gcs" for n in hit.names):
            return  # read by medassist.text.vitals
        if "map" in hit.names and re.search(
            r"\b(?:RA|LA|PA|RV|LV|atrial|ventricular|pulmonary(?: artery)?|wedge|Fontan|and)\s*$",
            text[max(0, hit.start - 20) : hit.start],
            re.IGNORECASE,
        ):
            return  # "RA mean pressure": an intracardiac pressure
        if "weight" in hit.names and (
            WEIGHT_CHANGE.match(text, hit.end)
            or re.search(
                r"\b(?:fetal|foetal|placental|specimen|tumou?r|organ|graft|stone|molecular)\s+$",
                text[max(0, hit.start - 20) : hit.start],
                re.IGNORECASE,
            )
        ):
            return
        if (
            SALT_AFTER.match(text, hit.end)
            or (
                set(hit.names) & DRUG_LIKE
                and GIVEN_BEFORE.search(text[max(0, hit.start - 20) : hit.start])
            )
            or self._salt_before(hit)
        ):
            return
        limit = self._limit(index)
        found = self.reader.filler(hit.end, limit, loose=0 if hit.weak else 4)
        if found is None:
            return
        pos, fill, loose = found
        if REFERENCE_RE.search(fill):
            return
        if hit.weak and not re.fullmatch(
            r"[\s:=(,\-]*(?:(?:of|at|to|with|was|is|up to|as high as|as low as|reaching|level|"
            r"levels|count|concentration|a|an)\b[\s:=(,\-]*)*",
            fill,
            re.IGNORECASE,
        ):
            return
        got = self.reader.number(pos, limit + 20, hit.names[0])
        if got is None:
            return
        value, vstart, vend, cmp_ = got
        if vstart in self.claimed:
            return
        value = dot_thousands(text, vstart, vend, value, hit)
        if "heart_rate" in hit.names and re.search(r"\s\+\s*$", fill):
            return  # "pulse is +2": an examination grade
        if re.search(r"(?:^|\s)[x×]\s*$", fill):
            return  # "troponin x2": repeated twice, not a value
        if post_number_reject(text, vend, hit.names[0]):
            return
        if is_dose_context(text, vend) and not lab_mg(hit, text, vend):
            return
        rng = range_after(text, vend)
        second: tuple[float, int, int, str | None] | None = None
        if rng:
            if "from" not in fill.lower() or "to" not in rng.group(0):
                return  # a range ("3.5-5.0"), not a value
            second = self.reader.number(vend + rng.end(), limit + 30, hit.names[0])
        unit = read_unit(text, second[2] if second else vend)
        if unit is None and UNKNOWN_UNIT_RE.match(text, second[2] if second else vend):
            return  # a unit we cannot read ("mL/kg/h"): never guess one
        end = unit.end if unit else vend
        if second is None:
            flag = FLAG_RE.match(text, end)
            cand = self._candidate(hit, value, hit.start, end, cmp_, unit, loose)
            if cand is None:
                return
            if flag and (flag.group("flag") in {"H", "L", "HH", "LL"} or "(" in flag.group(0)):
                cand.qualifiers["flag"] = flag.group("flag").upper()[:1]
                cand.end = flag.end()
            if self._emit(cand) is not None:
                self.claimed.add(vstart)
                self._continuations(index, cand, unit)
            return
        # "from 1.2 to 3.4 mg/dL": both values, the unit shared
        first = self._candidate(hit, value, hit.start, vend, cmp_, unit, loose)
        if first is not None:
            first.qualifiers["trend"] = "from"
            if self._emit(first) is not None:
                self.claimed.add(vstart)
        later = self._candidate(hit, second[0], hit.start, end, second[3], unit, loose)
        if later is not None:
            later.qualifiers["trend"] = "to"
            self._emit(later)

    def _continuations(self, index: int, first: Candidate, unit: object) -> None:
        """Later values of the same measurement in the same clause: "Creatinine peaked at
        2.1 mg/dL on day 3 and was 1.6 at discharge", "Hb 7.1 -> 8.4 after transfusion"."""
        hit, text = self.hits[index], self.text
        nxt = self.hits[index + 1].start if index + 1 < len(self.hits) else len(text)
        end = first.end
        for _ in range(_MAX_CONTINUATIONS):
            limit = _window_end(text, end, min(nxt, end + 80, len(text)))
            gap = CONTINUATION_GAP_RE.match(text, end, limit)
            if gap is None or gap.end() >= limit or not CONTINUATION_LINK_RE.search(gap.group(0)):
                return
            got = self.reader.number(gap.end(), limit, hit.names[0])
            if got is None:
                return
            value, vstart, vend, cmp_ = got
            if vstart in self.claimed or post_number_reject(text, vend, hit.names[0]):
                return
            if range_after(text, vend) or is_dose_context(text, vend):
                return
            later_unit = read_unit(text, vend)
            if later_unit is None:
                if not CONTINUATION_AFTER_RE.match(text, vend):
                    return  # "2 days", "3 units": something else was counted
                later_unit = unit  # the unit written with the first value
                vend2 = vend
            else:
                if not unit_fits(hit, later_unit.symbol):
                    return
                vend2 = later_unit.end
            cand = self._candidate(hit, value, vstart, vend2, cmp_, later_unit, loose=False)
            if cand is None:
                return
            cand.weak = True  # a bare number: kept only when plausible for the measurement
            cand.qualifiers["continues"] = hit.text
            if self._emit(cand) is None:
                return
            self.claimed.add(vstart)
            end = vend2

    def run(self) -> list[Measurement]:
        self.lists()
        for index in range(len(self.hits)):
            if index not in self.consumed and not self.reverse(index):
                self.single(index)
        return self.out


@lru_cache(maxsize=16)
def _extract_all(text: str) -> tuple[Measurement, ...]:
    from medassist.text.vitals import extract_special_vitals

    labelled = _Extractor(text).run()
    special = extract_special_vitals(text, labelled)
    items = [*labelled, *special]
    items.sort(key=lambda m: (m.start, m.name))
    return tuple(annotate(text, items))


def lab_value_starts(text: str) -> frozenset[int]:
    """Start offsets of plausible lab values read with a unit (no copies; for other readers)."""
    return frozenset(
        m.start for m in _extract_all(text) if m.kind == "lab" and m.unit and m.plausible
    )


def extract_measurements(text: str) -> list[Measurement]:
    """Every vital and lab value in ``text``, in text order."""
    text = _check_text(text)
    # a shallow copy with its own qualifiers: the cached originals stay unchanged, without the
    # cost of a deep copy per value
    return [m.model_copy(update={"qualifiers": dict(m.qualifiers)}) for m in _extract_all(text)]


def extract_vitals(text: str) -> list[Measurement]:
    """Vital signs (heart rate, blood pressure, temperature, SpO2, weight, height, GCS...)."""
    return [m for m in extract_measurements(text) if m.kind == "vital"]


def extract_labs(text: str) -> list[Measurement]:
    """Laboratory values (electrolytes, renal, liver, blood count, gases, lipids, ECG QT...)."""
    return [m for m in extract_measurements(text) if m.kind == "lab"]
