"""`rmbase study --results` on the long RM table, evaluate folders and partial eval sets: names, scales and the
source of every value."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rmbase.cli import main
from rmbase.datasets import load_bundled
from rmbase.datasets.rm_results import wide_from_long
from rmbase.hf_models import params_b

SECTIONS = {"chat": "Chat", "chat_hard": "Chat Hard", "safety": "Safety", "reasoning": "Reasoning"}


def _long_rows(models: pd.DataFrame, results: pd.DataFrame, recipe: str, sections=("chat_hard",),
               with_score=False) -> pd.DataFrame:
    """The published figures of some bundled bases as a sweep's long table (hub ids, 0-1, one partial set)."""
    hf = models.set_index("model")["hf_id"]
    rows = []
    for _, r in results[results.recipe == recipe].iterrows():
        common = {"base": hf[r.model], "recipe": recipe, "learning_rate": 1e-5, "seed": 0, "eval_set": "llmbar",
                  "benchmark": "rewardbench", "chosen": True, "cell": f"c-{r.model}"}
        for col in sections:
            rows.append({**common, "name": SECTIONS[col], "kind": "section", "value": r[col] / 100,
                         "partial": not with_score})
        if with_score:
            rows.append({**common, "name": "score", "kind": "score", "value": r.score / 100, "partial": False})
        rows.append({**common, "name": "llmbar-natural", "kind": "subset", "value": 0.5, "partial": False})
    return pd.DataFrame(rows)


def test_wide_from_long_converts_names_and_scale_and_averages_seeds():
    rows = [{"base": "b", "recipe": "bradley_terry", "eval_set": "e", "name": "Chat Hard", "value": v, "seed": s,
             "chosen": True} for s, v in ((0, 0.6), (1, 0.7))]
    rows.append({"base": "b", "recipe": "bradley_terry", "eval_set": "e", "name": "Chat Hard", "value": 0.1,
                 "seed": 2, "chosen": False})
    wide, sources = wide_from_long(pd.DataFrame(rows), "t.csv")
    assert wide.loc[0, "chat_hard"] == pytest.approx(65.0) and np.isnan(wide.loc[0, "score"])
    assert sources["b / bradley_terry"]["covers"] == ["chat_hard"] and sources["b / bradley_terry"]["seed"] == [0, 1]


def test_study_on_a_long_table_of_known_bases_needs_no_other_table(tmp_path, capsys):
    d = load_bundled()
    long = _long_rows(d.models, d.results, "bradley_terry")
    path = tmp_path / "results.parquet"
    long.to_parquet(path)
    out = tmp_path / "study"
    assert main(["study", "--results", str(path), "--recipe", "bradley_terry", "--target", "chat_hard",
                 "--no-selection", "--no-out-of-fold", "--out", str(out)]) == 0
    study = json.loads((out / "study.json").read_text())
    assert study["n_models"] == 40                                   # hub ids matched to the study's names
    src = study["sources"]["gemma-2-9b-it"]
    assert src["renamed_from"] == "google/gemma-2-9b-it" and src["models"].startswith("bundled paper")
    assert src["benchmarks"] == "bundled paper_2505_10775/benchmarks.csv"
    assert src["results"][0]["eval_set"] == "llmbar" and src["results"][0]["partial"] == ["chat_hard"]
    published = d.results[d.results.recipe == "bradley_terry"].set_index("model").chat_hard
    got = pd.Series({r["model"]: r["score"] for r in study["gains_per_model"]})
    assert got.idxmax() == published.idxmax()
    assert "models rows: 40 from bundled paper_2505_10775/models.csv" in capsys.readouterr().out


def test_a_partial_eval_set_needs_a_target_it_covers(tmp_path, capsys):
    d = load_bundled()
    path = tmp_path / "results.csv"
    _long_rows(d.models, d.results, "regression").to_csv(path, index=False)
    out = tmp_path / "study"
    assert main(["study", "--results", str(path), "--out", str(out), "--no-selection"]) == 2
    err = capsys.readouterr().err
    assert "target 'score' is not in the results table (the results cover: chat_hard)" in err
    assert "--target chat_hard" in err and not out.exists()


def test_an_unknown_base_takes_params_from_its_checkpoint_and_missing_scores_are_named(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    ckpt = tmp_path / "my-base"
    ckpt.mkdir()
    save_file({"w": torch.zeros(1000, 1500), "b": torch.zeros(500)}, ckpt / "model.safetensors")
    assert params_b(ckpt) == pytest.approx(1.5005e-3)
    d = load_bundled()
    long = _long_rows(d.models, d.results, "regression", sections=tuple(SECTIONS), with_score=True)
    extra = long[long.base == long.base.iloc[0]].assign(base="my-base", cell="mine", params_b=1.5005e-3)
    path = tmp_path / "results.csv"
    pd.concat([long, extra]).to_csv(path, index=False)
    out = tmp_path / "study"
    assert main(["study", "--results", str(path), "--out", str(out), "--no-selection"]) == 2
    assert "my-base: ifeval" in capsys.readouterr().err          # no benchmark scores for it: named, not filled
    assert main(["study", "--results", str(path), "--out", str(out), "--no-selection", "--no-out-of-fold",
                 "--drop-missing"]) == 0
    study = json.loads((out / "study.json").read_text())
    assert study["dropped_models"] == ["my-base"]
    assert study["sources"]["my-base"]["models"] == ("params_b: checkpoint (safetensors headers); "
                                                     "pretrain_tokens_t: unknown")


def test_the_same_base_in_two_inputs_is_refused(tmp_path, capsys):
    d = load_bundled()
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    _long_rows(d.models, d.results, "regression").to_csv(a, index=False)
    _long_rows(d.models, d.results, "regression").head(3).to_csv(b, index=False)
    assert main(["study", "--results", str(a), "--results", str(b), "--target", "chat_hard",
                 "--out", str(tmp_path / "o")]) == 2
    assert "has results in two inputs" in capsys.readouterr().err
