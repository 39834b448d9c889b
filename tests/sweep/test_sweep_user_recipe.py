"""A recipe registered from code works in `rmbase sweep` and `rmbase study` as in `rmbase train`: the toy hinge
recipe of tests/helpers/toy_recipe.py through a two-cell sweep (its cells trained by Ray workers, which register
it again), `sweep collect` and a study of its results."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers.sweep import read_json, sweep_config, write_config
from helpers.toy_recipe import PairwiseHinge
from rmbase.cli import main
from rmbase.training.recipes import register, unregister

pytest.importorskip("trl")


@pytest.fixture
def hinge():
    recipe = register(PairwiseHinge)
    yield recipe
    unregister(recipe.name)


def test_a_user_recipe_goes_through_a_sweep_and_a_study(hinge, tiny_bases, sweep_data, tmp_path, ray_session,
                                                        capsys):
    cfg = sweep_config(tiny_bases, sweep_data, recipes=("pairwise_hinge",), lrs=(3e-3,),
                       data={"pairwise_hinge": {"train": str(sweep_data["train"]), "val": str(sweep_data["val"])}})
    path = write_config(tmp_path / "sweep.yaml", cfg)
    store = tmp_path / "store"
    assert main(["sweep", "run", str(path), "--store", str(store), "--dry-run"]) == 0
    assert "2 cells" in capsys.readouterr().out   # priced with the recipe's own epochs (no name tests)
    assert main(["sweep", "run", str(path), "--store", str(store), "--no-live"]) == 0
    cells = sorted(p.name for p in (store / "cells").iterdir())
    assert cells == ["alpha__pairwise_hinge__lr0.003__s0", "beta__pairwise_hinge__lr0.003__s0"]
    for cell in cells:
        result = read_json(store / "cells" / cell / "result.json")["data"]
        assert result["recipe"] == "pairwise_hinge" and [p["step"] for p in result["curve"]] == [0, 1, 2, 3]
        trained = json.loads((store / "cells" / cell / "model" / "train_config.json").read_text())
        assert trained["recipe"] == "pairwise_hinge"

    from rmbase.datasets import load_bundled

    d = load_bundled()
    models = pd.DataFrame({"model": ["alpha", "beta"], "params_b": [0.1, 0.2], "pretrain_tokens_t": [1.0, 2.0]})
    bench = d.benchmarks[d.benchmarks.model.isin(["gemma-2-2b-it", "Qwen2-1.5B-Instruct"])].copy()
    bench["model"] = bench.model.map({"gemma-2-2b-it": "alpha", "Qwen2-1.5B-Instruct": "beta"})
    published = ["Llama-3.2-1B-Instruct", "Llama-3.2-3B-Instruct", "Llama-3.1-8B-Instruct", "gemma-2-9b-it",
                 "gemma-2-2b-it", "Qwen2-1.5B-Instruct", "Qwen2.5-7B-Instruct", "Phi-3-mini-4k-instruct"]
    others = d.results[d.results.model.isin(published) & d.results.recipe.eq("bradley_terry")].copy()
    others["recipe"] = "pairwise_hinge"   # other bases' rows under the user's recipe, so a study has enough bases
    for name, frame in (("models.csv", models), ("bench.csv", bench), ("others.csv", others)):
        frame.to_csv(tmp_path / name, index=False)
    out = tmp_path / "study"
    assert main(["study", "--results", str(store), "--results", str(tmp_path / "others.csv"), "--models",
                 str(tmp_path / "models.csv"), "--benchmarks", str(tmp_path / "bench.csv"), "--recipe",
                 "pairwise_hinge", "--target", "chat_hard", "--no-selection", "--no-out-of-fold", "--out",
                 str(out)]) == 0
    study = json.loads((out / "study.json").read_text())
    assert study["recipe"] == "pairwise_hinge" and {"alpha", "beta"} <= set(study["models"])
    assert study["sources"]["alpha"]["results"][0]["results"] == str(store)
