"""Presence features as predictors: the table, joins by id in any spelling, MAE with and without them, the study
hook and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.presence import fake_presence
from rmbase.cli import main as cli_main
from rmbase.presence import features as F


def test_feature_names():
    assert F.feature_name("Code") == "presence_code"
    assert F.feature_name("Stack Exchange / Q&A") == "presence_stack_exchange_q_a"
    assert F.feature_name("!!") == "presence_unnamed"


def test_table_and_join(tmp_path):
    a = fake_presence(tmp_path / "a", "meta-llama/Meta-Llama-3.1-8B-Instruct",
                      {"code": np.array([-1.0, -2.0]), "Wiki": np.array([-3.0])})
    b = fake_presence(tmp_path / "b", "Qwen2.5-7B-Instruct", {"code": np.array([-4.0]), "Wiki": np.array([-5.0])})
    table = F.presence_table([a, b])
    assert list(table.columns) == ["presence_code", "presence_wiki", "shared_from"]
    assert table.loc["meta-llama/Meta-Llama-3.1-8B-Instruct", "presence_code"] == -1.5
    X = pd.DataFrame({"ifeval": [1.0, 2.0, 3.0]}, index=["Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-7B-Instruct", "x"])
    joined, feats = F.join_presence(X, table)
    assert list(joined.index) == ["Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-7B-Instruct"]
    assert joined.loc["Qwen/Qwen2.5-7B-Instruct", "presence_wiki"] == -5.0 and feats == ["presence_code",
                                                                                       "presence_wiki"]


def _synthetic(n=24, seed=0):
    """y depends on a presence feature that no base feature carries."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"ifeval": rng.normal(size=n), "bbh": rng.normal(size=n)},
                     index=[f"m{i}" for i in range(n)])
    pres = rng.normal(size=n)
    y = pd.Series(0.3 * X.ifeval + 2.0 * pres + rng.normal(scale=0.1, size=n), index=X.index)
    table = pd.DataFrame({"presence_code": pres, "presence_prose": rng.normal(size=n), "shared_from": None},
                         index=X.index)
    return X, y, table


def test_presence_value_finds_a_real_signal_out_of_fold():
    X, y, table = _synthetic()
    res = F.presence_value(X, y, table.iloc[:20], base_features=["ifeval", "bbh", "not_a_feature"])
    assert res["n_models"] == 20 and res["without_presence"] == ["m20", "m21", "m22", "m23"]
    rows = {r["features"]: r for r in res["rows"]}
    assert set(rows) == {"base", "base+presence", "presence"}
    assert rows["base+presence"]["mae_out_of_fold"] < 0.5 * rows["base"]["mae_out_of_fold"]
    assert rows["base+presence"]["mae_in_sample"] <= rows["base+presence"]["mae_out_of_fold"]
    # and no gain is invented where there is none: shuffle the presence feature across models
    noise = table.copy()
    noise["presence_code"] = np.random.default_rng(1).permutation(noise.presence_code.to_numpy())
    rows = {r["features"]: r for r in F.presence_value(X, y, noise, base_features=["ifeval", "bbh"])["rows"]}
    assert rows["base+presence"]["mae_out_of_fold"] > 0.8 * rows["base"]["mae_out_of_fold"]


def test_presence_value_with_too_few_bases_says_so():
    X, y, table = _synthetic()
    res = F.presence_value(X, y, table.iloc[:3], base_features=["ifeval"])
    assert res["rows"] == [] and "only 3 model(s)" in res["note"]


def test_study_hook_and_features_cli(tmp_path, capsys):
    from rmbase.datasets import load_bundled
    from rmbase.study import StudyConfig, presence_block

    data = load_bundled()
    X, y, _ = data.design("regression", "score")
    rng = np.random.default_rng(0)
    folders = [fake_presence(tmp_path / f"p{i}", m, {"code": rng.normal(-2, 0.2, 5), "prose": rng.normal(-3, .2, 5)})
               for i, m in enumerate(X.index[:8])]
    cfg = StudyConfig(presence=folders)
    block = presence_block(data, X, y, cfg)
    assert block["n_models"] == 8 and {r["features"] for r in block["rows"]} == {"base", "base+presence", "presence"}
    assert block["base_features"] == list(cfg.combination_features)
    # the sharing rule fills in family members with the same token count
    shared = presence_block(data, X, y, StudyConfig(presence=folders, presence_share_family=True))
    assert shared["n_models"] >= 8 and all(v in X.index[:8] for v in shared["shared"].values())
    out = tmp_path / "feats.csv"
    assert cli_main(["presence", "features", *map(str, folders), "--out", str(out)]) == 0
    table = pd.read_csv(out, index_col="model")
    assert list(table.index) == list(X.index[:8]) and "presence_code" in table
    assert (tmp_path / "feats.config.yaml").is_file()
    assert cli_main(["presence", "features", str(tmp_path / "missing"), "--out", str(out)]) == 2
    assert cli_main(["presence", "features", *map(str, folders), "--out", str(tmp_path / "f.txt")]) == 2
