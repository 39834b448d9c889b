"""End to end: `rmbase study` on the bundled data reproduces the study's published figures."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from rmbase.cli import main


@pytest.fixture(scope="module")
def bt_study(tmp_path_factory):
    out = tmp_path_factory.mktemp("study") / "bt"
    code = main(["study", "--recipe", "bradley_terry", "--out", str(out), "--n-jobs", "2"])
    assert code == 0
    return out, json.loads((out / "study.json").read_text())


def test_study_writes_documented_schema(bt_study):
    out, study = bt_study
    assert (out / "summary.md").read_text().startswith("# rmbase study")
    assert (out / "config.yaml").exists()
    # the report: every figure of the full study, as PNG + SVG and inline in report.html
    figures = {"gains", "correlations", "scatter", "coverage", "oof_predictions", "post_training", "pca_scree",
               "recipes", "external_validation"}
    assert {p.stem for p in (out / "figures").glob("*.png")} == {p.stem for p in (out / "figures").glob("*.svg")} \
        == figures
    page = (out / "report.html").read_text()
    assert all(f'id="fig-{name}"' in page for name in figures)
    for key in ("dataset", "recipe", "target", "n_models", "gains", "correlations", "coverage", "combination",
                "post_training", "pca", "recipes", "selection", "external_validation", "provenance", "design",
                "selection_predictions", "selection_coverage"):
        assert key in study, key
    assert study["n_models"] == 40 and study["recipe"] == "bradley_terry"
    assert len(study["correlations"]) == 9 * 5  # 9 features x 5 targets
    assert len(study["coverage"]) == 9 * 40
    assert set(study["correlations"][0]) == {"feature", "target", "n", "pearson", "pearson_p", "spearman", "spearman_p",
                                             "kendall", "kendall_p", "ci_low", "ci_high", "q_value"}
    paper = study["combination"]["paper"]
    assert set(paper["in_sample"]) == set(paper["out_of_fold"]) - {"validation"} == {
        "coverage_mean_5_10", "gain_over_best_single", "spearman", "mae", "regret_at_1", "regret_at_3"}
    prov = study["provenance"]
    assert prov["config"]["recipe"] == "bradley_terry" and len(prov["data_sha256"]["benchmarks.csv"]) == 64
    assert prov["packages"]["scikit-learn"]
    # out-of-fold predictions per base, for both recipes and validations, and the study's ElasticNet (loo)
    oof = {(p["method"], p["validation"], p["recipe"]): p for p in study["selection_predictions"]}
    assert ("study_elasticnet", "loo", "bradley_terry") in oof and len(oof) == len(study["selection"])
    en = oof[("study_elasticnet", "loo", "bradley_terry")]
    assert en["values"] == paper["out_of_fold_predictions"] and len(en["actual"]) == 40
    assert all(len(c["coverage"]) == 40 and c["coverage"][-1] == 1.0 for c in study["selection_coverage"])
    assert len(study["design"]["rows"]) == 40 and study["design"]["features"] == list(
        study["design"]["rows"][0]["features"])


def test_selection_rows_cover_both_recipes_and_both_validations(bt_study):
    _, study = bt_study
    rows = study["selection"]
    assert {(r["recipe"], r["validation"]) for r in rows} == {
        (rec, v) for rec in ("regression", "bradley_terry") for v in ("loo", "lofo")}
    assert set(rows[0]) == {"method", "validation", "recipe", "spearman", "mae", "coverage_mean_5_10",
                            "regret_at_1", "regret_at_3"}
    # the study's ElasticNet row is the combination's own nested leave-one-out figure
    paper_oof = study["combination"]["paper"]["out_of_fold"]
    row = next(r for r in rows if r["method"] == "study_elasticnet")
    assert (row["recipe"], row["validation"]) == ("bradley_terry", "loo")
    assert row["coverage_mean_5_10"] == paper_oof["coverage_mean_5_10"]
    assert study["external_validation"]["sets"]
    # the bases that cost the best leave-one-out ranking most, per recipe
    influence = {i["recipe"]: i for i in study["selection_influence"]}
    assert set(influence) == {"regression", "bradley_terry"}
    reg = influence["regression"]
    best = max((r for r in rows if r["recipe"] == "regression" and r["validation"] == "loo"),
               key=lambda r: r["coverage_mean_5_10"])
    assert reg["method"] == best["method"] and reg["coverage_mean_5_10"] == best["coverage_mean_5_10"]
    top = reg["bases"][0]
    assert top["model"] == "Phi-3-small-8k-instruct" and top["true_rank"] == 30
    assert top["coverage_mean_5_10_if_right"] > 0.75 and top["regret_at_3_if_right"] == 0.0


def test_published_gain_of_best_small_base(bt_study):
    _, study = bt_study
    small = next(g for g in study["gains"] if g["group"] == "<3B")
    assert small["best_model"] == "gemma-2-2b-it" and small["default_model"] == "Llama-3.2-1B-Instruct"
    assert small["gain_points"] == pytest.approx(14.3, abs=1e-6)


def test_published_sft_gain_over_base(bt_study):
    _, study = bt_study
    sft = next(r for r in study["post_training"] if r["stage"] == "sft" and r["section"] == "score")
    assert sft["delta_percent"] == pytest.approx(15.5, abs=0.05)


def test_out_of_fold_is_not_better_than_in_sample(bt_study):
    _, study = bt_study
    paper = study["combination"]["paper"]
    assert paper["out_of_fold"]["mae"] >= paper["in_sample"]["mae"]


def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    from rmbase.datasets import load_bundled

    d = load_bundled()
    models = tmp_path / "models.csv"
    d.models.drop(columns="params_b").to_csv(models, index=False)
    results, bench = tmp_path / "results.csv", tmp_path / "bench.csv"
    d.results.to_csv(results, index=False)
    d.benchmarks.to_csv(bench, index=False)
    out = tmp_path / "out"
    code = main(["study", "--models", str(models), "--results", str(results), "--benchmarks", str(bench),
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "missing column(s) params_b" in err and str(models) in err
    assert not out.exists() and not list(tmp_path.glob(".out.staging*"))


@pytest.mark.parametrize("args, message", [
    (["--recipe", "dpo"], "recipe"),
    (["--target", "helpfulness"], "target"),
    (["--default", "<3B"], "GROUP=MODEL"),
])
def test_unknown_options_exit_2(tmp_path, capsys, args, message):
    out = tmp_path / "o"
    assert main(["study", "--out", str(out), *args]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_user_tables_end_to_end(tmp_path):
    from rmbase.datasets import load_bundled

    d = load_bundled()
    paths = {}
    for name, df in (("models", d.models), ("results", d.results), ("benchmarks", d.benchmarks)):
        paths[name] = tmp_path / f"{name}.parquet"
        df.to_parquet(paths[name])
    out = tmp_path / "o"
    code = main(["study", "--models", str(paths["models"]), "--results", str(paths["results"]), "--benchmarks",
                 str(paths["benchmarks"]), "--target", "chat_hard", "--out", str(out), "--no-out-of-fold", "--no-selection"])
    assert code == 0
    study = json.loads((out / "study.json").read_text())
    assert study["target"] == "chat_hard" and study["post_training"] == []
    assert "out_of_fold" not in study["combination"]["paper"]
    best = pd.Series({r["model"]: r["score"] for r in study["gains_per_model"]}).idxmax()
    assert best == d.results[d.results.recipe == "regression"].set_index("model").chat_hard.idxmax()


def test_help_is_light():
    code = ("import sys; from rmbase.cli import main; rc = main(['--help']); "
            "heavy = [m for m in ('pandas', 'sklearn', 'scipy', 'torch', 'transformers') if m in sys.modules]; "
            "print('HEAVY', heavy); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "study" in proc.stdout
    assert "HEAVY []" in proc.stdout


def test_error_text_with_brackets_is_printed_verbatim(tmp_path, capsys):
    bad = tmp_path / "[draft] models.xlsx"
    bad.write_text("x")
    code = main(["study", "--models", str(bad), "--results", str(bad), "--benchmarks", str(bad),
                 "--out", str(tmp_path / "o")])
    assert code == 2
    assert "[draft] models.xlsx" in capsys.readouterr().err
