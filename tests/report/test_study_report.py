"""report.html and figures/ of a study: written by `rmbase study`, rebuilt by `rmbase report`, every user string
escaped, every figure captioned with its study.json key, PNG at 200 dpi beside an SVG."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shutil

import pytest

from helpers.report import DOLLAR, EVIL
from rmbase.cli import main


def _figures(page: str) -> list[dict]:
    out = []
    for m in re.finditer(r'<figure id="fig-([a-z_]+)"[^>]*><img src="data:image/svg\+xml;base64,([^"]+)" '
                         r'alt="([^"]*)"[^>]*>(.*?)</figure>', page, flags=re.S):
        out.append({"name": m.group(1), "svg": base64.b64decode(m.group(2)).decode(), "alt": m.group(3),
                    "caption": m.group(4)})
    return out


def test_study_writes_report_and_figures(user_study):
    page = (user_study / "report.html").read_text()
    figs = _figures(page)
    names = {f["name"] for f in figs}
    # without selection: no out-of-fold figures, the rest from the tables alone
    assert {"gains", "correlations", "scatter", "coverage", "post_training", "pca_scree", "recipes"} <= names
    assert "oof_predictions" not in names
    for name in names:
        png = user_study / "figures" / f"{name}.png"
        svg = user_study / "figures" / f"{name}.svg"
        assert png.stat().st_size > 1000 and svg.read_text().startswith("<?xml")
        from PIL import Image

        with Image.open(png) as im:
            assert round(im.info["dpi"][0]) == 200


def test_every_figure_has_alt_caption_and_an_existing_key(full_study):
    study = json.loads((full_study / "study.json").read_text())
    page = (full_study / "report.html").read_text()
    figs = _figures(page)
    assert {"oof_predictions", "coverage", "external_validation"} <= {f["name"] for f in figs}
    assert page.count("<figure ") == len(figs)
    for f in figs:
        assert len(f["alt"]) > 30, f["name"]
        keys = re.search(r"Numbers from study.json: <code>([^<]+)</code>", f["caption"]).group(1)
        for key in keys.split(", "):
            head = key.split(".")[0].split("[")[0]
            assert head in study, (f["name"], key)
    numbers = [int(n) for n in re.findall(r"<strong>Figure (\d+)\.", page)]
    assert numbers == list(range(1, len(figs) + 1))  # numbered in page order


def test_user_strings_are_escaped(full_study):
    page = (full_study / "report.html").read_text()
    assert EVIL not in page and "<b>9b</b>" not in page
    assert page.count("<script") == 1  # the page's own sorting script, nothing else
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "gemma $x$ &amp; &quot;co&quot; &lt;b&gt;9b&lt;/b&gt;" in page
    for svg in list((full_study / "figures").glob("*.svg")) + [f["svg"] for f in _figures(page)]:
        text = svg if isinstance(svg, str) else svg.read_text()
        assert "<script" not in text.lower()


def test_csp_allows_only_the_pages_own_script(full_study):
    page = (full_study / "report.html").read_text()
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', page).group(1)
    script = re.search(r"<script>(.*)</script>", page, flags=re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp and "img-src data:" in csp
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page


def test_names_with_dollar_render_literally(full_study):
    """Matplotlib reads $...$ as mathtext: the labels of a base named with dollars must come out literally."""
    from rmbase.report.figures import scatter_figure
    from rmbase.report.plotting import pyplot

    study = json.loads((full_study / "study.json").read_text())
    fig = scatter_figure(study).draw()
    try:
        texts = [t for ax in fig.axes for t in ax.texts if "9b" in t.get_text()]
        assert texts, "the best base is labelled"
        for t in texts:
            shown, is_math = t._preprocess_math(t.get_text())
            assert shown == DOLLAR and is_math is False
    finally:
        pyplot().close(fig)


def test_the_page_opens_with_the_answer(full_study):
    study = json.loads((full_study / "study.json").read_text())
    page = (full_study / "report.html").read_text()
    body = page[page.index("<body>"):]
    first = re.search(r"<section[^>]*>", body).group(0)
    assert 'id="answer"' in first
    answer = body[body.index(first):body.index("</section>")]
    for g in study["gains"]:
        assert f"<td>{html.escape(g['best_model'])}</td>" in answer
    best = max((r for r in study["selection"] if r["validation"] == "loo"), key=lambda r: r["coverage_mean_5_10"])
    assert f"<code>{best['method']}</code>" in answer and "What to do next" in answer
    assert f"{best['spearman']:.2f}" in answer


def test_rmbase_report_rebuilds_the_same_page_from_study_json(full_study, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(full_study / "study.json", copy / "study.json")
    assert main(["report", str(copy)]) == 0
    assert (copy / "report.html").read_bytes() == (full_study / "report.html").read_bytes()
    assert sorted(p.name for p in (copy / "figures").iterdir()) == sorted(
        p.name for p in (full_study / "figures").iterdir())
    # the same with the folder given by --config (the shared options-file mechanism)
    (copy / "report.html").unlink()
    (tmp_path / "report.yaml").write_text(f"folder: {copy}\n")
    assert main(["report", "--config", str(tmp_path / "report.yaml")]) == 0
    assert (copy / "report.html").read_bytes() == (full_study / "report.html").read_bytes()


def test_rmbase_report_bad_input_exits_2_and_keeps_the_old_page(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "no study.json" in capsys.readouterr().err
    (tmp_path / "study.json").write_text("{not json")
    (tmp_path / "report.html").write_text("old")
    assert main(["report", str(tmp_path)]) == 2
    assert "cannot parse" in capsys.readouterr().err
    (tmp_path / "study.json").write_text(json.dumps({"dataset": "x", "recipe": "regression", "target": "score",
                                                     "n_models": 3, "gains": [{"group": "<3B"}]}))
    assert main(["report", str(tmp_path)]) == 2
    assert "schema" in capsys.readouterr().err
    assert (tmp_path / "report.html").read_text() == "old" and not (tmp_path / "figures").exists()
    assert not list(tmp_path.parent.glob(f".{tmp_path.name}.staging*"))


@pytest.mark.parametrize("name", ["$", "a$b$c", "\\$", "cost $5"])
def test_tex_makes_any_string_literal(name):
    from rmbase.report.plotting import pyplot, tex

    plt = pyplot()
    fig = plt.figure()
    try:
        t = fig.text(0, 0, tex(name))
        assert t._preprocess_math(t.get_text()) == (name, False)
        fig.canvas.draw()
    finally:
        plt.close(fig)
