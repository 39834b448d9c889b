"""The bundled leaderboard_v2 scores: coverage of the study's 42 models with the study's row, consistency, API."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.lm_eval_samples import shared_data
from rmbase.benchmarks import (
    SIX,
    load_bundled_models,
    load_bundled_scores,
    load_bundled_wide,
    lookup,
    wide_scores,
)
from rmbase.datasets.schema import BENCHMARKS_LONG, validate
from rmbase.model_ids import canonical_model_id


@pytest.fixture(scope="module")
def study_rows():
    from importlib import resources

    return pd.read_csv(resources.files("rmbase.datasets") / "paper_2505_10775" / "benchmark_rows.csv")


def test_long_table_schema_and_average():
    long = load_bundled_scores()
    validate(long, BENCHMARKS_LONG, "scores.csv")  # the study's own schema check: one row per model+benchmark
    assert set(long.scale) == {"normalised"}
    assert set(long.benchmark) == {*SIX, "oll_average"}
    wide = wide_scores(long)
    assert (wide.notna().all(axis=1)).all()
    assert (wide[list(SIX)].mean(axis=1) - wide.oll_average).abs().max() < 1e-5
    assert ((wide[list(SIX)] >= 0) & (wide[list(SIX)] <= 100)).all().all()


def test_covers_the_study_models_with_the_study_rows(study_rows):
    models = load_bundled_models()
    assert 200 <= len(models) <= 600
    by_key = models.set_index(models.model.map(canonical_model_id))
    for r in study_rows.itertuples():
        got = by_key.loc[canonical_model_id(r.hf_id)]
        assert got.eval_name == r.eval_name, r.model
        assert got.study_name == r.model
    assert (models.study_name.ne("")).sum() == len(study_rows) == 42
    assert models.loc[models.study_name.eq(""), "params_b"].max() <= 14.8
    assert models.model.map(canonical_model_id).is_unique


def test_study_values_equal_the_study_dataset(study_rows):
    from rmbase.datasets import load_bundled

    study = load_bundled().benchmarks.pivot(index="model", columns="benchmark", values="value")
    wide = load_bundled_wide()
    for r in study_rows.itertuples():
        ours = lookup([r.hf_id], wide).iloc[0]
        for b in (*SIX, "oll_average"):
            assert ours[b] == pytest.approx(study.loc[r.model, b], abs=1e-5), (r.model, b)


def test_wide_and_lookup_spellings():
    wide = load_bundled_wide()
    assert list(wide.columns) == ["params_b", *SIX, "oll_average"]
    hit = lookup(["meta-llama/Meta-Llama-3.1-8B-Instruct", "Llama-3.1-8B-Instruct", "nobody/none"], wide)
    assert hit.index.tolist() == ["meta-llama/Llama-3.1-8B-Instruct"] * 2
    assert hit.params_b.iloc[0] == pytest.approx(8.03)
    families = " ".join(wide.index).lower()
    for fam in ("llama", "qwen", "gemma", "mistral", "phi", "yi-", "falcon", "olmo", "smollm", "internlm",
                "deepseek", "glm"):
        assert fam in families, fam


def test_bundled_values_match_the_leaderboard_file():
    src = pd.read_csv(shared_data("open_llm_leaderboard_v2_contents", "open_llm_leaderboard_v2_contents_clean.csv"))
    src = src.set_index("eval_name")
    models = load_bundled_models().set_index("model")
    wide = load_bundled_wide()
    final = pd.read_csv(shared_data("open_llm_leaderboard_v2_eee", "open_llm_leaderboard_v2_scores.csv"))
    final = final.set_index(final.model.str.replace("/", "_") + "_" + final.precision)
    for model in wide.index[::7]:
        row = src.loc[models.loc[model, "eval_name"]]
        for b in SIX:
            if b == "math_lvl5" and models.loc[model, "math_lvl5_source"] == "final":
                # re-evaluated with Math-Verify: the final leaderboard's raw exact match x 100 (DATA.md)
                run = models.loc[model, "eval_name"]
                assert wide.loc[model, b] == pytest.approx(final.loc[run, "math_lvl5"] * 100, abs=1e-6)
            else:
                assert wide.loc[model, b] == pytest.approx(row[b], abs=1e-5)
        assert wide.loc[model, "params_b"] == pytest.approx(row.params_b)
