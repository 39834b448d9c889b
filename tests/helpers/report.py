"""Helpers of the report tests (imported by conftest.py and the tests): the hostile names, the user tables that
carry them, and the small out-of-fold selection that gives every study figure its data."""

from __future__ import annotations

from pathlib import Path

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
    from rmbase.study_rows import coverage_row, prediction_rows

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
