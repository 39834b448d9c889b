"""Fixtures of the report tests: a real study on the bundled tables, given as a USER's own tables in which two
bases carry hostile names (HTML and mathtext), written by ``rmbase study`` and then widened with a small out-of-fold
selection so that every study figure has its data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.report import add_small_selection, write_user_tables
from rmbase.cli import main


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
    """`rmbase recommend --method sparse_ridge --max-params 10` on the bundled data, as the library returns it
    (a method with feature contributions, so that the page has its drivers figure)."""
    from rmbase.datasets import load_bundled
    from rmbase.selection.recommend import RecommendConfig, recommend

    return recommend(load_bundled(), config=RecommendConfig(method="sparse_ridge", max_params=10))
