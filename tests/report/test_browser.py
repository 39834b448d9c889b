"""report.html in a real headless Chromium (Debian's `chromium`; skipped with the reason where it is absent): no
console error, no network request, every figure loaded with a non-zero size, tables sort, hostile names stay text,
prints to PDF. Screenshots are kept under test-artifacts/report/ (gitignored) for a person to look at."""

from __future__ import annotations

import json

import pytest

from helpers.cdp_browser import Browser, find_chromium
from helpers.report import ARTIFACTS, EVIL

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install chromium)")

FIGURES_JS = """Array.from(document.querySelectorAll('figure')).map(f => {
  const img = f.querySelector('img'); const r = img.getBoundingClientRect();
  return {name: f.dataset.figure, complete: img.complete, natural: img.naturalWidth, width: r.width,
          height: r.height, alt: img.alt, caption: f.querySelector('figcaption').textContent};
})"""


@pytest.fixture
def browser():
    b = Browser(CHROMIUM)
    yield b
    b.close()


def _check_clean(b, page_url):
    b.drain(0.5)
    assert b.console_errors() == []
    assert not [e for e in b.events if e.get("method") == "Page.javascriptDialogOpening"]
    requests = b.requests()
    assert requests[0] == page_url
    assert all(u == page_url or u.startswith("data:image/svg+xml;base64,") for u in requests), requests


def test_study_report_in_chromium(full_study, browser):
    study = json.loads((full_study / "study.json").read_text())
    url = (full_study / "report.html").as_uri()
    browser.open(url)
    figures = browser.evaluate(FIGURES_JS)
    on_disk = sorted(p.stem for p in (full_study / "figures").glob("*.png"))
    assert sorted(f["name"] for f in figures) == on_disk and len(figures) >= 9
    for f in figures:
        assert f["complete"] and f["natural"] > 100 and f["width"] > 100 and f["height"] > 100, f
        assert f["alt"] and "study.json" in f["caption"]
    _check_clean(browser, url)

    # hostile names are text, not markup: one script (the page's), no <b> element, the name shown literally
    assert browser.evaluate("document.scripts.length") == 1
    assert browser.evaluate("document.querySelectorAll('b').length") == 0
    assert EVIL in browser.evaluate("document.body.textContent")

    # the answer comes first and names the recommended base of every size group
    first = browser.evaluate("document.querySelector('section').id")
    assert first == "answer"
    answer = browser.evaluate("document.querySelector('#answer').innerText")
    assert all(g["best_model"] in answer for g in study["gains"])

    # a click on a numeric header sorts the rows by that column, a second click reverses
    sort_js = """(() => { const t = document.querySelector('#correlations table.sortable');
      const col = Array.from(t.tHead.rows[0].cells).findIndex(c => c.textContent.trim() === 'Spearman');
      t.tHead.rows[0].cells[col].querySelector('button').click();
      const a = Array.from(t.tBodies[0].rows).map(r => parseFloat(r.cells[col].dataset.sort));
      t.tHead.rows[0].cells[col].querySelector('button').click();
      const d = Array.from(t.tBodies[0].rows).map(r => parseFloat(r.cells[col].dataset.sort));
      return [a, d, t.tHead.rows[0].cells[col].getAttribute('aria-sort')]; })()"""
    asc, desc, state = browser.evaluate(sort_js)
    assert asc == sorted(asc) and desc == sorted(desc, reverse=True) and state == "descending" and len(asc) == 9

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    top = browser.screenshot(ARTIFACTS / "study_top.png")
    full = browser.screenshot(ARTIFACTS / "study_full.png", full_page=True)
    printed = browser.screenshot(ARTIFACTS / "study_print_media.png", media="print")
    pdf = browser.print_pdf(ARTIFACTS / "study.pdf")
    assert min(p.stat().st_size for p in (top, full, printed)) > 20_000
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 100_000
    # printing unfolds the folded long tables
    assert browser.evaluate("Array.from(document.querySelectorAll('details')).every(d => d.open)")


def test_recommendation_page_in_chromium(recommendation, browser, tmp_path):
    from rmbase.report import write_recommendation_html

    path = write_recommendation_html(recommendation, tmp_path / "recommend.html")
    url = path.as_uri()
    browser.open(url)
    figures = browser.evaluate(FIGURES_JS)
    assert [f["name"] for f in figures] == ["pareto", "drivers"]
    assert all(f["complete"] and f["natural"] > 100 and f["height"] > 100 for f in figures)
    _check_clean(browser, url)
    assert browser.evaluate("document.querySelector('section').id") == "answer"
    assert recommendation["ranking"][0]["model"] in browser.evaluate("document.querySelector('#answer').innerText")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.screenshot(ARTIFACTS / "recommend_full.png", full_page=True)
