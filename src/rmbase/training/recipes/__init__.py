"""Training recipes as units, and the registry that is the one home of their names.

A recipe is everything that differs between ways of training a reward model from a base: the data it reads and
how it encodes it, the head size (``num_labels``), the loss (the trainer class's own, or :meth:`Recipe.loss`),
the default epochs, how a checkpoint is scored on the validation pairs, and how the best checkpoint becomes a
one-label reward model. Everything else (LR search, checkpoints, resume, records) is shared, in
:mod:`rmbase.training.runner` and :mod:`rmbase.training.trainer`.

Adding a recipe is one module (a :class:`Recipe` subclass) and one entry in :data:`BUILT_IN` (or, from your own
code, :func:`register`). This module and the recipe modules import no torch, transformers or TRL at module level:
``rmbase.datasets`` and ``rmbase.study`` read :func:`recipe_names` without them.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path
from typing import Any, ClassVar

from rmbase.errors import InputError

# name -> "module:Class"; loaded on first use. The order is the order names are listed in.
BUILT_IN: dict[str, str] = {
    "regression": "rmbase.training.recipes.regression:Regression",
    "bradley_terry": "rmbase.training.recipes.bradley_terry:BradleyTerry",
}
RECIPE_NAMES: tuple[str, ...] = tuple(BUILT_IN)  # the built-in recipes (the study's two)

_registry: dict[str, Recipe | str] = dict(BUILT_IN)


class Recipe:
    """Base of a training recipe. Subclasses set :attr:`name` and override what differs; ``config`` is always the
    run's :class:`~rmbase.training.config.TrainConfig`. Heavy libraries are imported inside the methods."""

    name: ClassVar[str]
    data_format: ClassVar[str] = "preference pairs: prompt, chosen, rejected"
    train_text_columns: ClassVar[tuple[str, ...]] = ("prompt", "chosen", "rejected")  # the texts it trains on
    default_epochs: ClassVar[float] = 1.0

    # ---------------------------------------------------------------- configuration
    def num_labels(self, config: Any) -> int:
        """Outputs of the score head while training (one for a reward model, one per attribute for regression)."""
        return 1

    def check_config(self, config: Any) -> None:
        """Refuse option combinations this recipe cannot use (raise ``ValueError``: it becomes one InputError)."""

    # ---------------------------------------------------------------- data
    def read_train(self, config: Any) -> tuple[Any, Any]:
        """Read and validate the training data, without a tokenizer: (rows, load report). The rows hold
        :attr:`train_text_columns` (``rmbase sweep`` checks and prices the data with it before any cell starts)."""
        from rmbase.training.data import load_pairs

        return load_pairs(config.train, on_bad_rows=config.on_bad_rows)

    def load_train(self, config: Any, tokenizer: Any) -> tuple[list[dict], Any, Any]:
        """Read, validate and encode the training data: (items, load report, length report); the reports have
        ``as_dict()`` (:mod:`rmbase.training.data`, :mod:`rmbase.training.encoding`)."""
        from rmbase.training.encoding import encode_pairs

        rows, report = self.read_train(config)
        items, length = encode_pairs(tokenizer, rows, max_length=config.max_length, policy=config.long_pairs,
                                     use_margin=config.use_margin, name="train")
        return items, report, length

    def train_items(self, items: list[dict]) -> list[dict]:
        """The encoded items as the trainer class's collator wants them (default: unchanged)."""
        return items

    # ---------------------------------------------------------------- training
    def training_arguments(self, common: dict[str, Any]) -> Any:
        """The trainer's arguments object from the shared settings (``common``: output dir, LR, schedule, ...)."""
        from transformers import TrainingArguments

        return TrainingArguments(**common, remove_unused_columns=False)

    def trainer_class(self) -> type:
        """The Hugging Face trainer class to train with; rmbase mixes its own validation into it."""
        from transformers import Trainer

        return Trainer

    def trainer_options(self, tokenizer: Any) -> dict[str, Any]:
        """Extra keyword arguments of the trainer class (a data collator, the processing class, ...)."""
        return {}

    loss: Any = None
    """Optional ``loss(model, inputs) -> (loss, outputs)``; None: the trainer class's own loss."""

    # ---------------------------------------------------------------- validation and the final reward model
    def validate(self, chosen: Any, rejected: Any, config: Any) -> tuple[float, dict[str, Any]]:
        """Validation pairwise accuracy of a checkpoint from its outputs on the chosen and rejected sides (arrays
        of shape pairs x num_labels), and extra fields for the validation curve."""
        from rmbase.training.encoding import pairwise_accuracy

        diff = chosen[:, 0] - rejected[:, 0]
        return pairwise_accuracy(chosen[:, 0], rejected[:, 0]), {
            "mean_margin": float(diff.mean()), "mean_reward": float((chosen.mean() + rejected.mean()) / 2)}

    def write_reward_model(self, config: Any, model_dir: Path, tokenizer: Any, val_items: list[dict],
                           stage: Path) -> dict | None:
        """Write the one-label reward model into ``stage`` from the best run's saved model (``model_dir``);
        returns what was decided on the way (recorded as ``merge``), or None. Default: the model as it is."""
        copy_model_files(model_dir, stage)
        return None

    def __repr__(self) -> str:
        return f"<recipe {self.name}>"


def copy_model_files(src: Path, dst: Path) -> None:
    """Copy the files (not folders) of a saved model folder."""
    for item in Path(src).iterdir():
        if item.is_file():
            shutil.copy2(item, Path(dst) / item.name)


def recipe_names() -> tuple[str, ...]:
    """Names of every registered recipe (the built-in ones first)."""
    return tuple(_registry)


def user_recipes() -> dict[str, Recipe]:
    """The recipes registered from code (not built in, or replacing a built-in): what another process (a Ray
    worker of ``rmbase sweep``) must register again before it trains one."""
    return {name: entry for name, entry in _registry.items()
            if not isinstance(entry, str) and BUILT_IN.get(name, "") != f"{type(entry).__module__}:"
            f"{type(entry).__name__}"}


def known_recipe(name: str) -> str:
    """``name`` when a recipe of that name is registered, else a ``ValueError`` listing them: the one check of a
    config's ``recipe`` field (``TrainConfig``, ``StudyConfig``: ``Annotated[str, AfterValidator(known_recipe)]``)."""
    if name not in _registry:
        raise ValueError(f"unknown recipe {name!r} (expected one of {', '.join(_registry)})")
    return name


def get_recipe(name: str) -> Recipe:
    """The registered recipe called ``name``; an :class:`InputError` listing the known names otherwise."""
    entry = _registry.get(name)
    if entry is None:
        raise InputError(f"unknown recipe {name!r}", expected=f"one of {', '.join(_registry)}")
    if isinstance(entry, str):
        module, _, cls = entry.partition(":")
        entry = getattr(importlib.import_module(module), cls)()
        _registry[name] = entry
    return entry


def register(recipe: Recipe | type[Recipe], *, replace: bool = False) -> Recipe:
    """Add a recipe (an instance or a class) under its ``name``; returns the instance."""
    obj = recipe() if isinstance(recipe, type) else recipe
    if not isinstance(obj, Recipe) or not getattr(obj, "name", None):
        raise TypeError("a recipe is a Recipe subclass with a name")
    if obj.name in _registry and not replace:
        raise ValueError(f"a recipe named {obj.name!r} is already registered (replace=True to replace it)")
    _registry[obj.name] = obj
    return obj


def unregister(name: str) -> None:
    """Remove a recipe added with :func:`register` (the built-in ones stay)."""
    if name in BUILT_IN:
        raise ValueError(f"{name!r} is a built-in recipe")
    _registry.pop(name, None)


__all__ = ["BUILT_IN", "RECIPE_NAMES", "Recipe", "copy_model_files", "get_recipe", "recipe_names", "register",
           "unregister"]
