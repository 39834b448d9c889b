"""Class 3 of issue 11: one set of range rules (rmbase.ranges) at every door — benchmark imports, study tables,
recommend and plan inputs. Impossible values are refused with file, row/task and column; NaN is reported."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers.bad_input import assert_refused, run
from rmbase import ranges as R
from rmbase.datasets import load_bundled
from rmbase.errors import InputError

SIX = ("ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro")


def lm_eval_file(path, **metrics):
    """An lm-eval results file with the GPQA/MATH/MMLU-Pro groups (``metrics`` overrides their values)."""
    res = {"leaderboard_gpqa": {"acc_norm,none": metrics.get("gpqa", 0.3)},
           "leaderboard_math_hard": {"exact_match,none": metrics.get("math", 0.1)},
           "leaderboard_mmlu_pro": {"acc,none": metrics.get("mmlu_pro", 0.28)}}
    path.write_text(json.dumps({"results": res, "model_name": "acme/Tiny-1B"}), encoding="utf-8")
    return path


@pytest.mark.parametrize("value, shown", [(1.7, "1.7"), (-0.1, "-0.1"), (float("inf"), "inf")])
def test_lm_eval_impossible_accuracy_is_refused(tmp_path, capsys, value, shown):
    src = lm_eval_file(tmp_path / "results_a.json", gpqa=value)
    out = tmp_path / "scores.csv"
    assert_refused(["benchmarks", "import", src, "--out", out], capsys, str(src), "leaderboard_gpqa",
                   "acc_norm,none", shown, "from 0 to 1", not_written=(out,))


def test_lm_eval_nan_metric_is_reported_not_an_empty_cell(tmp_path, capsys):
    src = lm_eval_file(tmp_path / "results_a.json", gpqa=float("nan"))
    out = tmp_path / "scores.csv"
    code, stdout, _ = run(["benchmarks", "import", src, "--out", out], capsys)
    assert code == 0
    assert "NaN metric skipped" in stdout and "leaderboard_gpqa" in stdout
    df = pd.read_csv(out)
    assert "gpqa" not in set(df.benchmark) and df.value.notna().all()
    assert {"math_lvl5", "mmlu_pro"} <= set(df.benchmark)


def evalplus_file(path, statuses):
    ev = {f"HumanEval/{i}": [{"base_status": b, "plus_status": p}] for i, (b, p) in enumerate(statuses)}
    path.write_text(json.dumps({"eval": ev}), encoding="utf-8")
    return path


def test_evalplus_unknown_status_is_an_error_not_a_failed_test(tmp_path, capsys):
    src = evalplus_file(tmp_path / "acme--Tiny-1B_hf_temp_0.0_eval_results.json",
                        [("pass", "pass"), ("PASSED", "pass")])
    out = tmp_path / "scores.csv"
    assert_refused(["benchmarks", "import", src, "--out", out], capsys, str(src), "HumanEval/1",
                   "unknown base_status 'PASSED'", "pass, fail, timeout", not_written=(out,))


def test_evalplus_known_statuses_still_import(tmp_path, capsys):
    src = evalplus_file(tmp_path / "acme--Tiny-1B_hf_temp_0.0_eval_results.json",
                        [("pass", "pass"), ("fail", None), ("timeout", "fail"), ("pass", "fail")])
    out = tmp_path / "scores.csv"
    code, _, _ = run(["benchmarks", "import", src, "--out", out, "--scale", "raw"], capsys)
    assert code == 0
    df = pd.read_csv(out).set_index("benchmark")
    assert df.loc["humaneval", "value"] == pytest.approx(0.5)


def test_evalplus_pass_at_k_out_of_range(tmp_path, capsys):
    src = tmp_path / "acme--Tiny-1B_hf_temp_0.0_eval_results.json"
    src.write_text(json.dumps({"pass_at_k": {"base": {"pass@1": 3.5}}, "dataset": "humaneval"}), encoding="utf-8")
    out = tmp_path / "scores.csv"
    assert_refused(["benchmarks", "import", src, "--out", out], capsys, str(src), "pass@1", "3.5",
                   not_written=(out,))


@pytest.mark.parametrize("value, shown", [(250.0, "250"), (float("inf"), "inf"), (-3.0, "-3")])
def test_leaderboard_table_out_of_range(tmp_path, capsys, value, shown):
    src = tmp_path / "wide.csv"
    rows = pd.DataFrame({"model": ["a/x", "b/y"], **{b: [40.0, 50.0] for b in SIX}})
    rows.loc[1, "gpqa"] = value
    rows.to_csv(src, index=False)
    out = tmp_path / "scores.csv"
    assert_refused(["benchmarks", "import", src, "--out", out], capsys, str(src), "row 2", "column 'gpqa'", shown,
                   not_written=(out,))


# ------------------------------------------------------------------ study tables
def study_tables(tmp_path, edit=None):
    d = load_bundled()
    tables = {"models": d.models.copy(), "results": d.results.copy(), "benchmarks": d.benchmarks.copy()}
    if edit:
        edit(tables)
    paths = {}
    for name, df in tables.items():
        paths[name] = tmp_path / f"{name}.csv"
        df.to_csv(paths[name], index=False)
    return paths


def study_argv(paths, out):
    return ["study", "--models", paths["models"], "--results", paths["results"], "--benchmarks",
            paths["benchmarks"], "--out", out, "--no-out-of-fold", "--no-selection"]


def _set(table, col, row, value):
    def edit(t):
        t[table][col] = t[table][col].astype(object) if isinstance(value, str) else t[table][col]
        t[table].loc[row, col] = value
    return edit


@pytest.mark.parametrize("table, col, value, shown, rule", [
    ("benchmarks", "value", 250.0, "250", "from 0 to 100"),
    ("benchmarks", "value", float("inf"), "inf", "from 0 to 100"),
    ("results", "score", 1e9, "1e+09", "from 0 to 100"),
    ("results", "chat", -5.0, "-5", "from 0 to 100"),
    ("models", "params_b", -7.0, "-7", "> 0"),
    ("models", "params_b", 0.0, "0", "> 0"),
    ("models", "pretrain_tokens_t", float("-inf"), "-inf", ">= 0"),
    ("models", "params_b", "lots", "'lots'", "finite number"),
])
def test_study_tables_out_of_range(tmp_path, capsys, table, col, value, shown, rule):
    paths = study_tables(tmp_path, _set(table, col, 3, value))
    out = tmp_path / "out"
    err = assert_refused(study_argv(paths, out), capsys, str(paths[table]), "row 4", f"column '{col}'", rule,
                         not_written=(out,))
    assert "np.float64" not in err


def test_inf_is_called_inf():
    with pytest.raises(InputError, match=r"is out of range.*expected a number from 0 to 1") as e:
        R.check_value(float("inf"), R.RAW, path="f.json", where="task 'x'")
    assert "inf is out of range" in str(e.value) and "np." not in str(e.value)
    assert R.describe(float("nan")) == "NaN" and R.describe(float("-inf")) == "-inf"


def test_plan_trained_scores_out_of_range(tmp_path, capsys):
    trained = tmp_path / "trained.csv"
    pd.DataFrame({"model": ["Llama-3.1-8B-Instruct"], "score": [1e9]}).to_csv(trained, index=False)
    assert_refused(["plan", "--results", trained], capsys,
                   str(trained), "row 1", "column 'score'", "from 0 to 100")


def test_recommend_sizes_out_of_range(tmp_path, capsys):
    src = tmp_path / "cands.csv"
    pd.DataFrame({"model": ["a/x"], "params_b": [-1.0], **{b: [40.0] for b in SIX}}).to_csv(src, index=False)
    assert_refused(["recommend", "--benchmarks", src], capsys, str(src), "row 1", "column 'params_b'", "> 0")
