"""The recommendation page (``rmbase recommend --html FILE``): the answer first, the Pareto front and drivers as
figures, every candidate in a sortable table, every name escaped."""

from __future__ import annotations

import contextlib
import copy
import re

from helpers.report import DOLLAR, EVIL
from rmbase.report import write_recommendation_html
from rmbase.report.recommend_page import pareto_figure


def test_page_shows_ranking_intervals_front_and_drivers(recommendation, tmp_path):
    page = write_recommendation_html(recommendation, tmp_path / "r.html").read_text()
    assert page.count("<figure ") == 2 and 'id="fig-pareto"' in page and 'id="fig-drivers"' in page
    answer = page[page.index('id="answer"'):page.index("</section>")]
    top = recommendation["ranking"][0]
    assert top["model"] in answer and f"{top['score']['predicted']:.1f}" in answer
    assert f"[{top['score']['low']:.1f}, {top['score']['high']:.1f}]" in answer
    rows = re.findall(r"<tr><td", page)
    assert len(rows) >= recommendation["n_candidates"]  # every candidate, not only the top
    for m in recommendation["pareto_front"]:
        assert m in page


def test_names_are_escaped_on_the_page_and_literal_in_the_figure(recommendation, tmp_path):
    result = copy.deepcopy(recommendation)
    result["ranking"][0]["model"] = EVIL
    result["ranking"][1]["model"] = DOLLAR
    result["ranking"][1]["family"] = EVIL
    result["pareto_front"] = [EVIL, *result["pareto_front"]]
    page = write_recommendation_html(result, tmp_path / "r.html").read_text()
    assert EVIL not in page and "<b>9b</b>" not in page and page.count("<script") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    fig = pareto_figure(result).draw()
    labels = [t.get_text() for t in fig.axes[0].texts]
    shown = [fig.axes[0].texts[i]._preprocess_math(t) for i, t in enumerate(labels) if "<b>" in t]
    assert shown == [(f"2. {DOLLAR}", False)]


def test_write_is_atomic(recommendation, tmp_path):
    target = tmp_path / "r.html"
    target.write_text("old")
    bad = copy.deepcopy(recommendation)
    del bad["ranking"][0]["score"]
    with contextlib.suppress(KeyError):
        write_recommendation_html(bad, target)
    assert target.read_text() == "old" and not list(tmp_path.glob(".r.html*"))


def test_cli_recommend_writes_the_page(tmp_path, capsys):
    from rmbase.cli import main

    ids = ["Qwen/Qwen2.5-7B-Instruct", "google/gemma-2-9b-it", "meta-llama/Llama-3.2-1B-Instruct"]
    page = tmp_path / "rec.html"
    assert main(["recommend", "--candidates", ",".join(ids), "--method", "sparse_ridge", "--html", str(page),
                 "--json", str(tmp_path / "rec.json")]) == 0
    text = page.read_text()
    assert all(m in text for m in ids) and text.count("<figure ") == 2 and 'id="answer"' in text
    capsys.readouterr()
    assert main(["recommend", "--candidates", ids[0], "--html", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
