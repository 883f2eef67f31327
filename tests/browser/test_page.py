"""The web page in headless Chromium: paste a note, drop an image, read the result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medassist.schemas.safety import DISCLAIMER

IMAGES = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "images"

NOTE = (
    "CC: cough and fever\n"
    "HPI: 67 yo M with productive cough and fever for 3 days. He denies chest pain. "
    "Mother had breast cancer.\n"
    "PMH: history of stroke.\n"
    "Vitals: BP 88/50, HR 124, RR 30, T 39.1 C, SpO2 88% on RA. Confused.\n"
    "Meds: metformin 500 mg PO BID\n"
    "Allergies: penicillin (rash)\n"
)


def _analyse(page, note: str = NOTE) -> None:  # type: ignore[no-untyped-def]
    page.fill("#note", note)
    page.click("#analyze")
    page.wait_for_selector("#note-view mark", timeout=60_000)


def test_note_is_highlighted_with_context_scores_and_disclaimer(page):
    _analyse(page)
    marks = page.locator("#note-view mark")
    assert marks.count() >= 4
    texts = {m.inner_text(): m.get_attribute("data-context") for m in marks.all()}
    assert texts.get("chest pain") == "negated"  # a negated finding, visible as such
    negated = page.locator("#note-view mark.ctx-negated", has_text="chest pain")
    assert negated.count() == 1
    tag = negated.evaluate("m => m.nextElementSibling && m.nextElementSibling.textContent")
    assert tag == "negated"  # the context is written next to the mention, not only coloured
    assert any("family" in (c or "") for c in texts.values())  # mother's breast cancer
    assert texts.get("fever") == "affirmed"
    assert page.locator("#note-view mark.cat-medication", has_text="metformin").count() == 1
    # the allergy line
    assert "penicillin" in page.inner_text("#allergies")
    # a score with the evidence behind each point, and its missing inputs named
    qsofa = page.locator(".score[data-calculator=qsofa]")
    assert qsofa.count() == 1
    body = qsofa.inner_text()
    assert "qSOFA" in body or "qsofa" in body.lower()
    assert "RR 30" in body and "88/50" in body  # the note's words as evidence
    # safety notices and the disclaimer on top
    assert page.inner_text("#disclaimer") == DISCLAIMER
    top = page.locator("#notices .notice").first
    assert "urgent" in top.get_attribute("class")
    header_y = page.locator("#notices").bounding_box()["y"]
    assert header_y < page.locator("#text-result").bounding_box()["y"]


def test_downloads_json_and_fhir(page, tmp_path):
    _analyse(page)
    with page.expect_download() as info:
        page.click("#download-note-json")
    path = tmp_path / "report.json"
    info.value.save_as(path)
    report = json.loads(path.read_text())
    assert report["safety"]["disclaimer"] == DISCLAIMER and report["entities"]
    with page.expect_download() as info:
        page.click("#download-note-fhir")
    info.value.save_as(tmp_path / "bundle.json")
    bundle = json.loads((tmp_path / "bundle.json").read_text())
    assert bundle["resourceType"] == "Bundle"


def _drop(page, path: Path, mime: str) -> None:  # type: ignore[no-untyped-def]
    data = list(path.read_bytes())
    page.evaluate(
        """([bytes, name, mime]) => {
            const file = new File([new Uint8Array(bytes)], name, { type: mime });
            const dt = new DataTransfer(); dt.items.add(file);
            const zone = document.getElementById('drop');
            zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true }));
            zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true }));
        }""",
        [data, path.name, mime],
    )


def _image(folder: str, suffix: str) -> Path:
    base = IMAGES / folder
    if not base.is_dir():
        pytest.skip(f"shared image data not available: {base}")
    return sorted(p for p in base.iterdir() if p.suffix.lower() == suffix)[0]


@pytest.mark.parametrize(
    ("folder", "suffix", "mime"),
    [("nih_cxr14", ".png", "image/png"), ("dicom_mr_siemens_dcm_qa", ".dcm", "application/dicom")],
    ids=["chest-xray-png", "mr-dicom"],
)
def test_drop_an_image(page, folder, suffix, mime):
    path = _image(folder, suffix)
    _drop(page, path, mime)
    assert path.name in page.inner_text("#image-name")
    page.click("#analyze")
    page.wait_for_selector("#quality-grade", timeout=60_000)
    grade = page.inner_text("#quality-grade")
    assert grade.split(":")[1].strip() in {"good", "acceptable", "poor"}
    body = page.inner_text("#image-result")
    assert "Observations to review" in body
    assert ("no image encoder" in body) or ("observation" in body.lower())
    if suffix == ".png":
        assert page.locator("#image-result img.preview").count() == 1
    else:
        assert "MR" in body
    assert page.inner_text("#disclaimer") == DISCLAIMER


def test_note_and_image_together(page):
    path = _image("nih_cxr14", ".png")
    page.fill("#note", NOTE)
    _drop(page, path, "image/png")
    page.click("#analyze")
    page.wait_for_selector("#quality-grade", timeout=60_000)
    assert page.locator("#note-view mark").count() >= 4


def test_api_key_is_asked_once_and_kept_for_the_tab(browser, tmp_path):
    from tests.api.conftest import KEY, start_server

    srv = start_server(data_dir=str(tmp_path), api_keys=f"clinic:{KEY}")
    try:
        context = browser.new_context()
        pg = context.new_page()
        pg.goto(srv.url + "/")
        assert pg.locator("#auth").is_hidden()
        pg.fill("#note", NOTE)
        pg.click("#analyze")
        pg.wait_for_selector("#auth:not([hidden])", timeout=30_000)
        pg.fill("#api-key", KEY)
        pg.click("#save-key")
        pg.wait_for_selector("#note-view mark", timeout=60_000)
        assert pg.evaluate("sessionStorage.getItem('medassist.apiKey')") == KEY
        pg.fill("#note", "Patient denies fever. HR 80.")
        pg.click("#analyze")
        pg.locator("#status", has_text="Done.").wait_for(timeout=60_000)
        assert pg.locator("#auth").is_hidden()  # asked once
        pg.reload()
        assert pg.evaluate("sessionStorage.getItem('medassist.apiKey')") == KEY  # same tab
        other = context.new_page()  # a new tab does not share sessionStorage
        other.goto(srv.url + "/")
        assert other.evaluate("sessionStorage.getItem('medassist.apiKey')") is None
        context.close()
    finally:
        srv.stop()
