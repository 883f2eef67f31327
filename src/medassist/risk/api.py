"""Public API of the calculators: list them, run one, run those a note calls for.

Importing this module registers every calculator module of the package (``scores_*`` and
``formulas_*``), discovered with :mod:`pkgutil`.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import importlib.metadata
import math
from functools import lru_cache
from typing import Any

from medassist.errors import CalculatorError, CalculatorInputError, UnitConversionError
from medassist.logs import get_logger
from medassist.risk.base import (
    Calculator,
    CalculatorInfo,
    Component,
    Evidence,
    Fact,
    InputSpec,
    ScoreResult,
    get_calculator,
    register,
    registry,
)
from medassist.risk.facts import NoteFacts
from medassist.risk.units import to_canonical
from medassist.schemas.text import TextExtraction

__all__ = [
    "list_calculators",
    "calculate",
    "calculate_facts",
    "score_analysis",
    "load_calculators",
    "resolve_inputs",
]

_log = get_logger(__name__)
_ASSUMED_NOTE = "not mentioned -> assumed absent"

#: the modules that define the built-in calculators; each registers its classes with
#: :func:`medassist.risk.base.register` when imported
BUILTIN_CALCULATOR_MODULES: tuple[str, ...] = (
    "medassist.risk.formulas_acid_base",
    "medassist.risk.formulas_body",
    "medassist.risk.formulas_electrolytes",
    "medassist.risk.formulas_fluids_drugs",
    "medassist.risk.formulas_hemodynamics",
    "medassist.risk.formulas_lipids_liver",
    "medassist.risk.formulas_obstetric",
    "medassist.risk.formulas_qtc",
    "medassist.risk.formulas_renal",
    "medassist.risk.scores_acute",
    "medassist.risk.scores_cardiac",
    "medassist.risk.scores_comorbidity",
    "medassist.risk.scores_gi",
    "medassist.risk.scores_icu",
    "medassist.risk.scores_infection",
    "medassist.risk.scores_liver",
    "medassist.risk.scores_vte",
)
#: installed packages add calculators through this entry-point group: each entry point
#: names a :class:`~medassist.risk.base.Calculator` subclass (``pkg.module:MyScore``)
ENTRY_POINT_GROUP = "medassist.calculators"


@lru_cache(maxsize=1)
def load_calculators() -> tuple[str, ...]:
    """Register the built-in calculators and those of installed plugins (entry points of
    :data:`ENTRY_POINT_GROUP`); returns the calculator ids, sorted. A plugin that fails to
    load is skipped with a warning, never taking the built-in calculators down."""
    for name in BUILTIN_CALCULATOR_MODULES:
        importlib.import_module(name)
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            cls = ep.load()
            if not (isinstance(cls, type) and issubclass(cls, Calculator)):
                raise TypeError("not a Calculator subclass")
            register(cls)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not sink the registry
            _log.warning("calculator plugin %s skipped (%s)", ep.name, type(exc).__name__)
    return tuple(sorted(registry()))


load_calculators()


def list_calculators() -> list[CalculatorInfo]:
    out = []
    for cid, cls in sorted(registry().items()):
        out.append(
            CalculatorInfo(
                id=cid,
                name=cls.name,
                kind=cls.kind,
                reference=cls.reference,
                unit=cls.unit,
                inputs=list(cls.inputs),
                bands=list(cls.bands),
            )
        )
    return out


# ---------------------------------------------------------------------- input validation
_TRUE = {"true", "yes", "y", "1", "present", "positive"}
_FALSE = {"false", "no", "n", "0", "absent", "negative"}


def _coerce(spec: InputSpec, raw: Any, field: str) -> Any:
    """Validate one explicit input (value or {"value", "unit"}) into its canonical form."""
    unit = None
    if isinstance(raw, dict):
        if "value" not in raw:
            raise CalculatorInputError(f"{field}: an object input needs a 'value' key", field=field)
        unit = raw.get("unit")
        raw = raw["value"]
    if raw is None:
        return None
    if spec.type in {"number", "int"}:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise CalculatorInputError(
                f"{field} must be a number, got {type(raw).__name__}", field=field
            )
        try:
            value = float(raw)
        except ValueError:
            raise CalculatorInputError(
                f"{field} must be a number, got {raw!r}", field=field
            ) from None
        if not math.isfinite(value):
            raise CalculatorInputError(f"{field} must be a finite number", field=field)
        if unit is not None:
            if spec.unit is None:
                raise UnitConversionError(f"{field} takes no unit (got {unit!r})", field=field)
            value = to_canonical(spec.name, value, unit, field=field, target=spec.unit)
        if spec.type == "int":
            if value != int(value):
                raise CalculatorInputError(
                    f"{field} must be a whole number, got {value:g}", field=field
                )
            value = int(value)
        _check_range(spec, value, field)
        return value
    if spec.type == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int | float) and raw in (0, 1):
            return bool(raw)
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise CalculatorInputError(f"{field} must be true or false, got {raw!r}", field=field)
    if spec.type == "choice":
        choices = spec.choices or []
        if isinstance(raw, str):
            for c in choices:
                if c.lower() == raw.strip().lower():
                    return c
        raise CalculatorInputError(
            f"{field} must be one of {', '.join(choices)}; got {raw!r}", field=field
        )
    if spec.type == "date":
        if isinstance(raw, _dt.date):
            return raw.isoformat()
        if isinstance(raw, str):
            for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
                try:
                    return _dt.datetime.strptime(raw.strip(), fmt).date().isoformat()
                except ValueError:
                    continue
        raise CalculatorInputError(f"{field} must be a date (YYYY-MM-DD), got {raw!r}", field=field)
    raise CalculatorInputError(f"{field}: unsupported input type {spec.type}", field=field)


def _check_range(spec: InputSpec, value: float, field: str) -> None:
    if spec.minimum is not None and value < spec.minimum:
        raise CalculatorInputError(
            f"{field} = {value:g} is below the allowed minimum {spec.minimum:g} {spec.unit or ''}".rstrip(),
            field=field,
        )
    if spec.maximum is not None and value > spec.maximum:
        raise CalculatorInputError(
            f"{field} = {value:g} is above the allowed maximum {spec.maximum:g} {spec.unit or ''}".rstrip(),
            field=field,
        )


def _derived_ok(spec: InputSpec, fact: Fact) -> bool:
    """A note-derived value that fails validation is dropped (and flagged), not an error."""
    try:
        if spec.type in {"number", "int"}:
            _check_range(spec, float(fact.value), spec.name)
        elif spec.type == "choice":
            return fact.value in (spec.choices or [])
        elif spec.type == "bool":
            return isinstance(fact.value, bool)
    except (CalculatorInputError, TypeError, ValueError):
        return False
    return True


def resolve_inputs(
    calc: Calculator, facts: NoteFacts | None, inputs: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, list[Evidence]], list[str], list[str]]:
    """Merge note-derived and explicit inputs. Returns (values, evidence, missing, flags)."""
    specs = {s.name: s for s in calc.inputs}
    values: dict[str, Any] = {}
    evidence: dict[str, list[Evidence]] = {}
    flags: list[str] = []
    if facts is not None:
        derived = calc.derive(facts)
        flags.extend(facts.flags)
        for name, fact in derived.items():
            spec = specs.get(name)
            if spec is None or fact is None or fact.value is None:
                continue
            if not _derived_ok(spec, fact):
                flags.append(
                    f"{name}: value found in the note ({fact.value}) is outside the allowed range; ignored"
                )
                continue
            values[name] = int(fact.value) if spec.type == "int" else fact.value
            evidence[name] = [fact.evidence]
    for name, raw in (inputs or {}).items():
        spec = specs.get(name)
        if spec is None:
            raise CalculatorInputError(
                f"{calc.id} has no input {name!r}; inputs: {', '.join(specs)}", field=name
            )
        value = _coerce(spec, raw, name)
        if value is None:
            continue
        values[name] = value
        evidence[name] = [Evidence(source="input", note="given explicitly")]
    missing: list[str] = []
    for spec in calc.inputs:
        if spec.name in values:
            continue
        if spec.default is not None:
            values[spec.name] = spec.default
            note = (
                _ASSUMED_NOTE
                if spec.default is False
                else f"not mentioned -> assumed {spec.default}"
            )
            evidence[spec.name] = [Evidence(source="assumed", note=note)]
        elif spec.required:
            missing.append(spec.name)
        else:
            values[spec.name] = None
            evidence[spec.name] = [Evidence(source="assumed", note="not mentioned")]
    return values, evidence, missing, flags


# ---------------------------------------------------------------------- possible range
def _candidates(spec: InputSpec) -> list[Any]:
    if spec.type == "bool":
        return [False, True]
    if spec.type == "choice":
        return list(spec.choices or [])
    if spec.type in {"number", "int"}:
        lo = spec.minimum if spec.minimum is not None else 0.0
        hi = spec.maximum if spec.maximum is not None else lo + 100.0
        grid = [lo + (hi - lo) * i / 60 for i in range(61)]
        return [int(round(v)) for v in grid] if spec.type == "int" else grid
    return []


def _possible_range(
    calc: Calculator, values: dict[str, Any], missing: list[str]
) -> tuple[float, float] | None:
    """Bounds of a point score with its missing items anywhere in their allowed ranges.

    Starts from a mid-range (usually normal) value for each missing number and improves one
    item at a time (coordinate search, a few passes), which is exact for additive scores and
    handles items that share a criterion (e.g. "SBP < 90 or DBP <= 60").
    """
    specs = {s.name: s for s in calc.inputs}
    cands = {name: _candidates(specs[name]) for name in missing}
    if any(not c for c in cands.values()):
        return None

    memo: dict[tuple[Any, ...], float | None] = {}
    order = sorted(values.keys() | set(missing))

    def score(v: dict[str, Any]) -> float | None:
        # the coordinate searches revisit combinations (and share their start): compute once
        key = tuple(v.get(name) for name in order)
        try:
            if key in memo:
                return memo[key]
        except TypeError:  # an unhashable value: no memo
            key = (id(v), object())
        try:
            r = calc.compute(v)
            out = float(r.value) if isinstance(r.value, int | float) else None
        except Exception:  # noqa: BLE001 - a candidate combination may be invalid
            out = None
        memo[key] = out
        return out

    def search(sign: int) -> float | None:
        current = dict(values)
        for name in missing:
            c = cands[name]
            current[name] = c[len(c) // 2] if specs[name].type in {"number", "int"} else c[0]
        best = score(current)
        if best is None:
            return None
        for _ in range(3):
            changed = False
            for name in missing:
                for c in cands[name]:
                    s = score({**current, name: c})
                    if s is not None and sign * s > sign * best:
                        best, current[name], changed = s, c, True
            if not changed:
                break
        return best

    lo, hi = search(-1), search(1)
    if lo is None or hi is None:
        return None
    return (lo, hi)


# ---------------------------------------------------------------------- running
def calculate_facts(
    calc: Calculator, facts: NoteFacts | None, inputs: dict[str, Any] | None = None
) -> ScoreResult:
    values, evidence, missing, flags = resolve_inputs(calc, facts, inputs)
    if missing:
        possible = _possible_range(calc, values, missing) if calc.kind == "score" else None
        present = [
            Component(name=s.name, value=values.get(s.name), evidence=evidence.get(s.name, []))
            for s in calc.inputs
            if s.name in values and values[s.name] is not None
        ]
        return ScoreResult(
            calculator_id=calc.id,
            name=calc.name,
            value=None,
            unit=calc.unit,
            components=present,
            missing=missing,
            possible_range=possible,
            reference=calc.reference,
            flags=flags,
            interpretation="not computed: required inputs missing (" + ", ".join(missing) + ")",
        )
    result = calc.compute(values)
    for comp in result.components:
        if not comp.evidence and comp.name in evidence:
            comp.evidence = evidence[comp.name]
    result.flags = [*flags, *result.flags]
    if result.band is None and isinstance(result.value, int | float):
        band = calc.band(float(result.value))
        if band is not None:
            result.band = band.label
    return result


def calculate(
    calculator_id: str, text: str | None = None, inputs: dict[str, Any] | None = None
) -> ScoreResult:
    """Run one calculator on a note and/or explicit inputs (explicit inputs win)."""
    calc = get_calculator(calculator_id)
    if inputs is not None and not isinstance(inputs, dict):
        raise CalculatorInputError("inputs must be an object mapping input names to values")
    facts = NoteFacts.from_text(text) if text else None
    return calculate_facts(calc, facts, inputs)


def score_analysis(text: str, extraction: TextExtraction) -> list[ScoreResult]:
    """Every calculator a note calls for whose required inputs it holds, most relevant first."""
    facts = NoteFacts(extraction, text=text)
    results: list[tuple[int, str, ScoreResult]] = []
    for cid, cls in registry().items():
        calc = cls()
        try:
            if not calc.relevant(facts):
                continue
            result = calculate_facts(calc, facts)
        except CalculatorError as exc:
            _log.debug("calculator %s skipped: %s", cid, exc.code)
            continue
        except Exception as exc:  # noqa: BLE001 - one calculator's bug must not sink the report
            _log.warning("calculator %s failed (%s); skipped", cid, type(exc).__name__)
            continue
        if result.value is None and not (calc.partial_ok and result.components):
            continue
        results.append((calc.relevance, cid, result))
    results.sort(key=lambda t: (t[0], t[1]))
    return [r for _, _, r in results]
