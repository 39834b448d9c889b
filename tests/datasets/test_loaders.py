import numpy as np
import pandas as pd
import pytest

from rmbase.datasets import FEATURES, load_bundled, load_tables
from rmbase.errors import InputError


def test_bundled_dataset_is_complete_and_consistent():
    d = load_bundled()
    assert len(d.models) == 40 and len(d.results) == 80
    assert set(d.results.recipe) == {"regression", "bradley_terry"}
    X = d.feature_matrix()
    assert list(X.columns) == list(FEATURES) and not X.isna().any().any()
    # oll_average is the mean of the six (leaderboard definition)
    six = X[["ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro"]].mean(axis=1)
    np.testing.assert_allclose(X.oll_average, six, atol=1e-5)
    # published rows: score = mean of the four sections within rounding
    sections = d.results[["chat", "chat_hard", "safety", "reasoning"]].mean(axis=1)
    assert (sections - d.results.score).abs().max() < 0.051
    assert len(d.post_training) == 6 and set(d.data_sha256) >= {"models.csv", "rewardbench.csv"}


def test_bundled_matches_shared_source_tables(shared):
    src = shared("paper_2505_10775")
    d = load_bundled()
    pub = pd.read_csv(src / "rewardbench_results.csv")
    merged = pub.merge(d.results, on=["model", "recipe"], suffixes=("_pub", ""))
    assert len(merged) == 80
    for c in ("chat", "chat_hard", "safety", "reasoning", "score"):
        np.testing.assert_allclose(merged[c], merged[f"{c}_pub"])
    oll = pd.read_csv(shared("open_llm_leaderboard_v2_contents", "open_llm_leaderboard_v2_contents_clean.csv"))
    row = oll[oll.eval_name == "meta-llama_Meta-Llama-3.1-8B-Instruct_bfloat16"].iloc[0]
    X = d.feature_matrix()
    assert X.loc["Llama-3.1-8B-Instruct", "ifeval"] == pytest.approx(row.ifeval, abs=1e-5)


@pytest.fixture
def tables(tmp_path):
    d = load_bundled()
    paths = {}
    for name, df in (("models", d.models[["model", "params_b", "pretrain_tokens_t", "family"]].head(8)),
                     ("results", d.results[d.results.model.isin(d.models.model.head(8))]),
                     ("benchmarks", d.benchmarks[d.benchmarks.model.isin(d.models.model.head(8))])):
        paths[name] = tmp_path / f"{name}.csv"
        df.to_csv(paths[name], index=False)
    return paths


def _rewrite(path, fn):
    df = pd.read_csv(path)
    fn(df).to_csv(path, index=False)


def test_user_tables_load_in_csv_and_parquet(tables, tmp_path):
    d = load_tables(tables["models"], tables["results"], tables["benchmarks"])
    X, y, dropped = d.design("regression", "score")
    assert X.shape == (8, len(FEATURES)) and dropped == []
    pq = tmp_path / "bench.parquet"
    pd.read_csv(tables["benchmarks"]).to_parquet(pq)
    assert load_tables(tables["models"], tables["results"], pq).benchmarks.shape[0] > 0


def test_wide_benchmark_table_is_accepted(tables, tmp_path):
    long = pd.read_csv(tables["benchmarks"])
    wide = long.pivot(index="model", columns="benchmark", values="value").reset_index()
    path = tmp_path / "wide.csv"
    wide.drop(columns="oll_average").to_csv(path, index=False)
    d = load_tables(tables["models"], tables["results"], path)
    X = d.feature_matrix()
    assert X.oll_average.notna().all()


@pytest.mark.parametrize("which, mutate, message", [
    ("models", lambda df: df.drop(columns="params_b"), "missing column"),
    ("models", lambda df: df.assign(color="red"), "unexpected column"),
    ("models", lambda df: df.assign(params_b=df.params_b.astype(object).where(df.index != 2, "seven")),
     "row 3, column 'params_b': non-numeric"),
    ("results", lambda df: df.assign(score=df.score.where(df.index != 0, np.nan)), "row 1, column 'score': missing"),
    ("models", lambda df: pd.concat([df, df.head(1)]), "duplicate models row"),
    ("results", lambda df: df.assign(recipe=df.recipe.where(df.index != 1, "dpo")), "unknown recipe 'dpo'"),
    ("results", lambda df: df.head(0), "has no rows"),
    ("results", lambda df: pd.concat([df, df.head(1).assign(model="ghost")]), "no row in the models table"),
    ("benchmarks", lambda df: df[df.model != df.model.iloc[0]], "no benchmark row"),
    ("benchmarks", lambda df: df.assign(scale="raw"), "raw (0-1) benchmark score"),
])
def test_bad_tables_give_one_clear_error(tables, which, mutate, message):
    _rewrite(tables[which], mutate)
    with pytest.raises(InputError) as exc:
        load_tables(tables["models"], tables["results"], tables["benchmarks"])
    assert message in str(exc.value)
    assert str(tables[which]) in str(exc.value)


def test_not_a_table_file(tables, tmp_path):
    bad = tmp_path / "results.xlsx"
    bad.write_text("x")
    with pytest.raises(InputError, match="unsupported file type '.xlsx'"):
        load_tables(tables["models"], bad, tables["benchmarks"])


def test_missing_feature_needs_drop_missing(tables):
    first = pd.read_csv(tables["models"]).model.iloc[0]
    _rewrite(tables["benchmarks"], lambda df: df[~((df.model == first) & (df.benchmark == "gpqa"))])
    d = load_tables(tables["models"], tables["results"], tables["benchmarks"])
    with pytest.raises(InputError, match=f"{first}: gpqa"):
        d.design("regression", "score")
    X, y, dropped = d.design("regression", "score", drop_missing=True)
    assert dropped == [first] and first not in X.index and len(X) == 7
