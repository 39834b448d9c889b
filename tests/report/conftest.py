"""Fixtures of the report tests: a real study on the bundled tables, given as a USER's own tables in which two
bases carry hostile names (HTML and mathtext), written by ``rmbase study`` and then widened with a small out-of-fold
selection so that every study figure has its data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rmbase.cli import main

EVIL = "<script>alert(1)</script>"
DOLLAR = 'gemma $x$ & "co" <b>9b</b>'
RENAMES = {"Qwen2.5-7B-Instruct": EVIL, "gemma-2-9b-it": DOLLAR}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "report"


def write_user_tables(folder: Path) -> dict[str, Path]:
    from rmbase.datasets import load_bundled

    d = load_bundled()
    paths = {}
    for name, df in (("models", d.models), ("results", d.results), ("benchmarks", d.benchmarks),
                     ("post-training", d.post_training)):
        df = df.copy()
        df["model"] = df["model"].replace(RENAMES)
        paths[name] = folder / f"{name}.csv"
        df.to_csv(paths[name], index=False)
    return paths


def add_small_selection(study: dict, paths: dict[str, Path]) -> dict:
    """The study.json selection keys from three predictors (leave-one-out, the study's recipe) and a two-method
    external validation: the same functions `rmbase study` uses, fewer methods (seconds instead of a minute)."""
    from rmbase.datasets import load_tables
    from rmbase.selection import external_validation, selection_table
    from rmbase.selection.compare import influence_table
    from rmbase.study import coverage_row, prediction_rows

    data = load_tables(paths["models"], paths["results"], paths["benchmarks"])
    preds: dict = {}
    rows = selection_table(data, recipes=(study["recipe"],), methods=("oll_average", "sparse_ridge",
                                                                      "bayesian_linear"),
                           schemes=("loo",), predictions=preds)
    oof = prediction_rows(preds)
    return {**study, "selection": rows, "selection_influence": influence_table(rows, preds),
            "selection_predictions": oof, "selection_coverage": [coverage_row(p) for p in oof],
            "external_validation": external_validation(data, recipe=study["recipe"],
                                                       methods=("oll_average", "sparse_ridge"))}


@pytest.fixture(scope="session")
def user_study(tmp_path_factory) -> Path:
    """DIR written by `rmbase study --models/--results/--benchmarks/--post-training --out DIR` (no selection)."""
    root = tmp_path_factory.mktemp("report")
    paths = write_user_tables(root)
    out = root / "study"
    code = main(["study", "--models", str(paths["models"]), "--results", str(paths["results"]), "--benchmarks",
                 str(paths["benchmarks"]), "--post-training", str(paths["post-training"]), "--no-out-of-fold",
                 "--no-selection", "--n-jobs", "1", "--out", str(out)])
    assert code == 0
    return out


@pytest.fixture(scope="session")
def full_study(user_study, tmp_path_factory) -> Path:
    """The same study with the selection keys added to study.json, report rebuilt by `rmbase report DIR`."""
    out = tmp_path_factory.mktemp("full") / "study"
    out.mkdir()
    study = json.loads((user_study / "study.json").read_text())
    paths = {n: user_study.parent / f"{n}.csv" for n in ("models", "results", "benchmarks")}
    (out / "study.json").write_text(json.dumps(add_small_selection(study, paths)))
    assert main(["report", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def recommendation() -> dict:
    """`rmbase recommend --max-params 10` on the bundled data, as the library returns it."""
    from rmbase.datasets import load_bundled
    from rmbase.selection.recommend import RecommendConfig, recommend

    return recommend(load_bundled(), config=RecommendConfig(max_params=10))
