"""Today's bases in the report's answer and on the recommendation page: the table is there, it names the best
predicted base per size group with P(best) and its evidence beside the study's measured best, and every name in it
is escaped."""

from __future__ import annotations

import copy

from helpers.report import EVIL
from rmbase.report.recommend_page import render_recommendation
from rmbase.report.study_page import answer
from rmbase.report.todays_table import todays_table


def _todays(model: str) -> dict:
    best = {"model": model, "params_b": 8.2, "release": "2025-04-29", "predicted": 84.0, "low": 76.0, "high": 92.0,
            "p_best": 0.41, "support": "mapped", "flags": [f"family outside the RM evidence ({model})"],
            "studies": ["paper-2505.10775", "rb2-allenai-grid"], "outranks": None}
    return {"since": "2025-01-01", "n_released_since": 12, "method": "oll_average", "recipe": "regression",
            "note": "", "groups": [
                {"group": "6-10B", "n_bases": 5, "best": best, "runner_up": None, "study_group": ">=6B",
                 "study_best": {"model": "gemma-2-9b-it", "score": 88.1}},
                {"group": ">10B", "n_bases": 0, "best": None, "runner_up": None, "study_group": None,
                 "study_best": None}]}


def test_the_table_names_the_best_base_its_p_best_evidence_and_the_study_answer():
    html = todays_table(_todays("Qwen/Qwen3-8B"))
    assert 'data-key="todays_bases"' in html or "todays_bases" in html
    for text in ("Qwen/Qwen3-8B", "2025-04-29", "84.0", "[76.0, 92.0]", "0.41 of 5", "mapped",
                 "rb2-allenai-grid", "gemma-2-9b-it (88.1)", "no study base this size", "P(best in group)"):
        assert text in html, text


def test_the_study_answer_shows_todays_bases_and_escapes_names():
    study = {"n_models": 40, "target": "score", "recipe": "regression", "gains": [], "selection": [],
             "todays_bases": _todays(EVIL),
             "answer_method": {"method": "oll_average", "chosen_by": "the regression recipe's default",
                               "sets": ["rb2-allenai-grid"],
                               "table": [{"method": EVIL, "mean_spearman": 0.9,
                                          "per_set": {"rb2-allenai-grid": 0.9}}]}}
    html = answer(study)
    assert "Today's bases" in html and EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.index("Today's bases") < html.index("What to do next")


def test_the_recommendation_page_shows_the_same_table(recommendation):
    result = copy.deepcopy(recommendation)
    result["todays_bases"] = _todays(EVIL)
    result["ranking"][0]["flags"] = [EVIL]
    page = render_recommendation(result)
    answer_box = page[page.index('id="answer"'):page.index("</section>")]
    assert "Today's bases" in answer_box and "0.41 of 5" in answer_box
    assert EVIL not in page and page.count("<script") == 1
    assert "P(best)" in page


def test_summary_md_lists_todays_bases_with_names_escaped():
    from rmbase.report.summary import todays_lines

    study = {"todays_bases": _todays("evil|name`<b>x</b>"), "answer_method": {"method": "oll_average",
                                                                           "chosen_by": "the default"}}
    text = "\n".join(todays_lines(study))
    assert "## Today's bases" in text and "0.41" in text and "gemma-2-9b-it (88.1)" in text
    assert "evil\\|name\\`&lt;b&gt;x&lt;/b&gt;" in text and "<b>" not in text
    assert todays_lines({}) == []
