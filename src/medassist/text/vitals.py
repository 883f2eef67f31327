"""Vital-sign forms that are not "alias then value": blood pressure pairs, the Glasgow coma
scale with its components, level of consciousness (AVPU), imperial heights, unlabelled values
("110 bpm", "38.5 °C", "92% on 2L NC", "173 cm tall") and the oxygen context of SpO2.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from medassist.schemas.text import Measurement
from medassist.text.measurement_aliases import find_aliases
from medassist.text.quantity import Candidate, build_measurement, read_unit

__all__ = ["extract_special_vitals", "oxygen_context"]

_BP_ALIAS_NAMES = frozenset({"blood_pressure", "sbp", "dbp", "map"})
_BP_FILLER = re.compile(
    r"(?:[\s:=(\[,\-]|\b(?:was|were|is|of|at|to|on|admission|presentation|arrival|measured|"
    r"reading|readings|recorded|initially|initial|elevated|increased|decreased|dropped|fell|"
    r"rose|low|high|markedly|about|around|approximately|noted|found|be|been|with|a|an|the|"
    r"in|range|ranging|from|only|still|remained|systolic|diastolic|BP|blood|pressure|"
    r"arterial|mmHg|mm\s*Hg|supine|sitting|standing|right|left|arm|reading|non-?invasive|"
    r"baseline|triage|revealed|showed|measuring)\b)*",
    re.IGNORECASE,
)
_PAIR_RE = re.compile(
    r"(?P<cmp>[<>~]\s*)?(?<![\d/.])(?P<s>\d{2,3})\s*/\s*(?P<d>\d{2,3})(?![\d/]|\.\d)"
    r"(?P<u>\s*(?:mm\s*(?:of\s*)?Hg|mmHg|torr))?",
    re.IGNORECASE,
)
_SINGLE_RE = re.compile(
    r"(?P<cmp>[<>~]\s*)?(?<![\d/.])(?P<v>\d{2,3})(?![\d/]|\.\d)(?P<s>\s?s\b)?"
    r"(?P<u>\s*(?:mm\s*(?:of\s*)?Hg|mmHg|torr))?",
    re.IGNORECASE,
)
_SYS_DIA_RE = re.compile(
    r"\bsystolic\s+(?:and|/)\s+diastolic\b[^.;\d]{0,50}?(?<![\d/.])(?P<s>\d{2,3})\s*"
    r"(?:and|/|,)\s*(?P<d>\d{2,3})(?![\d/])(?P<u>\s*(?:mm\s*(?:of\s*)?Hg|mmHg))?",
    re.IGNORECASE,
)
_CARDIAC_CHAMBER = re.compile(
    r"\b(?:ventricular|ventricle|atrial|atrium|end|LV|RV|RA|LA|PA|LVEDP|pulmonary(?: artery)?|"
    r"wedge|capillary|intracranial|intraocular|ocular|portal|jugular|central venous|aortic root|"
    r"right heart|left heart|Fontan)[\s-]*$",
    re.IGNORECASE,
)
_VITALS_HEADER_PAIR = re.compile(
    r"\bvital\s+signs?\s*(?:are|were|include|included|:|,|-)+\s*(?P<cmp>)(?P<s>\d{2,3})\s*/\s*"
    r"(?P<d>\d{2,3})(?![\d/])(?P<u>\s*(?:mm\s*Hg|mmHg))?",
    re.IGNORECASE,
)
_VALUE_THEN_LABEL_RE = re.compile(
    r"(?<![\d/.])(?P<v>\d{2,3})\s*(?P<u>mm\s*Hg|mmHg)\s+(?P<label>systolic|diastolic)\b",
    re.IGNORECASE,
)
_GCS_ALIAS = re.compile(
    r"\b(?:GCS|G\.C\.S\.|Glasgow\s+coma\s+(?:scale|score)|Glasgow\s+(?:scale|score)|"
    r"Glasgow|coma\s+scale)\b(?:\s*\((?:GCS)\))?",
    re.IGNORECASE,
)
_GCS_VALUE = re.compile(
    r"(?:[\s=:,(\-]+|[A-Za-z’']+\b){0,12}?\s*(?P<v>\d{1,2})(?!\d|\.\d)"
    r"(?:\s*/\s*15|\s*out\s+of\s+15|\s*points)?",
    re.IGNORECASE,
)
_GCS_COMPONENTS = re.compile(
    r"E\s*(?P<e>[1-4])\s*[,;/]?\s*(?:and\s+)?V\s*(?P<v>[1-5]|T|t)\s*[,;/]?\s*(?:and\s+)?"
    r"M\s*(?P<m>[1-6])(?![\d])",
)
_AVPU = (
    (
        "A",
        r"\b(?:alert and oriented|alert and orientated|awake,? alert(?: and oriented)?|"
        r"A\s*(?:&|and)\s*O\s*x?\s*[1-4]|A&Ox[1-4]|AAO\s*x?\s*[1-4]|AOx[1-4]|"
        r"alert,? (?:and )?(?:fully )?oriented|fully alert|alert and responsive)\b",
    ),
    (
        "C",
        r"\b(?:new(?:-onset)? confusion|acutely confused|new(?:ly)? confused|confused|"
        r"disoriented|disorientated|delirious|delirium|altered mental status|"
        r"altered sensorium|altered mentation|acute confusion)\b",
    ),
    (
        "V",
        r"\b(?:responds? to (?:verbal|voice)(?: stimuli| commands?)?|"
        r"responsive to (?:verbal|voice)(?: stimuli| commands?)?|"
        r"(?:arousable|rousable) to (?:voice|verbal)(?: stimuli)?)\b",
    ),
    (
        "P",
        r"\b(?:responds? (?:only )?to (?:painful stimuli|pain|painful stimulus|sternal rub)|"
        r"responsive (?:only )?to (?:painful stimuli|pain|painful stimulus|sternal rub)|"
        r"(?:arousable|rousable) (?:only )?to (?:pain|painful stimuli|sternal rub))\b",
    ),
    (
        "U",
        r"\b(?:unresponsive|unrousable|unarousable|comatose|in a coma|"
        r"no response to (?:painful )?stimuli|not responsive)\b",
    ),
)
#: a substring every match of the AVPU pattern contains (``lower`` is the lower-cased text)
_A_AND_O = re.compile(r"A\s*(?:&|and)\s*O")
_AVPU_GATES = {
    "A": lambda text, lower: (
        "alert" in text or "AAO" in text or "AOx" in text or bool(_A_AND_O.search(text))
    ),
    "C": lambda text, lower: any(w in lower for w in ("confus", "disorient", "deliri", "altered")),
    "V": lambda text, lower: "verbal" in lower or "voice" in lower,
    "P": lambda text, lower: "pain" in lower or "sternal" in lower,
    "U": lambda text, lower: any(w in lower for w in ("responsive", "rousable", "coma", "stimuli")),
}
#: substrings (lower case) every match of the C/V/P/U patterns contains, and a bound on the
#: distance from such a substring to either end of the match
_AVPU_KEYWORDS = {
    "C": ("confus", "disorient", "deliri", "altered"),
    "V": ("verbal", "voice"),
    "P": ("pain", "sternal"),
    "U": ("responsive", "rousable", "coma", "stimuli"),
}
_AVPU_REACH = 80
_DIGITS = re.compile(r"\d+")
_NEGATED = re.compile(
    r"\b(?:no|not|nor|denies|denied|without|negative for|absence of|free of|never|"
    r"no evidence of|no signs? of|wasn't|was not|is not|isn't)\b[\w\s,]{0,25}$",
    re.IGNORECASE,
)
_IMPERIAL_HEIGHT = re.compile(
    r"(?<![\d.])(?P<ft>[2-7])\s*(?:'|’|′|ft\.?|feet|foot)\s*(?:,?\s*(?:and\s+)?(?P<inch>\d{1,2}"
    r"(?:\.\d+)?)\s*(?:\"|”|″|''|’’|in\.?|inches|inch)?)?(?![\d])",
    re.IGNORECASE,
)
_HEIGHT_CONTEXT = re.compile(r"\b(?:height|tall|ht|stature|measur\w*)\b", re.IGNORECASE)
_OXYGEN_RA = re.compile(r"\b(?:on\s+|at\s+|in\s+|@\s*|breathing\s+)?(?:room air|ambient air|RA)\b")
_OXYGEN_FLOW = re.compile(
    r"(?P<flow>\d+(?:\.\d+)?)\s*(?:L|l|liters?|litres?|lpm|LPM|L/min|l/min)\b(?:\s*(?:/\s*min|per minute))?"
    r"(?:\s*(?:of\s+)?(?:supplemental\s+)?(?:O2|O₂|oxygen))?"
    r"(?:\s*(?:via|by|through|on|with|per)?\s*(?P<dev>nasal cannula|nasal prongs?|NC|NP|face\s*mask|"
    r"FM|simple mask|non-?rebreather(?: mask)?|NRB|NRBM|venturi(?: mask)?|high[- ]flow(?: nasal cannula)?|"
    r"HFNC|mask))?",
)
_OXYGEN_DEVICE = re.compile(
    r"\b(?P<dev>nasal cannula|non-?rebreather(?: mask)?|NRB|NRBM|venturi mask|face ?mask|"
    r"high[- ]flow nasal cannula|high[- ]flow oxygen|HFNC|BiPAP|BIPAP|CPAP|NIV|"
    r"non-?invasive ventilation|mechanical ventilation|ventilator|supplemental oxygen|"
    r"oxygen therapy|on oxygen|on O2|intubated)\b",
    re.IGNORECASE,
)
_DEVICE_NAMES = {
    "nc": "nasal cannula",
    "np": "nasal cannula",
    "nasal prong": "nasal cannula",
    "nasal prongs": "nasal cannula",
    "fm": "face mask",
    "nrb": "non-rebreather mask",
    "nrbm": "non-rebreather mask",
    "hfnc": "high-flow nasal cannula",
    "niv": "non-invasive ventilation",
    "bipap": "BiPAP",
    "cpap": "CPAP",
}
_FIO2_NEAR = re.compile(
    r"\b(?:FiO2|FIO2|FiO₂|fraction of inspired oxygen)\s*(?:of|was|:|=|at)?\s*(?P<v>\d+(?:\.\d+)?)\s*(?P<pct>%)?",
)
# unlabelled vitals
_BARE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "heart_rate",
        re.compile(
            r"(?<![\d.,/])(?P<v>\d{2,3})\s*(?P<u>bpm|b\.p\.m\.?|beats\s*(?:per|/)\s*min(?:ute)?s?)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "respiratory_rate",
        re.compile(
            r"(?<![\d.,/])(?P<v>\d{1,2})\s*(?P<u>breaths\s*(?:per|/)\s*min(?:ute)?s?|"
            r"respirations\s*(?:per|/)\s*min(?:ute)?)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "temperature",
        re.compile(
            r"(?<![\d.,/])(?P<v>\d{2,3}(?:\.\d+)?)\s*(?P<u>(?:°|º|˚|degrees?\s*|deg\.?\s*)\s*"
            r"(?:C|F|celsius|fahrenheit|centigrade)\b|℃|℉)",
            re.IGNORECASE,
        ),
    ),
    (
        "weight",
        re.compile(
            r"(?<![\d.,/])(?P<v>\d{1,3}(?:\.\d+)?)\s*(?P<u>kg|kgs|kilograms?|lbs?|pounds)(?![\w/])",
            re.IGNORECASE,
        ),
    ),
    (
        "height",
        re.compile(
            r"(?<![\d.,/])(?P<v>\d{3}(?:\.\d+)?|1\.\d{1,2}|2\.[0-2]\d?)\s*(?P<u>cm|centimet(?:er|re)s?|m)(?![\w/])",
            re.IGNORECASE,
        ),
    ),
    (
        "bmi",
        re.compile(
            r"(?<![\d.,/])(?P<v>\d{2}(?:\.\d+)?)\s*(?P<u>kg\s*/\s*m\s*(?:2|²|\^2|\(2\)))",
            re.IGNORECASE,
        ),
    ),
    (
        "fio2",
        re.compile(
            r"(?<![\d.,/])(?P<v>\d{2,3}(?:\.\d+)?)\s*(?P<u>%)\s*(?=(?:supplemental\s+|inspired\s+)?"
            r"(?:oxygen|O2|O₂)\b(?!\s*sat))",
            re.IGNORECASE,
        ),
    ),
    (
        "spo2",
        re.compile(
            r"(?<![\d.,/])(?P<v>\d{2,3}(?:\.\d+)?)\s*(?P<u>%)\s*(?=(?:on|at|in|@|with)?\s*"
            r"(?:room air|RA\b|ambient air|\d+(?:\.\d+)?\s*(?:L|l|lpm|liters?|litres?)\b|"
            r"(?:supplemental\s+)?oxygen\b|O2\b|nasal cannula|NC\b|non-?rebreather|NRB\b|BiPAP|CPAP))",
            re.IGNORECASE,
        ),
    ),
)
_WEIGHT_BAD_BEFORE = re.compile(
    r"(?:lost|lose|losing|loss of|gained|gain of|gain|gaining|loss|down|up|reduction of|"
    r"decrease of|increase of|dropped|/|per|mg|mcg|ml|units?|dose|doses|of weight loss|"
    r"approximately|about|nearly)\s*$",
    re.IGNORECASE,
)
_WEIGHT_BAD_AFTER = re.compile(
    r"\s*(?:weight\s+(?:loss|gain)|loss|gain|of weight|lighter|heavier|over|in\s+\d|within|"
    r"during|since|mass|tumou?r|lesion|specimen|fibroid|cyst|stone|/)",
    re.IGNORECASE,
)


class _Spans:
    """Spans already read, sorted by start: an overlap test costs a bisection, not a scan of
    every span (a note of 10,000 vitals would otherwise cost 10^8 comparisons)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.longest = 0
        for start, end in sorted(spans):
            self.append((start, end))

    def append(self, span: tuple[int, int]) -> None:
        start, end = span
        i = bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        self.longest = max(self.longest, end - start)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, end)  # spans starting before ``end``
        floor = start - self.longest
        while i > 0 and self.starts[i - 1] >= floor:
            i -= 1
            if self.ends[i] > start:
                return True
        return False


def _overlaps(spans: _Spans, start: int, end: int) -> bool:
    return spans.overlaps(start, end)


def oxygen_context(text: str, start: int, end: int) -> dict[str, object]:
    """Qualifiers for an SpO2 value: room air or supplemental oxygen (flow, device, FiO2)."""
    stop = re.search(r"\.(?:\s|$)|;|\n", text[end : end + 80])
    after = text[end : end + (stop.start() if stop else 80)]
    sentence_start = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start), start - 60, 0)
    before = text[sentence_start:start]
    quals: dict[str, object] = {}
    near = after[:45]
    fm = _OXYGEN_FLOW.search(near)
    if _OXYGEN_RA.search(near):
        quals["oxygen"] = "room air"
    elif fm:
        quals["oxygen"] = "supplemental"
        quals["flow_l_min"] = float(fm.group("flow"))
        if fm.group("dev"):
            dev = fm.group("dev")
            quals["device"] = _DEVICE_NAMES.get(dev.lower(), dev.lower())
    else:
        dm = _OXYGEN_DEVICE.search(near)
        if dm:
            quals["oxygen"] = "supplemental"
            dev = dm.group("dev")
            if dev.lower() not in {"supplemental oxygen", "oxygen therapy", "on oxygen", "on o2"}:
                quals["device"] = _DEVICE_NAMES.get(dev.lower(), dev.lower())
        elif _OXYGEN_RA.search(before[-30:]):
            quals["oxygen"] = "room air"
    fio = _FIO2_NEAR.search(after) or _FIO2_NEAR.search(before)
    if fio:
        v = float(fio.group("v"))
        pct = v if (fio.group("pct") or v > 1) else v * 100
        if 21 <= pct <= 100:
            quals["fio2"] = round(pct, 1)
            if pct > 21.5:
                quals["oxygen"] = "supplemental"
            elif "oxygen" not in quals:
                quals["oxygen"] = "room air"
    return quals


class _Vitals:
    def __init__(self, text: str, labelled: list[Measurement]) -> None:
        self.text = text
        self.labelled = labelled
        self.out: list[Measurement] = []
        self.spans = _Spans([(m.start, m.end) for m in labelled])
        # cheap gates: most patterns need a keyword that a substring test finds at C speed
        self.lower = text.lower()
        self._number_starts: list[int] | None = None

    def has(self, *words: str) -> bool:
        return any(w in self.lower for w in words)

    def number_starts(self) -> list[int]:
        """Start of every digit run (where an unlabelled value or an imperial height starts)."""
        if self._number_starts is None:
            text = self.text
            self._number_starts = [m.start() for m in _DIGITS.finditer(text)]
        return self._number_starts

    def emit(self, cand: Candidate) -> Measurement | None:
        m = build_measurement(cand, self.text)
        if m is not None:
            self.out.append(m)
            self.spans.append((m.start, m.end))
        return m

    # -------------------------------------------------------------- blood pressure
    def blood_pressure(self) -> None:
        text = self.text
        hits = [h for h in find_aliases(text) if set(h.names) & _BP_ALIAS_NAMES]
        all_hits = find_aliases(text)
        # starts of the other (non-BP) aliases, in order: the first after a BP alias ends it
        other_starts = sorted(h.start for h in all_hits if not set(h.names) & _BP_ALIAS_NAMES)
        for hit in hits:
            if "map" in hit.names:
                continue  # MAP is an alias-then-value measurement
            if _CARDIAC_CHAMBER.search(text[max(0, hit.start - 30) : hit.start]):
                continue  # "left ventricular end-diastolic pressure", "PA systolic pressure"
            # other BP aliases do not end the window ("systolic blood pressure (SBP) 150")
            limit = min(len(text), hit.end + 60)
            window_stop = re.search(r"\.(?:\s|$)|;", text[hit.end : limit])
            if window_stop:
                limit = hit.end + window_stop.start()
            k = bisect_left(other_starts, hit.end)
            other_nxt = other_starts[k] if k < len(other_starts) else len(text)
            limit = min(limit, other_nxt)
            fm = _BP_FILLER.match(text, hit.end, limit)
            pos = fm.end() if fm else hit.end
            pair = _PAIR_RE.match(text, pos, min(len(text), limit + 20))
            low = hit.text.lower()
            if pair:
                if _overlaps(self.spans, pair.start("s"), pair.end("d")):
                    continue
                self._emit_pair(hit.start, pair, hit.weak)
                continue
            single = _SINGLE_RE.match(text, pos, min(len(text), limit + 20))
            if not single:
                continue
            if _overlaps(self.spans, single.start("v"), single.end("v")):
                continue
            if "diastolic" in low or low == "dbp":
                name = "dbp"
            elif "systolic" in low or low == "sbp":
                name = "sbp"
            else:
                after = text[single.end() : single.end() + 25].lower()
                name = "sbp" if "systolic" in after else ("dbp" if "diastolic" in after else "")
                if not name:
                    continue
            quals: dict[str, object] = {}
            if single.group("s"):
                quals["approximate"] = True
            if single.group("cmp"):
                quals["comparator"] = single.group("cmp").strip()
            end = single.end("u") if single.group("u") else single.end("v")
            self.emit(
                Candidate(
                    name=name,
                    start=hit.start,
                    end=end,
                    value=float(single.group("v")),
                    unit="mmHg" if single.group("u") else None,
                    unit_written=single.group("u").strip() if single.group("u") else None,
                    weak=hit.weak or not single.group("u"),
                    qualifiers=quals,
                )
            )
        # "systolic and diastolic pressures of 87 and 59 mm Hg"
        for both in _SYS_DIA_RE.finditer(text) if self.has("systolic") else ():
            if _overlaps(self.spans, both.start("s"), both.end("d")):
                continue
            self._emit_pair(both.start(), both, weak=False)
        # "95 mmHg systolic"
        for m in _VALUE_THEN_LABEL_RE.finditer(text) if self.has("stolic") else ():
            if _overlaps(self.spans, m.start(), m.end()):
                continue
            name = "sbp" if m.group("label").lower().startswith("s") else "dbp"
            self.emit(
                Candidate(
                    name=name,
                    start=m.start(),
                    end=m.end(),
                    value=float(m.group("v")),
                    unit="mmHg",
                    unit_written=m.group("u"),
                    weak=True,
                )
            )
        # "Vital signs: 117/78, 12, 56": a pair first in a vital-signs list is the blood pressure
        for m in _VITALS_HEADER_PAIR.finditer(text) if self.has("vital") else ():
            if _overlaps(self.spans, m.start("s"), m.end("d")):
                continue
            self._emit_pair(m.start("s"), m, weak=True)
        # unlabelled "150/90 mmHg"
        for pair in _PAIR_RE.finditer(text) if self.has("hg", "torr") else ():
            if not pair.group("u") or _overlaps(self.spans, pair.start("s"), pair.end()):
                continue
            self._emit_pair(pair.start("s"), pair, weak=True)

    def _emit_pair(self, start: int, pair: re.Match[str], weak: bool) -> None:
        s, d = float(pair.group("s")), float(pair.group("d"))
        if s <= d:
            return
        unit = "mmHg" if pair.group("u") else None
        written = pair.group("u").strip() if pair.group("u") else None
        end = pair.end("u") if pair.group("u") else pair.end("d")
        # a labelled pair ('BP 500/300') is kept even when implausible: it is flagged, not dropped
        made = []
        for name, value in (("sbp", s), ("dbp", d)):
            cand = Candidate(
                name=name,
                start=start,
                end=end,
                value=value,
                unit=unit,
                unit_written=written,
                weak=weak,
            )
            m = build_measurement(cand, self.text)
            if m is None:
                return
            made.append(m)
        self.out.extend(made)
        self.spans.append((start, end))

    # -------------------------------------------------------------- GCS
    def gcs(self) -> None:
        text = self.text
        aliases = _GCS_ALIAS.finditer(text) if self.has("gcs", "g.c.s", "glasgow", "coma") else ()
        for alias in aliases:
            if _overlaps(self.spans, alias.start(), alias.end()):
                continue
            window = text[alias.end() : alias.end() + 60]
            vm = _GCS_VALUE.match(window)
            comp = _GCS_COMPONENTS.search(window[:45])
            total: int | None = None
            end = alias.end()
            quals: dict[str, object] = {}
            if vm and 3 <= int(vm.group("v")) <= 15 and not (comp and comp.start() < vm.start("v")):
                total = int(vm.group("v"))
                end = alias.end() + vm.end()
            if comp:
                e, v, m = comp.group("e"), comp.group("v"), comp.group("m")
                quals["eye"] = int(e)
                quals["verbal"] = "T" if v.upper() == "T" else int(v)
                quals["motor"] = int(m)
                if v.upper() == "T":
                    quals["intubated"] = True
                end = max(end, alias.end() + comp.end())
                if total is None and v.upper() != "T":
                    total = int(e) + int(v) + int(m)
                    quals["total_computed"] = True
                elif total is not None and v.upper() != "T" and int(e) + int(v) + int(m) != total:
                    quals["components_disagree"] = True
            if total is None:
                continue
            self.emit(
                Candidate(
                    name="gcs", start=alias.start(), end=end, value=float(total), qualifiers=quals
                )
            )
        # components without a "GCS" label: "E2V3M5"
        for comp in _GCS_COMPONENTS.finditer(text):
            if _overlaps(self.spans, comp.start(), comp.end()):
                continue
            if comp.group("v").upper() == "T":
                continue
            before = text[max(0, comp.start() - 1) : comp.start()]
            if before and before.isalnum():
                continue
            e, v, m = int(comp.group("e")), int(comp.group("v")), int(comp.group("m"))
            self.emit(
                Candidate(
                    name="gcs",
                    start=comp.start(),
                    end=comp.end(),
                    value=float(e + v + m),
                    qualifiers={"eye": e, "verbal": v, "motor": m, "total_computed": True},
                )
            )

    # -------------------------------------------------------------- consciousness
    def _avpu_matches(self, letter: str, pattern: str) -> list[re.Match[str]]:
        """``re.finditer(pattern, text)``; for C/V/P/U only around their keywords (every match
        contains one and is shorter than :data:`_AVPU_REACH`), so a long note is not scanned
        at every position by a pattern that opens with ``\b``."""
        text, lower = self.text, self.lower
        flags = re.IGNORECASE if letter != "A" else 0
        keywords = _AVPU_KEYWORDS.get(letter)
        if keywords is None or len(lower) != len(text) or len(text) < 4 * _AVPU_REACH:
            return list(re.finditer(pattern, text, flags))
        spans: list[tuple[int, int]] = []
        for kw in keywords:
            i = lower.find(kw)
            while i >= 0:
                spans.append((max(0, i - _AVPU_REACH), min(len(text), i + len(kw) + _AVPU_REACH)))
                i = lower.find(kw, i + 1)
        spans.sort()
        regex = re.compile(pattern, flags)
        found: list[re.Match[str]] = []
        start = end = -1
        for a, b in [*spans, (len(text) + 1, len(text) + 1)]:
            if a <= end:
                end = max(end, b)
                continue
            if end > start >= 0:
                found.extend(regex.finditer(text, start, end))
            start, end = a, b
        return found

    def consciousness(self) -> None:
        text = self.text
        for letter, pattern in _AVPU:
            if not _AVPU_GATES[letter](text, self.lower):
                continue
            for m in self._avpu_matches(letter, pattern):
                if letter == "A" and not re.match(r"[Aa]", m.group(0)):
                    continue
                if _NEGATED.search(text[max(0, m.start() - 40) : m.start()]):
                    continue
                self.out.append(
                    Measurement(
                        kind="vital",
                        name="consciousness",
                        text=m.group(0),
                        start=m.start(),
                        end=m.end(),
                        value_text=letter,
                        loinc="80288-4",
                        qualifiers={"scale": "ACVPU", "phrase": m.group(0).lower()},
                    )
                )

    # -------------------------------------------------------------- unlabelled values
    def imperial_height(self) -> None:
        text = self.text
        for m in self._at_numbers(_IMPERIAL_HEIGHT):
            if _overlaps(self.spans, m.start(), m.end()):
                continue
            around = text[max(0, m.start() - 40) : m.end() + 25]
            symbol = re.search(r"'|’|′|ft|feet|foot", m.group(0))
            if not symbol or not _HEIGHT_CONTEXT.search(around):
                continue
            feet = float(m.group("ft"))
            inches = float(m.group("inch")) if m.group("inch") else 0.0
            if inches >= 12:
                continue
            total_in = feet * 12 + inches
            self.emit(
                Candidate(
                    name="height",
                    start=m.start(),
                    end=m.end(),
                    value=total_in,
                    unit="in",
                    unit_written=m.group(0),
                    weak=True,
                    qualifiers={"feet": feet, "inches": inches},
                )
            )

    def _at_numbers(self, regex: re.Pattern[str]) -> list[re.Match[str]]:
        """``regex.finditer(text)`` for a pattern whose matches start a digit run."""
        found: list[re.Match[str]] = []
        last_end = 0
        for pos in self.number_starts():
            if pos < last_end:
                continue
            m = regex.match(self.text, pos)
            if m is not None:
                found.append(m)
                last_end = m.end()
        return found

    def unlabelled(self) -> None:
        text = self.text
        starts = self.number_starts()
        if not starts:
            return
        for name, regex in _BARE_RULES:
            # every match starts a digit run (each pattern opens with (?<![\d.,/])\d):
            # matching at those positions only is the same as finditer, many times faster
            last_end = 0
            for pos in starts:
                if pos < last_end:
                    continue
                m = regex.match(text, pos)
                if m is None:
                    continue
                last_end = m.end()
                if _overlaps(self.spans, m.start(), m.end()):
                    continue
                if name == "weight" and (
                    _WEIGHT_BAD_BEFORE.search(text[max(0, m.start() - 25) : m.start()])
                    or _WEIGHT_BAD_AFTER.match(text, m.end())
                ):
                    continue
                if name == "height":
                    around = text[max(0, m.start() - 40) : m.end() + 30]
                    if not re.search(r"\btall\b|\bheight\b|\d\s*(?:kg|lbs?)\b", around, re.I):
                        continue
                unit = read_unit(text, m.start("u"))
                symbol = unit.symbol if unit else None
                written = unit.written if unit else m.group("u")
                if name in {"heart_rate", "respiratory_rate"}:
                    symbol = "/min"
                if name == "bmi":
                    symbol = "kg/m2"
                end = m.end()
                self.emit(
                    Candidate(
                        name=name,
                        start=m.start(),
                        end=end,
                        value=float(m.group("v")),
                        unit=symbol,
                        unit_written=written,
                        weak=True,
                        qualifiers={"unlabelled": True},
                    )
                )

    def spo2_context(self) -> None:
        for m in [*self.labelled, *self.out]:
            if m.name == "spo2":
                m.qualifiers.update(oxygen_context(self.text, m.start, m.end))

    def run(self) -> list[Measurement]:
        self.blood_pressure()
        self.gcs()
        self.imperial_height()
        self.unlabelled()
        self.consciousness()
        self.spo2_context()
        return self.out


def extract_special_vitals(text: str, labelled: list[Measurement]) -> list[Measurement]:
    """Vitals not found by alias-then-value reading (see module docstring).

    ``labelled`` (already found) is used to avoid double counting and gets SpO2 qualifiers.
    """
    return _Vitals(text, labelled).run()
