"""Every public output path carries the safety section and the disclaimer.

Python API here; the CLI (tests/cli), HTTP (tests/api) and FHIR (tests/test_fhir.py) paths
assert the same on their own outputs. Reports cannot even be constructed without a safety
section listing all five layers.
"""

from __future__ import annotations

import pydantic
import pytest
from pydicom.data import get_testdata_file

import medassist
from medassist.pipelines.score import run_score_pipeline
from medassist.schemas.imaging import ImageAnalysis, ImageMetadata, QualityReport
from medassist.schemas.safety import DISCLAIMER, SAFETY_LAYERS, SafetySection
from medassist.schemas.scores import ScoreReport
from medassist.schemas.text import TextAnalysis

NOTE = "HPI: 80 yo M, new confusion, RR 32, BP 85/50, HR 120, T 39.1 C, SpO2 88% RA. Patient has pneumonia."


def _assert_safe(report) -> None:
    assert report.safety.disclaimer == DISCLAIMER
    assert list(report.safety.layers_run) == list(SAFETY_LAYERS)
    assert (
        report.safety.audit is not None
        and report.safety.audit.medassist_version == medassist.__version__
    )


def test_python_text_path():
    report = medassist.analyze_text(NOTE)
    _assert_safe(report)
    assert report.safety.notices[0].severity == "urgent"
    assert "has pneumonia" not in report.summary.text.lower()


@pytest.mark.parametrize(
    "raw", ["", b"", "   \n", NOTE.encode("utf-16")], ids=["empty", "empty-bytes", "blank", "utf16"]
)
def test_python_text_path_edge_inputs(raw):
    _assert_safe(medassist.analyze_text(raw))


def test_python_image_path():
    _assert_safe(medassist.analyze_image(get_testdata_file("CT_small.dcm")))


def test_python_score_path():
    _assert_safe(run_score_pipeline("qsofa", text=NOTE))
    _assert_safe(run_score_pipeline("bmi", inputs={"weight": 70, "height": 175}))


@pytest.mark.parametrize(
    "layers", [[], ["input_guard"], list(SAFETY_LAYERS[:-1])], ids=["none", "one", "four"]
)
def test_reports_refuse_incomplete_safety(layers):
    section = SafetySection(layers_run=layers)
    with pytest.raises(pydantic.ValidationError, match="safety layer"):
        TextAnalysis(text_length=0, safety=section)
    meta = ImageMetadata(format="png", rows=1, columns=1)
    with pytest.raises(pydantic.ValidationError, match="safety layer"):
        ImageAnalysis(metadata=meta, quality=QualityReport(grade="good"), safety=section)
    result = run_score_pipeline("bmi", inputs={"weight": 70, "height": 175}).result
    with pytest.raises(pydantic.ValidationError, match="safety layer"):
        ScoreReport(result=result, safety=section)


def test_scores_inside_a_text_report_pass_the_score_layers():
    from medassist.safety import enforce_non_diagnostic

    report = medassist.analyze_text("DKA. Na 130, Cl 90, HCO3 10, albumin 4.0, glucose 500 mg/dL.")
    assert report.scores
    for score in report.scores:
        for text in (score.band, score.interpretation):
            if text:
                assert enforce_non_diagnostic(text).text == text, text
        for comp in score.components:
            for ev in comp.evidence:
                if ev.source == "note":
                    assert ev.text is not None and ev.start is not None and ev.end is not None


def test_a_calculator_bug_does_not_sink_the_report():
    report = medassist.analyze_text("Pain: oxycodone 10 mg every 0 hours, then q0h.")
    _assert_safe(report)


def test_python_analyze_path_without_a_model():
    report = medassist.analyze(NOTE, get_testdata_file("CT_small.dcm"))
    _assert_safe(report)
    _assert_safe(report.text)
    _assert_safe(report.image)
    assert report.model.state == "not_configured"
    assert report.notices[0].severity == "urgent"  # the text report's red flags stay on top


@pytest.mark.parametrize("layers", [[], list(SAFETY_LAYERS[:-1])], ids=["none", "four"])
def test_analysis_report_refuses_incomplete_safety(layers):
    from medassist.schemas.analysis import AnalysisReport, ModelStatus

    with pytest.raises(pydantic.ValidationError, match="safety layer"):
        AnalysisReport(
            model=ModelStatus(state="not_configured"), safety=SafetySection(layers_run=layers)
        )
