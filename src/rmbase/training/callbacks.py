"""The TrainerCallbacks that one training run adds to the recipe's trainer: score and save the last step, stop on a
non-finite loss, report each scored checkpoint, keep the validation curve on disk, and save the running token count
with each checkpoint (so a resumed run counts every token)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

METRIC = "pairwise_accuracy"  # the validation metric the Trainer logs (as eval_<METRIC>) and keeps the best of


def final_step_callback() -> Any:
    """Score and save the last step even when it is not a multiple of ``eval_steps``."""
    from transformers import TrainerCallback

    class EvaluateAndSaveLastStep(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step >= state.max_steps:
                control.should_evaluate = True
                control.should_save = True
            return control

    return EvaluateAndSaveLastStep()


def stop_on_non_finite(learning_rate: float) -> Any:
    """Stop with :class:`rmbase.errors.TrainingDiverged` at the first non-finite loss or gradient norm."""
    from transformers import TrainerCallback

    class StopOnNonFinite(TrainerCallback):
        """Stop at the first logged step whose loss or gradient norm is not finite (logging_steps=1, so before that
        step's checkpoint is written): AdamW turns one NaN gradient into NaN weights everywhere."""

        def on_log(self, args, state, control, logs=None, **kwargs):
            import math

            from rmbase.errors import TrainingDiverged

            for key in ("loss", "grad_norm"):
                value = (logs or {}).get(key)
                if isinstance(value, (int, float)) and not math.isfinite(value):
                    raise TrainingDiverged(
                        f"training diverged at step {state.global_step} (learning rate {learning_rate:g}): {key} is "
                        f"{value}; nothing was saved from this run. Try a lower --lr, --dtype float32, or check the "
                        "data for empty or degenerate texts")
            return control

    return StopOnNonFinite()


def validation_callback(learning_rate: float, on_validation: Callable[[dict], None]) -> Any:
    """A TrainerCallback that calls ``on_validation({learning_rate, step, val_accuracy, checkpoint, max_steps})``
    once per checkpoint, after the checkpoint is on disk (the sweep reports these as intermediate results)."""
    from transformers import TrainerCallback

    class ReportValidation(TrainerCallback):
        def __init__(self):
            self.scored: dict[int, float] = {}

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            value = (metrics or {}).get(f"eval_{METRIC}")
            if value is not None:
                self.scored[int(state.global_step)] = float(value)

        def on_save(self, args, state, control, **kwargs):
            step = int(state.global_step)
            if step in self.scored:
                on_validation({"learning_rate": learning_rate, "step": step, "val_accuracy": self.scored.pop(step),
                               "checkpoint": str(Path(args.output_dir) / f"checkpoint-{step}"),
                               "max_steps": int(state.max_steps)})
            return control

    return ReportValidation()


TOKENS_FILE = "rmbase_train_tokens.json"


def _token_ledger_cls():
    from transformers import TrainerCallback

    class TokenLedger(TrainerCallback):
        """Save the trainer's running token count with each checkpoint, so that a resumed run counts them all."""

        def __init__(self, trainer: Any):
            self.trainer = trainer

        def on_save(self, args, state, control, **kwargs):
            count = getattr(self.trainer, "_total_train_tokens", None)
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if count is not None and folder.is_dir():
                from rmbase.io import atomic_write_json

                atomic_write_json(folder / TOKENS_FILE, {"step": state.global_step, "train_tokens": int(count)})

    return TokenLedger


def token_ledger(trainer: Any) -> Any:
    """Save ``trainer``'s running token count with each checkpoint (``TOKENS_FILE``)."""
    return _token_ledger_cls()(trainer)


def restore_token_count(trainer: Any, checkpoint: Path) -> None:
    """Carry on from the token count saved with ``checkpoint`` (TRL counts the tokens of this session only); a
    checkpoint without one makes the run count its tokens from the steps."""
    if not hasattr(trainer, "_total_train_tokens"):
        return
    try:
        saved = json.loads((checkpoint / TOKENS_FILE).read_text())
        trainer._total_train_tokens = int(saved["train_tokens"])
    except (OSError, ValueError, KeyError, TypeError):  # a checkpoint from before the ledger: count from steps
        trainer._total_train_tokens = 0
        trainer._rmbase_count_from_steps = True


def _curve_writer_cls():
    from transformers import TrainerCallback

    class CurveWriter(TrainerCallback):
        """Append each validation point to ``curve.jsonl`` so a resumed run keeps the whole curve."""

        def __init__(self, trainer: Any, path: Path):
            self.trainer, self.path = trainer, path

        def on_evaluate(self, args, state, control, **kwargs):
            self.path.write_text("".join(json.dumps(p) + "\n" for p in self.trainer.rm_curve))

    return CurveWriter


def curve_writer(trainer: Any, path: Path) -> Any:
    """Rewrite ``path`` (``curve.jsonl``) with the trainer's validation curve after each evaluation."""
    return _curve_writer_cls()(trainer, path)
