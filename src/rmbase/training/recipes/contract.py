"""The contract every registered training recipe keeps, checked the way scikit-learn's ``check_estimator`` checks
an estimator: :func:`check_recipe` runs a recipe through what ``rmbase train``, ``rmbase sweep`` and ``rmbase study``
rely on (its name in the registry, a train config that validates with it, its head size, default epochs, data
columns, trainer and validation score), on synthetic inputs, and raises ``AssertionError`` naming the broken rule.
The tests run it on every built-in recipe; run it on your own after :func:`~rmbase.training.recipes.register`."""

from __future__ import annotations

import inspect
import math
from typing import Any

from rmbase.training.recipes import Recipe, get_recipe, recipe_names


def check_recipe(recipe: Recipe | str, *, trainer: bool = True) -> Recipe:
    """Check one registered recipe (an instance or its name); returns it. ``trainer`` False skips what needs
    transformers (the trainer class)."""
    import numpy as np

    from rmbase.training.config import TrainConfig

    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    name = getattr(recipe, "name", None)
    where = f"recipe {name!r}"
    assert isinstance(name, str) and name.strip(), f"{where}: a recipe needs a name"
    assert name in recipe_names() and get_recipe(name) is recipe, f"{where}: not the registered recipe of its name"
    assert isinstance(recipe.data_format, str) and recipe.data_format.strip(), f"{where}: describe its data_format"
    cols = recipe.train_text_columns
    assert isinstance(cols, tuple) and cols and all(isinstance(c, str) for c in cols), \
        f"{where}: train_text_columns must name the text columns of its training data"
    epochs = float(recipe.default_epochs)
    assert math.isfinite(epochs) and epochs > 0, f"{where}: default_epochs {recipe.default_epochs} is not positive"
    config = TrainConfig(base="(base)", train="(train)", val="(val)", out="(out)", recipe=name)
    assert config.recipe_unit is recipe and config.resolved_epochs == epochs, \
        f"{where}: a train config does not resolve to it or to its default epochs"
    labels = recipe.num_labels(config)
    assert isinstance(labels, int) and labels >= 1, f"{where}: num_labels {labels!r} is not a positive integer"
    for method in ("read_train", "load_train", "validate", "write_reward_model"):
        assert callable(getattr(recipe, method, None)), f"{where}: {method} is not callable"
    assert len(inspect.signature(recipe.read_train).parameters) == 1, f"{where}: read_train(config) takes the config"
    assert recipe.loss is None or callable(recipe.loss), f"{where}: loss must be None or callable"
    assert recipe.train_items([]) == [], f"{where}: train_items of no items is not empty"
    _check_validation(recipe, config, labels, np, where)
    if trainer:
        from transformers import Trainer

        cls = recipe.trainer_class()
        assert isinstance(cls, type) and issubclass(cls, Trainer), f"{where}: trainer_class is not a Trainer"
    return recipe


def _check_validation(recipe: Recipe, config: Any, labels: int, np: Any, where: str) -> None:
    """Chosen outputs above rejected ones on every output validate at 1, below at 0; the figure is in [0, 1]."""
    rng = np.random.default_rng(0)
    low = rng.normal(size=(24, labels))
    high = low + 1.0 + rng.random(size=(24, labels))
    signs = np.asarray(getattr(config, "attribute_signs", [1] * labels)[:labels], dtype=float)
    if signs.size == labels:  # an attribute a recipe counts negatively (regression's verbosity) is flipped
        low, high = np.where(signs < 0, high, low), np.where(signs < 0, low, high)
    best, extra = recipe.validate(high, low, config)
    worst, _ = recipe.validate(low, high, config)
    assert isinstance(extra, dict), f"{where}: validate must return (accuracy, dict of extra fields)"
    assert 0.0 <= worst <= best <= 1.0, f"{where}: validation accuracy {worst}..{best} outside [0, 1] or reversed"
    assert best == 1.0, f"{where}: chosen scored above rejected everywhere validates at {best}, not 1"
