"""Recipes are units: the registry is the one home of their names, it imports without torch, and a new recipe is
one subclass plus one registry entry (here a toy pairwise hinge loss, trained for two steps)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers.toy_recipe import PairwiseHinge
from helpers.training_data import synthetic_pairs, write_jsonl
from rmbase.errors import InputError
from rmbase.training.recipes import RECIPE_NAMES, get_recipe, recipe_names, register, unregister


def test_registry_names_are_read_by_the_study_and_the_schema():
    from rmbase.datasets.schema import recipes
    from rmbase.study import StudyConfig

    assert recipes() == RECIPE_NAMES == recipe_names() == ("regression", "bradley_terry")
    assert [get_recipe(n).name for n in RECIPE_NAMES] == list(RECIPE_NAMES)
    assert (get_recipe("bradley_terry").default_epochs, get_recipe("regression").default_epochs) == (1.0, 2.0)
    with pytest.raises(InputError, match="unknown recipe 'dpo'"):
        get_recipe("dpo")
    with pytest.raises(InputError, match="recipe"):
        StudyConfig(recipe="dpo")


def test_registry_and_config_import_without_torch():
    code = ("import sys; import rmbase.training.recipes as r, rmbase.training.config, rmbase.datasets; "
            "[r.get_recipe(n) for n in r.recipe_names()]; "
            "print([m for m in ('torch', 'transformers', 'trl') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.fixture
def hinge():
    recipe = register(PairwiseHinge)
    yield recipe
    unregister(recipe.name)


def test_a_toy_recipe_plugs_in_and_trains(hinge, tiny_model_dir, tmp_path):
    pytest.importorskip("trl")
    from rmbase.training import TrainConfig, train

    assert "pairwise_hinge" in recipe_names()
    with pytest.raises(ValueError, match="already registered"):
        register(PairwiseHinge)
    train_file = write_jsonl(tmp_path / "t.jsonl", synthetic_pairs(16, 1))
    val_file = write_jsonl(tmp_path / "v.jsonl", synthetic_pairs(8, 2))
    cfg = TrainConfig(base=str(tiny_model_dir), recipe="pairwise_hinge", train=str(train_file), val=str(val_file),
                      out=str(tmp_path / "out"), learning_rates=[1e-3], batch_size=8, per_device_batch_size=8,
                      eval_steps=1, warmup_steps=1, max_steps=2, max_length=64, device="cpu")
    assert cfg.resolved_epochs == 1.0 and cfg.recipe_unit is hinge
    PairwiseHinge.calls = 0
    result = train(cfg)
    assert PairwiseHinge.calls == 2                        # two optimiser steps, each with the toy loss
    log = [json.loads(x) for x in (tmp_path / "out" / "training_log.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in log if "loss" in r]
    assert len(losses) == 2                                # both steps logged their (hinge) loss
    assert [p["step"] for p in result.best.curve] == [0, 1, 2] and result.merge is None
    assert TrainConfig.from_yaml(tmp_path / "out" / "config.yaml").recipe == "pairwise_hinge"
    from rmbase.hf_models import load_sequence_classifier

    model = load_sequence_classifier(tmp_path / "out", dtype="float32", device="cpu", allow_new_head=False)
    assert model.config.num_labels == 1


def test_unknown_recipe_in_a_train_config_names_the_field(tmp_path):
    from rmbase.training import TrainConfig

    with pytest.raises(InputError, match="recipe: unknown recipe 'pairwise_hinge'"):
        TrainConfig(base="b", train="t", val="v", out=str(tmp_path), recipe="pairwise_hinge")


def test_the_recipe_contract_holds_for_every_built_in_and_the_toy_recipe(hinge):
    from rmbase.training.recipes.contract import check_recipe

    for name in recipe_names():
        assert check_recipe(name).name == name
    assert "pairwise_hinge" in recipe_names()


def test_the_recipe_contract_finds_a_broken_recipe():
    from rmbase.training.recipes.contract import check_recipe

    class NoEpochs(PairwiseHinge):
        name = "no_epochs"
        default_epochs = 0.0

    class Backwards(PairwiseHinge):
        name = "backwards"

        def validate(self, chosen, rejected, config):
            acc, extra = super().validate(chosen, rejected, config)
            return 1.0 - acc, extra

    for broken, rule in ((NoEpochs, "default_epochs"), (Backwards, "validation accuracy")):
        recipe = register(broken)
        try:
            with pytest.raises(AssertionError, match=rule):
                check_recipe(recipe, trainer=False)
        finally:
            unregister(recipe.name)


def test_the_schema_reads_the_live_registry(hinge):
    from rmbase.datasets.schema import recipes

    assert "pairwise_hinge" in recipes()
