"""One training run at one learning rate with the recipe's trainer class (TRL's RewardTrainer for Bradley-Terry, a
transformers Trainer with an MSE loss over attribute labels for regression; :mod:`rmbase.training.recipes`),
scored on the validation pairs every ``eval_steps`` steps.

Validation is our own exact pairwise accuracy (strict >, over all pairs — TRL's logged ``eval_accuracy`` is a mean of
per-batch means), computed by the recipe (for regression: the accuracy of the best merge-weight vector at that
checkpoint). The Trainer keeps the checkpoint with the best value (the earliest one on ties) and loads it at the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rmbase.errors import InputError
from rmbase.training.callbacks import (
    METRIC,
    curve_writer,
    final_step_callback,
    restore_token_count,
    stop_on_non_finite,
    token_ledger,
    validation_callback,
)
from rmbase.training.checks import TIED, tied_fraction
from rmbase.training.config import TrainConfig
from rmbase.training.encoding import score_pairs
from rmbase.training.recipes import Recipe, get_recipe

HEAD_NAMES = ("score", "classifier", "classification_head")


@dataclass
class RunResult:
    """What one learning rate gave: the best validation accuracy, its step, the curve and the log."""

    learning_rate: float
    best_accuracy: float
    best_step: int
    curve: list[dict] = field(default_factory=list)
    log_history: list[dict] = field(default_factory=list)
    model_dir: str = ""
    train_tokens: int = 0
    train_seconds: float = 0.0
    reinitialised_token_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"learning_rate": self.learning_rate, "best_accuracy": self.best_accuracy,
                "best_step": self.best_step, "curve": self.curve, "log_history": self.log_history,
                "model_dir": self.model_dir, "train_tokens": self.train_tokens,
                "train_seconds": self.train_seconds, "reinitialised_token_ids": self.reinitialised_token_ids}


def head_module_name(model: Any) -> str:
    """Name of the classification head of a sequence classifier (``score`` for decoder LMs)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    for name in HEAD_NAMES:
        if hasattr(base, name):
            return name
    raise InputError(f"cannot find the classification head of {type(base).__name__}",
                     expected="a model with a 'score' or 'classifier' head")


def used_token_ids(*item_lists: list[dict]) -> set[int]:
    """Every token id in the encoded items (any ``*_ids`` field)."""
    ids: set[int] = set()
    for items in item_lists:
        for item in items:
            for key, value in item.items():
                if key.endswith("ids"):
                    ids.update(value)
    return ids


def reset_untrained_embeddings(model: Any, tokenizer: Any, token_ids: set[int]) -> list[int]:
    """Untrained (all-zero) embedding rows of ``token_ids`` set to the mean row, with a warning naming the tokens;
    returns their ids (see :func:`rmbase.hf_models.reinit_untrained_embeddings`)."""
    from rmbase.hf_models import reinit_untrained_embeddings

    fixed = reinit_untrained_embeddings(model, token_ids)
    if fixed:
        import warnings

        shown = ", ".join(repr(tokenizer.convert_ids_to_tokens(i)) for i in fixed[:10])
        warnings.warn(f"the base has untrained (all-zero) embeddings for {len(fixed)} token(s) of the data ({shown}"
                      f"{'...' if len(fixed) > 10 else ''}); set to the mean embedding before training", stacklevel=3)
    return fixed


def build_model(config: TrainConfig, tokenizer: Any, num_labels: int) -> Any:
    """The base as a sequence classifier: seeded head, embeddings grown for the pad token, optional LoRA."""
    from transformers.utils import logging as hf_logging

    from rmbase.hf_models import load_sequence_classifier

    device = config.device or _default_device()
    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the new score head is expected: no "MISSING score.weight" load report
    try:
        model = load_sequence_classifier(config.base, dtype=config.dtype, device=device, revision=config.revision,
                                         trust_remote_code=config.trust_remote_code, num_labels=num_labels,
                                         tokenizer=tokenizer, allow_new_head=True, head_seed=config.seed)
    finally:
        hf_logging.set_verbosity(level)
    model.config.problem_type = "regression" if num_labels > 1 else None
    if config.lora:
        from peft import LoraConfig, TaskType, get_peft_model

        head = head_module_name(model)
        peft_config = LoraConfig(task_type=TaskType.SEQ_CLS, r=config.lora_r, lora_alpha=config.lora_alpha,
                                 lora_dropout=config.lora_dropout, target_modules="all-linear",
                                 modules_to_save=[head])
        model = get_peft_model(model, peft_config)
    model.train()
    return model


def _default_device() -> str:
    from rmbase.hf_models import default_device

    return default_device()


def training_arguments(config: TrainConfig, learning_rate: float, run_dir: Path) -> Any:
    """The recipe's arguments object (RewardConfig for Bradley-Terry, TrainingArguments for regression) with the
    study's defaults."""
    import torch

    from rmbase.training.memory import checkpointing_arguments

    device = config.device or _default_device()
    on_gpu = device.startswith("cuda")
    bf16 = bool(on_gpu and torch.cuda.is_bf16_supported() and config.dtype not in ("float32", "fp32"))
    common: dict[str, Any] = dict(
        output_dir=str(run_dir / "checkpoints"),
        learning_rate=learning_rate,
        num_train_epochs=config.resolved_epochs,
        max_steps=config.max_steps if config.max_steps is not None else -1,
        per_device_train_batch_size=config.micro_batch,
        per_device_eval_batch_size=config.micro_batch,
        gradient_accumulation_steps=config.grad_accumulation,
        optim="adamw_torch",
        weight_decay=config.weight_decay,
        lr_scheduler_type="constant_with_warmup" if config.schedule == "constant" else "cosine",
        warmup_steps=config.warmup_steps,
        eval_strategy="steps",
        eval_steps=config.eval_steps,
        save_strategy="steps",
        save_steps=config.eval_steps,
        save_total_limit=2,
        load_best_model_at_end=True,
        metric_for_best_model=METRIC,
        greater_is_better=True,
        logging_steps=1,
        report_to="none",
        seed=config.seed,
        data_seed=config.seed,
        bf16=bf16,
        **checkpointing_arguments(config.activation_checkpointing),
        use_cpu=not on_gpu,
        disable_tqdm=True,
        dataloader_num_workers=0,
        save_only_model=False,
    )
    return get_recipe(config.recipe).training_arguments(common)


class PairwiseValidation:
    """Mixed into the recipe's trainer class: ``evaluate`` is exact validation pairwise accuracy as the recipe
    computes it (merged via the weight search for regression), and the recipe's ``loss`` when it has one."""

    def __init__(self, *args: Any, recipe: Recipe, config: TrainConfig, val_pairs: list[dict], pad_id: int,
                 curve: list[dict] | None = None, progress: Any = None, **kwargs: Any) -> None:
        self.rm_recipe, self.rm_config = recipe, config
        self.rm_val_pairs, self.rm_pad_id = val_pairs, pad_id
        self.rm_curve: list[dict] = list(curve or [])
        self.rm_progress = progress
        super().__init__(*args, **kwargs)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):  # noqa: ANN001 - HF's
        if self.rm_recipe.loss is None:
            return super().compute_loss(model, inputs, return_outputs=return_outputs,
                                        num_items_in_batch=num_items_in_batch)
        loss, outputs = self.rm_recipe.loss(model, inputs)
        return (loss, outputs) if return_outputs else loss

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval") -> dict[str, float]:
        chosen, rejected = score_pairs(self.model, self.rm_val_pairs, self.rm_pad_id,
                                       batch_size=self.args.per_device_eval_batch_size)
        point: dict[str, Any] = {"step": int(self.state.global_step), "epoch": self.state.epoch}
        acc, extra = self.rm_recipe.validate(chosen, rejected, self.rm_config)
        point.update(extra)
        if chosen.ndim == 2 and chosen.shape[1] == 1:  # one reward per text: how many pairs it cannot tell apart
            point[TIED] = tied_fraction(chosen[:, 0], rejected[:, 0])
        point[METRIC] = acc
        self.rm_curve.append(point)
        if self.rm_progress:
            self.rm_progress(f"lr={self.args.learning_rate:g} step {point['step']}: validation accuracy {acc:.4f}")
        metrics = {f"{metric_key_prefix}_{METRIC}": acc}
        self.log(metrics)
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
        return metrics


_TRAINER_CLASSES: dict[tuple[str, type], type] = {}


def trainer_class(recipe: Recipe) -> type:
    """The recipe's trainer class with :class:`PairwiseValidation` mixed in (one class per recipe and base)."""
    base = recipe.trainer_class()
    key = (recipe.name, base)
    if key not in _TRAINER_CLASSES:
        name = "Rmbase" + "".join(p.capitalize() for p in recipe.name.split("_")) + "Trainer"
        _TRAINER_CLASSES[key] = type(name, (PairwiseValidation, base), {"__module__": __name__})
    return _TRAINER_CLASSES[key]


def in_memory_dataset(items: list[dict], tag: str) -> Any:
    """A ``datasets.Dataset`` over already tokenised items, with a fingerprint derived from ``tag``, the size and
    the first and last items. ``Dataset.from_list`` would fingerprint by pickling the whole Arrow table — time
    spent on every run for nothing (the data is hashed once in the provenance), and on one GPU image (Python 3.12,
    pyarrow 26, datasets 5.2) a PicklingError before training started."""
    import hashlib
    import json

    import pyarrow as pa

    from datasets import Dataset

    probe = json.dumps([tag, len(items), items[:1], items[-1:]], sort_keys=True, default=str)
    return Dataset(pa.Table.from_pylist(items), fingerprint=hashlib.sha256(probe.encode()).hexdigest()[:16])


def run_one(config: TrainConfig, learning_rate: float, tokenizer: Any, train_items: list[dict],
            val_pairs: list[dict], run_dir: Path, progress: Any = None, *,
            on_validation: Callable[[dict], None] | None = None, console: Any = None) -> RunResult:
    """Train at one learning rate (resuming from ``run_dir``'s last checkpoint) and save the best model.

    ``on_validation`` (optional) is called after each checkpoint with its validation accuracy (see
    :func:`validation_callback`)."""
    import time

    recipe = get_recipe(config.recipe)
    model = build_model(config, tokenizer, recipe.num_labels(config))
    reinitialised = reset_untrained_embeddings(model, tokenizer, used_token_ids(train_items, val_pairs))
    args = training_arguments(config, learning_rate, run_dir)
    train_items = recipe.train_items(train_items)
    train_ds = in_memory_dataset(train_items, f"train-{learning_rate:g}")
    # a placeholder (Trainer insists on one when eval_strategy is set): evaluate() is ours and scores val_pairs
    eval_ds = in_memory_dataset(train_items[:1], "eval-placeholder")
    from rmbase.training.checkpoints import resume_checkpoint

    newest, removed = resume_checkpoint(run_dir / "checkpoints")  # the newest complete one; half-saved ones go
    resume = str(newest) if newest is not None else None
    if removed and progress:
        progress(f"lr={learning_rate:g}: removed {len(removed)} incomplete checkpoint(s) of an interrupted save "
                 f"({', '.join(p.name for p in removed)}); resuming from {newest.name if newest else 'the start'}")
    curve_file = run_dir / "curve.jsonl"
    # resumed: keep the points scored before the interruption (up to the checkpoint it resumes from)
    curve = [json.loads(x) for x in curve_file.read_text().splitlines() if x.strip()] if curve_file.exists() else []
    if resume:
        curve = [p for p in curve if p["step"] <= _step_of(resume)]
    trainer = trainer_class(recipe)(
        model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds,
        callbacks=[final_step_callback(), stop_on_non_finite(learning_rate)], recipe=recipe, config=config,
        val_pairs=val_pairs, pad_id=tokenizer.pad_token_id, curve=curve, progress=progress,
        **recipe.trainer_options(tokenizer))
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)  # the log goes to training_log.jsonl, progress to ``progress``
    if not resume:
        trainer.evaluate()  # step 0: the untrained head, for the curve (not a checkpoint candidate)
    trainer.add_callback(curve_writer(trainer, curve_file))
    if on_validation is not None:
        trainer.add_callback(validation_callback(learning_rate, on_validation))
    if console is not None:
        from rmbase.training.progress_bar import progress_bar_callback, tokens_per_step

        trainer.add_callback(progress_bar_callback(console, learning_rate,
                                                   tokens_per_step(train_items, config.batch_size)))
    trainer.add_callback(token_ledger(trainer))
    if resume:  # TRL counts the tokens of this session only: carry on from the count saved with the checkpoint
        restore_token_count(trainer, Path(resume))
    t0 = time.perf_counter()
    trainer.train(resume_from_checkpoint=resume)
    seconds = time.perf_counter() - t0
    best_step = _step_of(trainer.state.best_model_checkpoint)
    best = next((p for p in trainer.rm_curve if p["step"] == best_step), None)
    best_acc = float(trainer.state.best_metric) if trainer.state.best_metric is not None else \
        (best[METRIC] if best else float("nan"))
    model_dir = run_dir / "best"
    save_plain_model(trainer.model, tokenizer, model_dir)
    counted = not getattr(trainer, "_rmbase_count_from_steps", False)
    tokens = (int(getattr(trainer, "_total_train_tokens", 0)) if counted else 0) or \
        _count_tokens(train_items, config, trainer)
    return RunResult(learning_rate=learning_rate, best_accuracy=best_acc, best_step=best_step,
                     curve=trainer.rm_curve, log_history=list(trainer.state.log_history),
                     model_dir=str(model_dir), train_tokens=tokens, train_seconds=seconds,
                     reinitialised_token_ids=reinitialised)


def _count_tokens(items: list[dict], config: TrainConfig, trainer: Any) -> int:
    per_epoch = sum(len(x.get("input_ids", [])) + len(x.get("chosen_ids", [])) + len(x.get("rejected_ids", []))
                    for x in items)
    done = trainer.state.global_step * config.batch_size
    return int(per_epoch * done / max(len(items), 1))


def _step_of(checkpoint: str | None) -> int:
    if not checkpoint:
        return -1
    return int(Path(checkpoint).name.split("-")[-1])


def save_plain_model(model: Any, tokenizer: Any, out_dir: Path) -> None:
    """Save a full (LoRA merged) sequence classifier in safetensors with its tokenizer and chat template."""
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
