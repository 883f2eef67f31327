"""The calculator registry: built-in modules listed once, plugins through entry points."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import medassist.risk
from medassist.risk import api
from medassist.risk.base import registry

RISK = Path(medassist.risk.__file__).parent


def _defines_calculator(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.ClassDef)
        and any(isinstance(b, ast.Name) and b.id == "Calculator" for b in node.bases)
        for node in tree.body
    )


def test_every_module_defining_a_calculator_is_listed() -> None:
    defining = {f"medassist.risk.{p.stem}" for p in RISK.glob("*.py") if _defines_calculator(p)}
    assert defining == set(api.BUILTIN_CALCULATOR_MODULES)


def test_registry_holds_every_builtin_calculator() -> None:
    ids = api.load_calculators()
    assert ids == tuple(sorted(registry()))
    assert {"cha2ds2_vasc", "has_bled", "caprini", "ckd_epi_2021", "mme"} <= set(ids)


PLUGIN = """
from medassist.risk.base import Calculator
from medassist.risk.scoring import criterion, finish, item


class PluginScore(Calculator):
    id = "test_plugin_score"
    name = "Test plugin score"
    reference = "none"
    kind = "score"
    inputs = [criterion("thing", "A thing")]

    def compute(self, values):
        return finish(self, [item("thing", values["thing"], 1 if values["thing"] else 0)])


NOT_A_CALCULATOR = object()
"""


def test_installed_plugins_are_registered_and_broken_ones_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real distribution on sys.path (dist-info with entry_points.txt) adds a calculator;
    entry points that are not calculators or fail to import are skipped."""
    (tmp_path / "medassist_test_plugin.py").write_text(PLUGIN, encoding="utf-8")
    info = tmp_path / "medassist_test_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: medassist-test-plugin\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[{api.ENTRY_POINT_GROUP}]\n"
        "good = medassist_test_plugin:PluginScore\n"
        "not_a_class = medassist_test_plugin:NOT_A_CALCULATOR\n"
        "broken = medassist_test_plugin_missing:Nothing\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    api.load_calculators.cache_clear()
    try:
        assert "test_plugin_score" in api.load_calculators()
        result = api.calculate("test_plugin_score", inputs={"thing": True})
        assert result.value == 1
    finally:
        from medassist.risk import base

        base._REGISTRY.pop("test_plugin_score", None)
        api.load_calculators.cache_clear()
