"""What `rmbase recommend` and `rmbase plan` print, rendered from small hand-made results: the columns a result
needs (and only those), the notes under the tables, and every user string printed as typed (rich markup, HTML,
emoji codes)."""

from __future__ import annotations

import copy

import pytest

from rmbase.report.console import markup, no_scores_lines, render_text
from rmbase.report.plan_console import plan_console, prior_note, simulation_console
from rmbase.report.recommend_console import evidence_text, ranking_table, recommendation_console

MARKUP = "acme/[red]EVIL[/red]"
TAG = "acme/x[/]y"
HTML = "acme/<script>alert(1)</script>"
EMOJI = "acme/:smile:-7b"


def _row(rank: int, model: str, **kw) -> dict:
    row = {"rank": rank, "model": model, "family": None, "params_b": 7.0 + rank, "measured": None,
           "score": {"predicted": 80.0 - rank, "low": 72.0 - rank, "high": 88.5 - rank}, "p_best": 0.5 / rank,
           "p_top_k": 0.9 / rank, "probes": {}, "scores_from": "bundled", "pareto": rank == 1,
           "support": "observed", "feature_status": "observed", "studies": ["paper-2505.10775"], "flags": [],
           "outranks": None, "extrapolation": [], "extrapolates": [], "drivers": []}
    row.update(kw)
    return row


def _recommendation(rows: list[dict], **kw) -> dict:
    result = {
        "recipe": "regression", "method": "oll_average", "method_choice": {"chosen_by": "--method"}, "top": 10,
        "n_candidates": len(rows), "n_size_only": 0, "size_only": None, "probabilities": {"k": 3},
        "interval": {"nominal_coverage": 0.9, "kind": "split conformal on leave-one-out residuals",
                     "per_target": {"score": {"halfwidth": 8.5, "empirical_coverage_loo": 0.9,
                                              "empirical_coverage_lofo": 0.85}}},
        "ranking": rows, "pareto_front": [r["model"] for r in rows if r["pareto"]],
        "pool": {"rule": "chat models only", "left_out": [], "left_out_counts": {}},
        "sources": {"file": None, "from_file": {}, "replaced_bundled": {}}, "unscorable": [], "no_scores": []}
    result.update(kw)
    return result


def _flat(renderable) -> str:
    return " ".join(render_text(renderable, width=400).split())


def test_recommend_prints_every_user_string_as_typed():
    rows = [_row(1, MARKUP, family="[bold]fam[/bold]", flags=["[blink]flag"],
                 drivers=[{"feature": "[i]ifeval", "contribution": 1.25}]),
            _row(2, HTML, studies=["study [x]"]), _row(3, EMOJI, outranks=f"ranked above {TAG}")]
    result = _recommendation(rows, unscorable=[{"model": TAG, "reason": "no [green]scores[/]"}],
                             method="[u]m", sources={"file": "/tmp/[red]s.csv", "from_file": {HTML: ["bbh"]},
                                                    "replaced_bundled": {MARKUP: ["[x]gpqa"]}})
    text = _flat(recommendation_console(result))
    for s in (MARKUP, HTML, EMOJI, TAG, "[bold]fam[/bold]", "[blink]flag", "[i]ifeval +1.2", "study [x]",
              "no [green]scores[/]", "Method [u]m: chosen by --method.", "/tmp/[red]s.csv", f"{HTML} (bbh)",
              f"{MARKUP}: [x]gpqa", f"#3 {EMOJI}: ranked above {TAG}."):
        assert s in text, s
    assert "😄" not in text


def test_recommend_shows_the_optional_columns_only_when_a_row_needs_them():
    plain = _flat(ranking_table(_recommendation([_row(1, "a/m"), _row(2, "b/m")])))
    for col in ("family", "drivers", "sections:", "probe_", "scores", "outside training range"):
        assert col not in plain, col
    rows = [_row(1, "a/m", family="Fam", drivers=[{"feature": "bbh", "contribution": -2.0}],
                 probes={"probe_frozen_bt": 0.71, "probe_likelihood": None, "probe_judge": None},
                 scores_from="file", chat={"predicted": 90.0},
                 extrapolation=[{"feature": "params_b", "value": 70.0, "low": 0.5, "high": 27.0,
                                 "used_by_predictor": True}]),
            _row(2, "b/m")]
    per_target = {"score": {"halfwidth": 8.5, "empirical_coverage_loo": 0.9, "empirical_coverage_lofo": 0.85},
                  "chat": {"halfwidth": 5.0, "empirical_coverage_loo": 0.9, "empirical_coverage_lofo": 0.8}}
    full = _flat(ranking_table(_recommendation(rows, interval={"nominal_coverage": 0.9, "kind": "x",
                                                               "per_target": per_target})))
    for text in ("family", "Fam", "drivers", "bbh -2.0", "sections: chat", "90.0", "- ", "probe_frozen_bt", "0.710",
                 "scores", "file", "evidence (outside training range)", "params_b 70 (0.5-27)", "79.0 ±8.5"):
        assert text in full, text
    assert "probe_likelihood" not in full  # no row has it


def test_evidence_cell_names_support_mapped_scores_studies_flags_and_outranking():
    row = _row(1, "a/m", support="nearest family", feature_status="mapped", studies=["s1", "s2"],
               flags=["family outside the RM evidence (X)", "size only: no scores"], outranks="ranked above ...")
    assert evidence_text(row, studies=True) == "nearest family; mapped scores; studies: s1, s2; new family; " \
                                               "ABOVE BETTER-SUPPORTED BASES"
    assert evidence_text(row) == "nearest family; mapped scores; new family; ABOVE BETTER-SUPPORTED BASES"


def test_recommend_notes_follow_the_result():
    rows = [_row(i, f"m/{i}", pareto=True, measured={"score": 85.0} if i == 1 else None) for i in range(1, 11)]
    text = _flat(recommendation_console(_recommendation(rows, top=2)))
    assert "RM evidence behind every row: paper-2505.10775." in text
    assert "Ranked by the published RM score where the study trained the base with this recipe" in text
    assert "empirical coverage 0.90 leave-one-out, 0.85 leave-one-family-out (nominal 0.90)" in text
    assert "Pareto front (size vs score): m/1, m/2, m/3, m/4, m/5, m/6, m/7, m/8..." in text
    assert "m/3 " not in text.split("Method")[0]  # --top 2: two rows in the table
    pooled = copy.deepcopy(_recommendation(rows[:2], units="rewardbench", studies_used=["a", "b"]))
    pooled["interval"]["per_target"]["score"]["empirical_coverage_loo"] = None
    pooled["ranking"][1]["studies"] = ["a"]
    text = _flat(recommendation_console(pooled))
    assert "RM evidence behind every row" not in text and "studies: a" in text  # per-row studies instead
    assert "Intervals: split conformal on leave-one-out residuals (nominal 0.90; typical half-width 8.5" in text
    assert "Pooled evidence of a, b; units: rewardbench." in text


def test_no_scores_guidance_is_printed_plain():
    entry = {"model": MARKUP, "commands": [f"rmbase benchmarks run --model '{MARKUP}'", "rmbase recommend [x]"],
             "estimate_text": "about 1 h", "without_scores": "nothing [b]at all[/b]",
             "several": "combine [them] first"}
    text = _flat(no_scores_lines([entry, {**entry, "model": HTML}])[0]) + " " + " ".join(
        _flat(x) for x in no_scores_lines([entry, {**entry, "model": HTML}])[1:])
    for s in ("No benchmark scores anywhere for 2 candidate(s)", f"{MARKUP}:", f"1. rmbase benchmarks run --model "
              f"'{MARKUP}'", "2. rmbase recommend [x]", "time: about 1 h", "rest on nothing [b]at all[/b]",
              f"{HTML}:", "combine [them] first"):
        assert s in text, s
    assert no_scores_lines([]) == [] and "combine" not in " ".join(_flat(x) for x in no_scores_lines([entry]))


def _plan(**kw) -> dict:
    result = {"n_pool": 12, "n_trained": 2, "best_trained": {"model": MARKUP, "score": 70.0},
              "proposals": [{"rank": 1, "model": HTML, "predicted": 71.25, "sd": 2.5, "acquisition": 0.8012},
                            {"rank": 2, "model": EMOJI, "predicted": None, "sd": None, "acquisition": 0.0}],
              "acquisition_explained": "ei = expected [improvement]", "unscorable": [], "no_scores": [],
              "study_prior": {"used": True, "kind": "pooled", "n_results": 50, "level_offset": -7.62,
                              "n_results_by_study": {"paper [1]": 42, "rb2": 8}, "units": "rewardbench [u]",
                              "replaced_by_yours": [TAG]}}
    result.update(kw)
    return result


def test_plan_prints_proposals_prior_and_names_as_typed():
    text = _flat(plan_console(_plan(unscorable=[{"model": "x"}]), budget=2, acquisition="ei", prior="capability"))
    for s in ("Next 2 base(s) to train (ei, capability prior; pool of 12, 2 trained)", HTML, "71.2", "2.5", "0.801",
              EMOJI, f"Best so far: {MARKUP} (70.0).", "ei = expected [improvement]",
              "Prior evidence: 50 bases with published RM results (paper [1] 42, rb2 8), mapped into one unit "
              "(rewardbench [u])", "(they sit -7.6 points from the evidence's fit)",
              f"your results replace the evidence for {TAG}.", "1 pool entries without all benchmark features"):
        assert s in text, s
    assert "😄" not in text and "Probing" not in text


@pytest.mark.parametrize(("sp", "expected"), [
    ({"used": False, "reason": "--no-study-prior [x]"},
     "Prior evidence: none (--no-study-prior [x]); the surrogate starts from its flat prior."),
    ({"used": True, "kind": "study", "n_results": 38, "recipe": "regression", "dataset": "d[1]", "level_offset": None,
      "replaced_by_yours": []},
     "Prior evidence: the 38 published regression results of the study (d[1]) fix how the features weigh; your "
     "results set the level (none yet: the levels are the study's)."),
])
def test_plan_prior_notes(sp, expected):
    assert _flat(plan_console(_plan(study_prior=sp, best_trained=None), budget=1, acquisition="thompson",
                              prior="flat")).count(expected) == 1
    assert _flat(markup(prior_note(sp, prior="flat"))) == expected


def test_plan_probe_value_verdict():
    v = {"probe_first": True, "n_candidates": 3, "rho": 0.6, "probe_cost_in_trainings": 0.0125,
         "value_of_information": 1.234, "threshold": 0.5, "break_even_probe_cost": 0.25}
    text = _flat(plan_console(_plan(probe_value=v), budget=1, acquisition="ei", prior="capability"))
    assert ("Probing the 3 unprobed candidate(s) (rho 0.6, cost 0.01 trainings): value of information 1.23 vs "
            "threshold 0.50 points -> probe them first (break-even probe cost 0.25).") in text


def test_simulation_table_and_note():
    result = {"tol": 1.0, "best": {"model": MARKUP, "score": 88.06}, "recipe": "regression", "n_bases": 20,
              "n_starts": 5, "best_single_benchmark_feature": "[b]bbh", "study_defaults": [HTML, EMOJI],
              "strategies": [{"strategy": "bo_ei_[x]", "median": 3.0, "p90": 5.5, "mean": 3.25, "max": 7}]}
    text = _flat(simulation_console(result))
    for s in (f"Trainings until a base within 1 point of the best ({MARKUP}, 88.1) is trained — regression, 20 "
              "bases, 5 random starts", "bo_ei_[x] │ 3 │ 5.5 │ 3.2 │ 7", "best_single_benchmark uses [b]bbh",
              f"study_default trains {HTML}, {EMOJI} first, then at random."):
        assert s in text, s
