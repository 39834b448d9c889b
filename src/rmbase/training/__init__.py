"""Reward-model training as in arXiv 2505.10775: Bradley-Terry (TRL RewardTrainer), multi-attribute regression
with the exact merge-weight search, learning-rate search, checkpoint selection by validation pairwise accuracy.

Everything is imported on first use (torch, transformers, trl, peft, datasets, pydantic are not loaded by
``import rmbase.training``), so ``rmbase.training.merge_search`` needs numpy alone.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TrainConfig", "train", "search_merge_weights"]


def train(config: Any, progress: Any = None, *, on_validation: Any = None, console: Any = None,
          restart: bool = False) -> Any:
    """Train a reward model as configured; see :func:`rmbase.training.runner.train` (``on_validation``: called
    with ``{learning_rate, step, val_accuracy, checkpoint, max_steps}`` after each checkpoint; ``restart``:
    discard the work of an interrupted run with other options)."""
    from rmbase.training.runner import train as _train

    return _train(config, progress=progress, on_validation=on_validation, console=console, restart=restart)


def search_merge_weights(*args: Any, **kwargs: Any) -> Any:
    """The exact merge-weight search; see :func:`rmbase.training.merge_search.search_merge_weights`."""
    from rmbase.training.merge_search import search_merge_weights as _search

    return _search(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "TrainConfig":
        from rmbase.training import config

        return getattr(config, name)
    raise AttributeError(name)
