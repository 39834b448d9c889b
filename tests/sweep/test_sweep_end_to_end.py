"""The whole pipeline on tiny random models: a sweep of 2 bases x 2 learning rates x both recipes on embedded Ray,
`sweep status`, `sweep collect`, then `rmbase study --results STORE`; and the seams it crosses (a regression RM
and a model whose tokenizer and embeddings the training room changed score the same after reload)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers.sweep import read_json
from rmbase.cli import main

pytest.importorskip("trl")


@pytest.fixture(scope="module")
def finished_store(tiny_bases, sweep_data, tmp_path_factory, ray_session):
    from helpers.sweep import sweep_config, write_config

    root = tmp_path_factory.mktemp("e2e")
    path = write_config(root / "sweep.yaml", sweep_config(tiny_bases, sweep_data))
    store = root / "store"
    assert main(["sweep", "run", str(path), "--store", str(store), "--no-live"]) == 0
    return path, store


def test_every_cell_is_done_and_reported_every_checkpoint(finished_store, capsys):
    _, store = finished_store
    cells = sorted(p.name for p in (store / "cells").iterdir())
    assert len(cells) == 8
    for cell in cells:
        result = read_json(store / "cells" / cell / "result.json")["data"]
        assert [p["step"] for p in result["curve"]] == [0, 1, 2, 3]          # step 0 = the untrained head
        assert result["eval"]["pairs"]["sections"]["Chat Hard"] is not None
    assert main(["sweep", "status", str(store)]) == 0
    out = capsys.readouterr().out
    assert "8 done" in out and "beta__regression__lr0.001__s0" in out


def test_the_eval_room_scores_what_the_training_room_saved(finished_store):
    """The eval set is the validation pairs in RewardBench's columns: for every cell the rm_eval room, loading the
    saved model from disk, must reproduce the training room's validation accuracy of the chosen checkpoint (for
    regression: of the merged one-label model). 'beta' had an all-zero embedding row reset and both bases had a
    pad token added by the training room."""
    _, store = finished_store
    for cell_dir in sorted((store / "cells").iterdir()):
        result = read_json(cell_dir / "result.json")["data"]
        evaluated = result["eval"]["pairs"]["subsets"]["llmbar-natural"]
        if result["recipe"] == "regression":
            merge = json.loads((cell_dir / "model" / "merge_weights.json").read_text())
            assert evaluated == pytest.approx(merge["merged_model_validation_accuracy"]), cell_dir.name
        else:
            assert evaluated == pytest.approx(result["val_accuracy"]), cell_dir.name
        tok = json.loads((cell_dir / "model" / "tokenizer_config.json").read_text())
        assert tok.get("pad_token") not in (None, tok.get("eos_token"))
        assert bool(result["reinitialised_token_ids"]) == cell_dir.name.startswith("beta")


def test_collect_keeps_the_best_learning_rate_per_base_and_recipe(finished_store, tmp_path):
    _, store = finished_store
    out = tmp_path / "results.parquet"
    assert main(["sweep", "collect", str(store), "--out", str(out)]) == 0
    table = pd.read_parquet(out)
    assert set(table.groupby(["base", "recipe"]).cell.nunique()) == {1}    # one cell per base x recipe
    assert len(table.groupby(["base", "recipe"])) == 4
    everything = tmp_path / "all.csv"
    assert main(["sweep", "collect", str(store), "--out", str(everything), "--all"]) == 0
    full = pd.read_csv(everything)
    assert full.cell.nunique() == 8
    for (_base, _recipe), group in full.groupby(["base", "recipe"]):
        per_cell = group.groupby("cell").agg(val=("val_accuracy", "first"), lr=("learning_rate", "first"),
                                             chosen=("chosen", "first"))
        best = per_cell.sort_values(["val", "lr"], ascending=[False, True]).index[0]
        assert per_cell.chosen[best] and per_cell.chosen.sum() == 1
    section = table[(table.name == "Chat Hard")].iloc[0]
    prov = json.loads(section.provenance)
    assert prov["train"]["chat_template_sha256"] and prov["eval"]["pairs"]["max_length"] == 64
    curves = pd.read_parquet(tmp_path / "results.curves.parquet")
    assert len(curves) == 8 * 4 and set(curves.state) == {"done"}
    cells = pd.read_parquet(tmp_path / "results.cells.parquet")
    assert len(cells) == 8 and set(cells.state) == {"done"}


def test_study_reads_the_store_with_user_rows_for_unknown_bases(finished_store, tmp_path):
    from rmbase.datasets import load_bundled

    _, store = finished_store
    d = load_bundled()
    models = pd.DataFrame({"model": ["alpha", "beta"], "params_b": [0.1, 0.2], "pretrain_tokens_t": [1.0, 2.0]})
    bench = d.benchmarks[d.benchmarks.model.isin(["gemma-2-2b-it", "Qwen2-1.5B-Instruct"])].copy()
    bench["model"] = bench.model.map({"gemma-2-2b-it": "alpha", "Qwen2-1.5B-Instruct": "beta"})
    published = ["Llama-3.2-1B-Instruct", "Llama-3.2-3B-Instruct", "Llama-3.1-8B-Instruct", "gemma-2-9b-it",
                 "gemma-2-2b-it", "Qwen2-1.5B-Instruct", "Qwen2.5-7B-Instruct", "Phi-3-mini-4k-instruct"]
    others = d.results[d.results.model.isin(published)].copy()   # eight published bases (with the study's defaults)
    for p, df in (("models.csv", models), ("bench.csv", bench), ("others.csv", others)):
        df.to_csv(tmp_path / p, index=False)
    out = tmp_path / "study"
    code = main(["study", "--results", str(store), "--results", str(tmp_path / "others.csv"), "--models",
                 str(tmp_path / "models.csv"), "--benchmarks", str(tmp_path / "bench.csv"), "--recipe",
                 "bradley_terry", "--target", "chat_hard", "--no-selection", "--no-out-of-fold", "--out", str(out)])
    assert code == 0
    study = json.loads((out / "study.json").read_text())
    assert set(study["models"]) == {"alpha", "beta", *published}
    alpha = study["sources"]["alpha"]
    assert alpha["models"] == "user table" and alpha["benchmarks"] == "user table"
    assert alpha["results"][0]["results"] == str(store) and alpha["results"][0]["partial"] == ["chat_hard"]
    assert study["sources"]["gemma-2-9b-it"]["models"] == "bundled paper_2505_10775/models.csv"
    collected = pd.read_parquet(_collect(store, tmp_path))
    chat_hard = collected[(collected.base == "alpha") & (collected.recipe == "bradley_terry")
                          & (collected.name == "Chat Hard")].value.item()
    gains = {r["model"]: r["score"] for r in study["gains_per_model"]}
    assert gains["alpha"] == pytest.approx(100 * chat_hard)


def _collect(store, tmp_path):
    out = tmp_path / "c.parquet"
    assert main(["sweep", "collect", str(store), "--out", str(out)]) == 0
    return out


def test_study_reads_evaluate_folders_with_the_same_choice(finished_store, tmp_path):
    """`rmbase evaluate` output folders (here: the cells' own eval folders) name their model, whose
    train_config.json and lr_search.csv give the base, recipe, learning rate and validation accuracy."""
    import shutil

    from rmbase.datasets.rm_results import read_results_path, wide_from_long
    from rmbase.sweep.collect import long_table, open_store

    _, store = finished_store
    evals = tmp_path / "evals"
    for cell_dir in (store / "cells").iterdir():
        shutil.copytree(cell_dir / "eval" / "pairs", evals / cell_dir.name)
    wide, sources, _ = read_results_path(evals)
    expected, _ = wide_from_long(long_table(open_store(store)), "store")
    key = ["model", "recipe"]
    assert wide.sort_values(key).reset_index(drop=True)[["model", "recipe", "chat_hard"]].equals(
        expected.sort_values(key).reset_index(drop=True)[["model", "recipe", "chat_hard"]])
    assert sources["alpha / bradley_terry"]["learning_rate"] in (3e-3, 1e-3)
